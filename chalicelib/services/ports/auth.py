"""Ports the account and auth services depend on."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from chalicelib.domain.mfa import MfaState, SessionInfo
from chalicelib.domain.users import AccessClaims, MailToken, RefreshRecord, User


class UserRepository(Protocol):
    def create(self, user: User) -> None:
        """Store a new user; raises Conflict when the e-mail is taken (atomically, not read-then-write)."""

    def get(self, user_id: str) -> User | None: ...

    def get_by_email(self, email: str) -> User | None: ...

    def set_password(self, user_id: str, password_hash: str, tokens_valid_after_ms: int) -> None: ...

    def set_webhook(self, user_id: str, webhook_url: str | None, secret: str | None) -> None: ...

    def rehash_password(self, user_id: str, password_hash: str) -> None:
        """Replace the hash of the same password (new parameters); sessions are not touched."""

    def end_sessions(self, user_id: str, at_ms: int, *, refresh_tokens: bool) -> None:
        """Void every access token issued before `at_ms`, and every refresh token too when asked."""

    def mark_email_verified(self, user_id: str, email: str) -> bool:
        """Set `email_verified` if the account's address is still `email`; False when it is not."""


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

    def hit(self, key: str, window_s: int) -> tuple[int, int]:
        """Count one attempt atomically, BEFORE the work it guards; returns the attempts counted before this
        one in the current window and when the previous one was (epoch ms, 0 if none)."""

    def reset(self, key: str, window_s: int) -> None: ...

    def undo(self, key: str, window_s: int) -> None:
        """Take back one attempt counted by `hit` (a sign-in that succeeded is not a failure)."""


class PasswordHasher(Protocol):
    def hash(self, password: str) -> str: ...

    def verify(self, password_hash: str, password: str) -> bool: ...

    def needs_rehash(self, password_hash: str) -> bool: ...


class AccessTokens(Protocol):
    def issue(self, user_id: str) -> tuple[str, int]:
        """A signed access token and its lifetime in seconds."""

    def verify(self, token: str) -> AccessClaims:
        """Who the token was issued to and when; raises Unauthorized on any defect."""


class PasswordStrength(Protocol):
    def weakness(self, password: str, hints: Sequence[str]) -> str | None:
        """Why the password is too easy to guess (common, breached, a pattern, close to `hints`), or None."""


class MailTokenStore(Protocol):
    """Single-use link tokens (verification, password reset), stored by hash with a DynamoDB TTL."""

    def put(self, token: MailToken) -> None: ...

    def get(self, token_hash: str) -> MailToken | None: ...

    def consume(self, token_hash: str) -> bool:
        """Flip `used` from false to true atomically; False when it was already used (a replay or a race)."""


class Mailer(Protocol):
    def send(self, to: str, subject: str, text: str) -> None:
        """Send a plain-text message; raises on failure."""


class MfaStore(Protocol):
    """A user's two-factor state, kept on the user's record; every change is one conditional write."""

    def get(self, user_id: str) -> MfaState: ...

    def set_pending(self, user_id: str, ciphertext: bytes) -> None: ...

    def enable(self, user_id: str, pending: bytes, recovery_hashes: list[str], step: int) -> bool:
        """Make the pending secret the active one, if it is still `pending`; False when it changed."""

    def disable(self, user_id: str) -> None: ...

    def claim_step(self, user_id: str, step: int) -> bool:
        """Record `step` as the last accepted one if it is later than the stored one; False otherwise (a
        replayed code, or a race with another use of the same code)."""

    def use_recovery(self, user_id: str, code_hash: str) -> bool:
        """Remove this recovery code's hash if present; False when it is not (unknown or already used)."""


class SessionStore(Protocol):
    """What the sessions page lists: one record per refresh-token family."""

    def record(self, info: SessionInfo) -> None:
        """Create or update the family's record (sign-in and every refresh)."""

    def get(self, family_id: str) -> SessionInfo | None: ...

    def list(self, user_id: str) -> list[SessionInfo]: ...

    def delete(self, family_id: str) -> None: ...


class OneTimeCodes(Protocol):
    """TOTP (RFC 6238): 6 digits, 30-second steps."""

    def new_secret(self) -> str: ...

    def uri(self, secret: str, account: str, issuer: str) -> str: ...

    def matching_step(self, secret: str, code: str, at_ms: int) -> int | None:
        """The time step whose code is `code`, within one step either side of `at_ms`; None when none is."""


class QrRenderer(Protocol):
    """Draws an otpauth URI as an image the web app can show (a data: URI)."""

    def __call__(self, text: str) -> str: ...
