"""In-memory fake of the quota ledger port (services/ports/quotas.py): one record per (user, quota); admission
adds an id only when the record exists and holds fewer than the limit (or already holds the id), exactly the
DynamoDB adapter's conditional update, so a missing record refuses until the service recounts and writes it."""

from __future__ import annotations

import threading
from collections.abc import Mapping

from chalicelib.services.ports.quotas import Ledger


class InMemoryQuotaLedger:
    def __init__(self) -> None:
        self._rows: dict[tuple[str, str], Ledger] = {}
        self._lock = threading.Lock()

    def admit(self, user_id: str, quota: str, member: str, limit: int, now_ms: int) -> bool:
        with self._lock:
            found = self._rows.get((user_id, quota))
            if found is None:
                return False
            if member in found.members:
                return True
            if len(found.members) >= limit:
                return False
            members = {**found.members, member: now_ms}
            self._rows[(user_id, quota)] = Ledger(members, found.version + 1, found.checked_at_ms)
            return True

    def release(self, user_id: str, quota: str, member: str) -> None:
        with self._lock:
            found = self._rows.get((user_id, quota))
            if found is not None and member in found.members:
                members = {m: at for m, at in found.members.items() if m != member}
                self._rows[(user_id, quota)] = Ledger(members, found.version + 1, found.checked_at_ms)

    def read(self, user_id: str, quota: str) -> Ledger | None:
        return self._rows.get((user_id, quota))

    def replace(
        self, user_id: str, quota: str, members: Mapping[str, int], expected: Ledger | None, now_ms: int
    ) -> bool:
        with self._lock:
            current = self._rows.get((user_id, quota))
            if (current is None) != (expected is None) or (
                current is not None and expected is not None and current.version != expected.version
            ):
                return False
            version = current.version + 1 if current is not None else 1
            self._rows[(user_id, quota)] = Ledger(dict(members), version, now_ms)
            return True
