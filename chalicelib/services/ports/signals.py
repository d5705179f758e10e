"""What the signal service needs from storage: the bots' webhook secrets (hashes and KMS ciphertexts), signal identities
(once-only claims), the signal log, the per-bot queue of signals not yet applied, and rate counters."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

FINAL = frozenset({"executed", "refused", "stale", "duplicate", "invalid"})


@dataclass(frozen=True)
class SignalSecret:
    token_id: str
    bot_id: str
    user_id: str
    secret_hash: str
    # The secret itself, sealed by KMS under (token, bot), for checking HMAC signatures; None for a token issued
    # before signing existed (it works in the URL or body form only until rotated).
    secret_ciphertext: bytes | None = field(default=None, repr=False)


@dataclass(frozen=True)
class SignalRecord:
    bot_id: str
    user_id: str
    seq: str  # arrival order within the bot: zero-padded arrival ms + a random suffix
    signal_id: str
    action: str
    symbol: str | None
    received_at_ms: int
    sent_at_ms: int | None
    status: str  # queued | placing | executed | refused | stale | duplicate
    reason: str | None = None
    message: str | None = None
    order_ids: tuple[str, ...] = field(default_factory=tuple)


class SignalStore(Protocol):
    def secret(self, token_id: str) -> SignalSecret | None: ...

    def current_token_id(self, bot_id: str) -> str | None: ...

    def replace_secret(self, new: SignalSecret, old_token_id: str | None) -> None:
        """Store the new secret and delete the old one, so the old token stops working at once."""
        ...

    def claim_identity(self, bot_id: str, signal_id: str, ttl_s: int) -> bool:
        """True for the first claim of this identity; False while a claim holds it."""
        ...

    def accept(self, record: SignalRecord, ttl_s: int) -> bool:
        """In one write: claim the record's identity, log it and queue it. False (nothing written) when a
        claim already holds the identity."""
        ...

    def release_identity(self, bot_id: str, signal_id: str) -> None: ...

    def add(self, record: SignalRecord, *, enqueue: bool) -> None:
        """Log the record; with `enqueue`, also put it on the bot's queue of signals to apply."""
        ...

    def get(self, bot_id: str, seq: str) -> SignalRecord | None: ...

    def settle(self, record: SignalRecord) -> None:
        """Write the record's new status; a final status also takes it off the bot's queue."""
        ...

    def queued(self, bot_id: str, limit: int) -> list[SignalRecord]:
        """The bot's signals not yet applied, oldest first."""
        ...

    def page(self, bot_id: str, cursor: str | None, limit: int) -> tuple[list[SignalRecord], str | None]: ...

    def hit(self, user_id: str, bot_id: str, window_s: int) -> tuple[int, int, int]:
        """Count one signal in the current fixed window, for the user and for the bot at once: (the user's
        count, the bot's count, seconds left in the window)."""
        ...
