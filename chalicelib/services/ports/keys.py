"""Ports of the users' exchange API keys: the stored (encrypted) key and its repository."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True, slots=True)
class StoredApiKey:
    user_id: str
    key_id: str
    label: str
    api_key_last4: str
    testnet: bool
    created_at_ms: int
    ciphertext: bytes = field(repr=False)
    # Why the daily re-check found this key unsafe or unusable (its bots were paused); None when it is fine.
    flagged: str | None = None
    # Whether the exchange said the key only works from whitelisted IPs when it was added (None: not known).
    ip_restricted: bool | None = None


class ApiKeyRepository(Protocol):
    def add(self, key: StoredApiKey) -> None: ...

    def list(self, user_id: str) -> list[StoredApiKey]: ...

    def get(self, user_id: str, key_id: str) -> StoredApiKey | None: ...

    def delete(self, user_id: str, key_id: str) -> None: ...

    def all_keys(self) -> Iterable[StoredApiKey]:
        """Every stored key of every user (the daily re-check pages through them)."""

    def set_flag(self, user_id: str, key_id: str, reason: str | None) -> bool:
        """Set or clear the flag; True only when it changed from clear to set (so the user is told once)."""
