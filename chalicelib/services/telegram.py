"""Telegram: linking a chat to an account with a one-time deep link, the webhook Telegram calls, and each
user's choice of channels per event.

A link code is random, shown once (`t.me/<bot>?start=<code>`), stored hashed and valid 10 minutes; the first
`/start <code>` consumes it. Only a linked chat's messages reach the commands (services/telegram_commands.py);
any other chat gets one short refusal and nothing else. The webhook secret Telegram echoes in
`X-Telegram-Bot-Api-Secret-Token` is derived from the bot token, so Secrets Manager holds one secret."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools import Logger

from chalicelib.domain.clock import Clock
from chalicelib.domain.daily_summary import check_time
from chalicelib.domain.errors import InvalidInput, Unauthorized
from chalicelib.services.ports.daily_summary import SummarySchedule
from chalicelib.services.ports.telegram import TelegramApi, TelegramError, TelegramStore
from chalicelib.services.telegram_commands import TelegramCommands

logger = Logger(child=True)

CODE_TTL_S = 600
CHANNELS = ("in_app", "webhook", "telegram")
EVENTS = (
    "trade_opened",
    "trade_closed",
    "stop_loss",
    "take_profit",
    "bot_error",
    "signal_refused",
    "api_key_rejected",
    "api_key_unsafe",
    "daily_summary",
    "drift_alert",
)
REFUSAL = "This chat is not linked to an account. Link it from Settings > Telegram in the web app."


def webhook_secret(bot_token: str) -> str:
    """The `secret_token` given to setWebhook (1-256 of A-Z a-z 0-9 _ -), derived so no second secret exists."""
    return hmac.new(bot_token.encode(), b"tradebot telegram webhook", hashlib.sha256).hexdigest()


def _hash(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


class TelegramService:
    def __init__(
        self,
        *,
        store: TelegramStore,
        api: TelegramApi,
        commands: TelegramCommands,
        bot_token: Callable[[], str],
        bot_name: str,
        clock: Clock,
        schedule: SummarySchedule,
    ) -> None:
        self._schedule = schedule
        self._store = store
        self._api = api
        self._commands = commands
        self._token = bot_token
        self._bot_name = bot_name
        self._clock = clock

    # --- the web app ---------------------------------------------------------------------------------

    def link_url(self, user_id: str) -> tuple[str, int]:
        """A one-time deep link and when it expires (ms)."""
        code = secrets.token_urlsafe(24)
        expires_s = self._clock.now_ms() // 1000 + CODE_TTL_S
        self._store.put_code(_hash(code), user_id, expires_s)
        return f"https://t.me/{self._bot_name}?start={code}", expires_s * 1000

    def unlink(self, user_id: str) -> None:
        self._store.unlink(user_id)

    def settings(self, user_id: str) -> dict[str, Any]:
        link = self._store.settings(user_id)
        return {
            "linked": link.chat_id is not None, "bot_name": self._bot_name, "channels": channels_of(link.channels),
            "daily_summary_time": link.daily_summary_time,
        }  # fmt: skip

    def set_daily_summary(self, user_id: str, time: str | None) -> dict[str, Any]:
        """The time of the daily summary (HH:MM UTC) or None for none; where it goes is the `daily_summary`
        event's channels."""
        time = check_time(time)
        old = self._store.settings(user_id).daily_summary_time
        self._store.set_summary_time(user_id, time)
        if old != time:
            self._schedule.set_time(user_id, old, time)
        return self.settings(user_id)

    def set_channels(self, user_id: str, channels: dict[str, list[str]]) -> dict[str, Any]:
        for kind, chosen in channels.items():
            if kind not in EVENTS or any(c not in CHANNELS for c in chosen):
                raise InvalidInput(
                    f"unknown event or channel for {kind[:40]!r}",
                    code="invalid_channels",
                    details=[{"field": f"channels.{kind[:40]}", "message": f"events {EVENTS}, channels {CHANNELS}"}],
                )
        self._store.set_channels(user_id, {k: sorted(set(v)) for k, v in channels.items()})
        return self.settings(user_id)

    def channels_for(self, user_id: str, kind: str) -> set[str]:
        """Where an event goes: the user's choice, or every channel."""
        link = self._store.settings(user_id)
        chosen = set(link.channels.get(kind, CHANNELS))
        return chosen if link.chat_id is not None else chosen - {"telegram"}

    # --- Telegram's webhook ----------------------------------------------------------------------------

    def check_secret(self, header: str | None) -> None:
        if not header or not hmac.compare_digest(header.encode(), webhook_secret(self._token()).encode()):
            raise Unauthorized("missing or wrong Telegram secret token", code="telegram_secret")

    def handle(self, update: dict[str, Any]) -> None:
        """One update; answered on Telegram, never with an error to Telegram (it would resend the update)."""
        try:
            if isinstance(update.get("callback_query"), dict):
                self._callback(update["callback_query"])
            elif isinstance(update.get("message"), dict):
                self._message(update["message"])
        except TelegramError as exc:
            logger.warning("Telegram answer failed", extra={"status": exc.status, "error": exc.description})

    def _message(self, message: dict[str, Any]) -> None:
        chat_id = (message.get("chat") or {}).get("id")
        text = str(message.get("text") or "").strip()
        if not isinstance(chat_id, int) or isinstance(chat_id, bool):
            return
        if text.startswith("/start "):
            return self._link(chat_id, text.removeprefix("/start ").strip())
        user_id = self._store.user_of_chat(chat_id)
        if user_id is None:
            return self._api.send_message(chat_id, REFUSAL)
        self._commands.run(user_id, chat_id, text)

    def _link(self, chat_id: int, code: str) -> None:
        user_id = self._store.take_code(_hash(code), self._clock.now_ms() // 1000) if code else None
        if user_id is None:
            return self._api.send_message(chat_id, "This link is not valid or has expired; make a new one in Settings.")
        self._store.link(user_id, chat_id)
        logger.info("Telegram chat linked", extra={"user_id": user_id})
        self._api.send_message(chat_id, "Linked. You will get your alerts here. Send /help for the commands.")

    def _callback(self, query: dict[str, Any]) -> None:
        query_id = str(query.get("id") or "")
        chat_id = ((query.get("message") or {}).get("chat") or {}).get("id")
        user_id = self._store.user_of_chat(chat_id) if isinstance(chat_id, int) else None
        if user_id is None or not query_id:
            if query_id:
                self._api.answer_callback(query_id, REFUSAL[:200])
            return
        answer = self._commands.confirm(user_id, int(chat_id), str(query.get("data") or ""))  # type: ignore[arg-type]
        self._api.answer_callback(query_id, answer)


def channels_of(chosen: dict[str, list[str]]) -> dict[str, list[str]]:
    return {kind: list(chosen.get(kind, CHANNELS)) for kind in EVENTS}
