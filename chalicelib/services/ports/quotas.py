"""The quota ledger port: one record per (user, quota) holding the ids it counts (see services/quotas.py)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class Ledger:
    members: Mapping[str, int]  # id -> when it was admitted (ms)
    version: int
    checked_at_ms: int


class QuotaLedger(Protocol):
    def admit(self, user_id: str, quota: str, member: str, limit: int, now_ms: int) -> bool:
        """Atomically add `member` if the ledger exists and holds fewer than `limit` ids or already holds it."""
        ...

    def release(self, user_id: str, quota: str, member: str) -> None:
        """Remove `member` (idempotent; a missing ledger is fine)."""
        ...

    def read(self, user_id: str, quota: str) -> Ledger | None: ...

    def replace(
        self, user_id: str, quota: str, members: Mapping[str, int], expected: Ledger | None, now_ms: int
    ) -> bool:
        """Write the ledger if it is still `expected` (None: if it does not exist); False when it moved."""
        ...
