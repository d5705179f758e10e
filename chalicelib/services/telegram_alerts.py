"""Alerts to a linked Telegram chat, sent by the notification worker (one queue message per event).

Telegram's flood control answers 429 with `retry_after`: a short wait is honoured in place (the worker sleeps
it, at most `max_wait_s`), a longer one is raised so the queue delivers the message again later. A message is
marked sent after Telegram accepted it, so the queue's retry (of this or of the webhook after it) never sends
it twice. A user who blocked the bot is not retried."""

from __future__ import annotations

from collections.abc import Callable

from aws_lambda_powertools import Logger

from chalicelib.domain.clock import Clock
from chalicelib.domain.notifications import Notification
from chalicelib.services.ports.telegram import (
    TelegramApi,
    TelegramBlocked,
    TelegramError,
    TelegramRateLimited,
    TelegramStore,
)

logger = Logger(child=True)

SENT_MARKER_TTL_S = 3 * 86_400  # longer than the notify queue keeps a message


class TelegramAlerts:
    def __init__(
        self,
        *,
        store: TelegramStore,
        api: TelegramApi,
        clock: Clock,
        sleep: Callable[[float], None],
        max_wait_s: float = 10.0,
        attempts: int = 3,
    ) -> None:
        self._store = store
        self._api = api
        self._clock = clock
        self._sleep = sleep
        self._max_wait_s = max_wait_s
        self._attempts = attempts

    def send(self, message_id: str, note: Notification) -> str:
        """`sent`, `not_linked`, `already_sent`, `blocked` or `refused`; raises to have the queue retry."""
        chat_id = self._store.settings(note.user_id).chat_id
        if chat_id is None:
            return "not_linked"
        if self._store.was_sent(message_id):
            return "already_sent"
        outcome = self._deliver(chat_id, note.message)
        if outcome == "sent":
            self._store.mark_sent(message_id, self._clock.now_ms() // 1000 + SENT_MARKER_TTL_S)
        return outcome

    def _deliver(self, chat_id: int, text: str) -> str:
        for attempt in range(1, self._attempts + 1):
            try:
                self._api.send_message(chat_id, text)
                return "sent"
            except TelegramRateLimited as exc:
                if exc.retry_after_s > self._max_wait_s or attempt == self._attempts:
                    raise  # the queue delivers it again after its visibility timeout
                self._sleep(exc.retry_after_s)
            except TelegramBlocked:
                logger.info("Telegram chat blocked the bot; alert dropped")
                return "blocked"
            except TelegramError as exc:
                if exc.status == 0 or exc.status >= 500:
                    raise
                logger.warning("Telegram refused an alert", extra={"status": exc.status, "error": exc.description})
                return "refused"
        return "refused"  # not reached: the last attempt returns or raises
