"""In-app notifications and signed webhook bodies."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Notification:
    id: str
    user_id: str
    bot_id: str | None
    kind: str
    message: str
    created_at_ms: int
    read: bool
    data: dict[str, Any]

    @property
    def key(self) -> str:
        return f"{self.created_at_ms:013d}#{self.id}"


def sign(secret: str, timestamp_s: int, body: bytes) -> str:
    """`X-Tradebot-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`, as Stripe does, so a
    receiver can reject replays by the timestamp."""
    mac = hmac.new(secret.encode(), f"{timestamp_s}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp_s},v1={mac}"


def bot_path(bot_id: str) -> str:
    """The bot's page in the web app (a path: the web app's origin differs per stage)."""
    return f"/bots/{bot_id}"


def about_bot(name: str, bot_id: str, text: str) -> str:
    """A note's text names the bot and says where its page is, so a webhook or Telegram message read on its
    own says which bot it is about (the in-app feed renders the name as the link and drops the path)."""
    return f"{name}: {text} ({bot_path(bot_id)})"


def bot_data(name: str, bot_id: str) -> dict[str, str]:
    return {"bot_name": name, "bot_path": bot_path(bot_id)}


def notification_id(source_id: str) -> str:
    """Deterministic from the queue message, so a redelivered message writes the same feed item."""
    return hashlib.sha256(source_id.encode()).hexdigest()[:24]


class WebhookRefused(Exception):
    """The webhook URL is refused by the outbound policy (an internal address, a numeric host form...).
    Retrying cannot help, so the delivery is not retried."""


@dataclass(frozen=True)
class BreakerState:
    """A user's webhook circuit breaker: consecutive failures, and until when calls are suspended (0 when
    closed). `tripped` stays set after the cooldown until a delivery succeeds (half-open): one more failure
    then opens it again at once."""

    failures: int = 0
    open_until_ms: int = 0
    tripped: bool = False

    def is_open(self, now_ms: int) -> bool:
        return self.open_until_ms > now_ms
