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


def notification_id(source_id: str) -> str:
    """Deterministic from the queue message, so a redelivered message writes the same feed item."""
    return hashlib.sha256(source_id.encode()).hexdigest()[:24]
