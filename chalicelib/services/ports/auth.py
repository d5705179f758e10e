"""Ports the account and auth services depend on."""

from __future__ import annotations

from typing import Protocol

from chalicelib.domain.users import RefreshRecord, User


class UserRepository(Protocol):
    def create(self, user: User) -> None:
        """Store a new user; raises Conflict when the e-mail is taken (atomically, not read-then-write)."""

    def get(self, user_id: str) -> User | None: ...

    def get_by_email(self, email: str) -> User | None: ...

    def set_password(self, user_id: str, password_hash: str, tokens_valid_after_ms: int) -> None: ...

    def set_webhook(self, user_id: str, webhook_url: str | None, secret: str | None) -> None: ...


class RefreshTokenStore(Protocol):
    def put(self, record: RefreshRecord) -> None: ...

    def get(self, token_hash: str) -> RefreshRecord | None: ...

    def mark_used(self, token_hash: str) -> bool:
        """Flip `used` from false to true; False when it was already used (a replay or a race)."""

    def revoke_family(self, family_id: str, expires_at_ms: int) -> None: ...

    def is_family_revoked(self, family_id: str) -> bool: ...


class AttemptCounter(Protocol):
    def count(self, key: str, window_s: int) -> tuple[int, int]:
        """Attempts in the current fixed window and the seconds until it ends."""

    def add(self, key: str, window_s: int) -> None: ...

    def reset(self, key: str, window_s: int) -> None: ...


class PasswordHasher(Protocol):
    def hash(self, password: str) -> str: ...

    def verify(self, password_hash: str, password: str) -> bool: ...

    def needs_rehash(self, password_hash: str) -> bool: ...


class AccessTokens(Protocol):
    def issue(self, user_id: str) -> tuple[str, int]:
        """A signed access token and its lifetime in seconds."""

    def verify(self, token: str) -> str:
        """The user id the token was issued to; raises Unauthorized on any defect."""
