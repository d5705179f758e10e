"""The notification feed and webhooks. Bot events arrive through the notify queue; each is written to the
user's feed (idempotently) and, if the user set a webhook, POSTed with an HMAC signature. A failing
webhook raises, so the queue retries it with backoff and finally parks it in the dead-letter queue.

Each user's webhook has a circuit breaker: after `threshold` consecutive failures it is not called for a
cooldown (the notification is still in the in-app feed), so a receiver that is down stops costing retries
and invocations. The notify queue delivers one message per invocation (batch size 1), so a slow or failing
receiver holds only its own message."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from chalicelib.domain.clock import Clock
from chalicelib.domain.errors import NotFound
from chalicelib.domain.notifications import (
    BreakerState,
    Notification,
    WebhookRefused,
    about_bot,
    bot_data,
    notification_id,
    sign,
)
from chalicelib.services.ports.notifications import (
    NotificationStore,
    WebhookBreaker,
    WebhookSender,
    WebhookTarget,
)


class NotificationService:
    def __init__(
        self,
        *,
        store: NotificationStore,
        targets: WebhookTarget,
        sender: WebhookSender,
        clock: Clock,
        breaker: WebhookBreaker,
        channels: Callable[[str, str], set[str]] | None = None,
        telegram: Callable[[str, Notification], str] | None = None,
        bot_names: Callable[[str, str], str | None] | None = None,
    ) -> None:
        # A producer that does not know the bot's name (a tick's error path has only its id) leaves it to
        # the delivery: every note about a bot names it and links its page (domain/notifications.about_bot).
        self._bot_names = bot_names
        # Per-event channel choice and the Telegram channel (services/telegram.py, telegram_alerts.py).
        self._channels = channels
        self._telegram = telegram
        self._store = store
        self._targets = targets
        self._sender = sender
        self._clock = clock
        self._breaker = breaker

    def deliver(self, message_id: str, event: dict[str, Any]) -> str:
        """Writes the feed item and calls the webhook. Returns the outcome: `delivered`, `no_webhook`,
        `circuit_open` (skipped, the breaker is open) or `refused` (the URL failed the outbound policy; not
        retried). Raises when the receiver failed, so the queue retries."""
        note = self._note(message_id, event)
        chosen = self._channels(note.user_id, note.kind) if self._channels else {"in_app", "webhook"}
        if "in_app" in chosen:
            self._store.put(note)
        if self._telegram is not None and "telegram" in chosen:
            self._telegram(message_id, note)
        target = self._targets.webhook(note.user_id) if "webhook" in chosen else None
        if target is None:
            return "no_webhook"
        state = self._breaker.state(note.user_id)
        if state.is_open(self._clock.now_ms()):
            return "circuit_open"
        url, secret = target
        return self._post(note, url, secret, state)

    def _note(self, message_id: str, event: dict[str, Any]) -> Notification:
        user_id, bot_id = str(event["user_id"]), event.get("bot_id")
        message, data = str(event["message"]), dict(event.get("data") or {})
        if bot_id and "bot_path" not in data and self._bot_names is not None:
            name = self._bot_names(user_id, bot_id)
            if name is not None:  # a deleted bot has no page to link
                message, data = about_bot(name, bot_id, message), {**data, **bot_data(name, bot_id)}
        return Notification(
            id=notification_id(message_id),
            user_id=user_id,
            bot_id=bot_id,
            kind=str(event["kind"]),
            message=message,
            created_at_ms=int(event.get("at") or self._clock.now_ms()),
            read=False,
            data=data,
        )

    def _post(self, note: Notification, url: str, secret: str, state: BreakerState) -> str:
        """Signs and sends the note; the breaker counts a failure and closes again on a success."""
        body = _webhook_body(note)
        now_s = self._clock.now_ms() // 1000
        headers = {"Content-Type": "application/json", "X-Tradebot-Signature": sign(secret, now_s, body)}
        try:
            self._sender.post(url, body, headers)
        except WebhookRefused:
            self._breaker.record_failure(note.user_id, state)
            return "refused"
        except Exception:
            self._breaker.record_failure(note.user_id, state)
            raise
        if state.failures or state.tripped:
            self._breaker.reset(note.user_id)
        return "delivered"

    def page(
        self, user_id: str, cursor: str | None, limit: int, unread_only: bool = False
    ) -> tuple[list[Notification], str | None]:
        return self._store.page(user_id, cursor, limit, unread_only)

    def mark_read(self, user_id: str, notification_id_: str) -> None:
        key = self._store.find_key(user_id, notification_id_)
        if key is None or not self._store.mark_read(user_id, key):
            raise NotFound("Notification not found.", code="notification_not_found")

    def mark_all_read(self, user_id: str) -> int:
        keys = self._store.unread_keys(user_id)
        for key in keys:
            self._store.mark_read(user_id, key)
        return len(keys)


def _webhook_body(note: Notification) -> bytes:
    return json.dumps(
        {
            "id": note.id,
            "kind": note.kind,
            "bot_id": note.bot_id,
            "message": note.message,
            "created_at_ms": note.created_at_ms,
            "data": note.data,
        },
        separators=(",", ":"),
    ).encode()
