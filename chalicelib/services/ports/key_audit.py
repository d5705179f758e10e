"""Port of the exchange-key audit trail: one record per use of a user's key (no secret ever in it)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class KeyUse:
    user_id: str
    key_id: str
    at_ms: int
    action: str  # key_check | order_placed | order_cancelled | order_lookup | balance_lookup
    outcome: str  # ok | rejected | invalid_signature | invalid_key | ip_or_permission | failed | unreachable
    bot_id: str | None = None
    detail: str = ""
    exchange_code: int | None = None


class KeyAuditLog(Protocol):
    def record(self, uses: Sequence[KeyUse]) -> None:
        """Store the uses (kept 90 days)."""

    def page(self, user_id: str, key_id: str, limit: int, cursor: str | None) -> tuple[list[KeyUse], str | None]:
        """The key's uses, newest first, and the cursor of the next page (None at the end). ValueError for a
        cursor this log did not hand out."""
        ...
