"""Ports of account deletion and export: everything one user owns, found by the user's id, never by a Scan."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol


class AccountEraser(Protocol):
    """Deletes what a user owns, table by table. Every method is idempotent (deleting what is already gone
    is a no-op), so an erasure that stopped half-way finishes when it runs again."""

    def mark_deleted(self, user_id: str, at_ms: int, source_ips: Sequence[str]) -> str | None:
        """Flag the user as being deleted (from then on the user reads as absent: sign-in, tokens and
        refresh fail), void every token issued before `at_ms` and remember the addresses whose sign-in
        counters the purge must remove; the user's e-mail, or None when the user record is already gone."""

    def pending(self, user_id: str) -> tuple[str, list[str]] | None:
        """(e-mail, source addresses) of a user record flagged as being deleted; None when there is none."""

    def delete_refresh_tokens(self, user_id: str) -> int: ...

    def delete_bot_data(self, user_id: str, bot_id: str) -> None:
        """The bot's config, its state and its paper account (balances and orders)."""

    def delete_api_keys(self, user_id: str) -> int:
        """Every key of the user; the KMS ciphertext of the secret lives in the key's item and goes with it."""

    def delete_backtests(self, user_id: str) -> int:
        """The backtest rows (the blobs are the BlobEraser's)."""

    def delete_notifications(self, user_id: str) -> int: ...

    def retire_trades(self, user_id: str, live_until_s: int | None) -> tuple[int, int]:
        """Paper trades are deleted; live trades are kept until `live_until_s` (epoch seconds, a TTL) and
        marked as belonging to a deleted account, or deleted too when it is None. (deleted, retained)."""

    def delete_counters(self, user_id: str, email: str, source_ips: Sequence[str], now_ms: int) -> int:
        """The user's items in the rate-limits table: quota ledgers, the webhook breaker, password-check
        windows, per-user exchange weight, and the sign-in counters of the e-mail (per account, and per
        pair with each of `source_ips`)."""

    def delete_user(self, user_id: str, email: str) -> None:
        """The e-mail link (only while it still points at this user: the address may be registered again)
        and then the user record."""


class BlobEraser(Protocol):
    def delete_prefix(self, prefix: str) -> int:
        """Delete every object under the prefix; how many."""


class PasswordCheck(Protocol):
    def confirm_password(self, user_id: str, password: str) -> None:
        """Raises (throttled, counted before the check) unless `password` is the user's current one."""


class SecondFactor(Protocol):
    """The 2FA hook. Two-factor authentication does not exist yet: `NoSecondFactor` says it is never on.
    When it does, its adapter answers `required` from the user's settings and `verify` checks the code;
    the routes already pass the request's `otp` field (absent today) through to here."""

    def required(self, user_id: str) -> bool: ...

    def verify(self, user_id: str, code: str) -> bool: ...
