"""Ports of the Telegram integration: the Bot API, and the store of links, one-time link codes and
per-event channel choices."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol


class TelegramError(Exception):
    """Telegram refused or could not be reached; `description` is Telegram's own words (never the token)."""

    def __init__(self, status: int, description: str) -> None:
        super().__init__(f"Telegram {status}: {description}")
        self.status = status
        self.description = description


class TelegramRateLimited(TelegramError):
    """429: wait `retry_after_s` before sending to this chat again."""

    def __init__(self, status: int, description: str, retry_after_s: int) -> None:
        super().__init__(status, description)
        self.retry_after_s = retry_after_s


class TelegramBlocked(TelegramError):
    """403: the user blocked the bot; nothing can be sent until they start it again."""


class TelegramApi(Protocol):
    def send_message(self, chat_id: int, text: str, buttons: list[tuple[str, str]] | None = None) -> None: ...

    def answer_callback(self, callback_id: str, text: str) -> None: ...


@dataclass(frozen=True, slots=True)
class TelegramLink:
    user_id: str
    chat_id: int | None = None
    # event kind -> channels ("in_app", "webhook", "telegram"); a kind not listed uses the defaults.
    channels: dict[str, list[str]] = field(default_factory=dict)
    daily_summary_time: str | None = None  # HH:MM UTC, or None: no daily summary


class TelegramStore(Protocol):
    def put_code(self, code_hash: str, user_id: str, expires_at_s: int) -> None: ...

    def take_code(self, code_hash: str, now_s: int) -> str | None:
        """The user of an unexpired code, deleting it (a code links once); None otherwise."""

    def link(self, user_id: str, chat_id: int) -> None:
        """Link the chat to the user (replacing any chat they had and any user the chat had)."""

    def unlink(self, user_id: str) -> None: ...

    def user_of_chat(self, chat_id: int) -> str | None: ...

    def settings(self, user_id: str) -> TelegramLink: ...

    def set_channels(self, user_id: str, channels: dict[str, list[str]]) -> None: ...

    def set_summary_time(self, user_id: str, time: str | None) -> None: ...

    def was_sent(self, message_id: str) -> bool: ...

    def mark_sent(self, message_id: str, expires_at_s: int) -> bool:
        """True the first time a notification is sent to Telegram (a queue retry does not send it twice)."""
