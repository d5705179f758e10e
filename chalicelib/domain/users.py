"""Accounts: users, e-mail normalisation, password policy and refresh-token records."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass

from chalicelib.domain.errors import InvalidInput

# The account rules. chalicelib/api/schemas/auth.py states them in the OpenAPI document from these constants,
# and tests/unit/test_api_schemas.py checks that the document and these functions accept the same strings.
EMAIL_MAX = 254
EMAIL_PATTERN = r"[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}"  # after trimming surrounding whitespace
_EMAIL = re.compile(EMAIL_PATTERN)
PASSWORD_MIN = 10
PASSWORD_MAX = 128
PASSWORD_MIN_DISTINCT = 4


@dataclass(frozen=True, slots=True)
class User:
    id: str
    email: str
    password_hash: str
    created_at_ms: int
    # Refresh tokens issued before this instant are void (set when the password changes, or on "sign out
    # everywhere").
    tokens_valid_after_ms: int = 0
    # Access tokens issued before this instant are void (set on logout too: the user's other sessions then
    # renew theirs silently with their refresh tokens, which stay valid).
    access_valid_after_ms: int = 0
    webhook_url: str | None = None
    webhook_secret: str | None = None
    # Set when the owner followed a verification link or reset the password from a link sent to the address.
    email_verified: bool = False
    # Two-factor sign-in is on: sign-in and sensitive actions need a TOTP code (chalicelib/services/mfa.py).
    mfa_enabled: bool = False


@dataclass(frozen=True, slots=True)
class AccessClaims:
    user_id: str
    issued_at_ms: int


@dataclass(frozen=True, slots=True)
class RefreshRecord:
    token_hash: str
    user_id: str
    family_id: str
    issued_at_ms: int
    expires_at_ms: int
    used: bool
    # When the sign-in that started this family of rotating tokens happened: no refresh past the absolute
    # session lifetime from here. 0 for records stored before this was kept (then `issued_at_ms` counts).
    session_started_ms: int = 0


def normalize_email(raw: str) -> str:
    """Case-folded and trimmed, so `Alice@Example.com ` and `alice@example.com` are one account."""
    trimmed = raw.strip()
    # Checked before case-folding: lower() can lengthen a string ("İ" -> "i̇"), and the limits are the
    # caller's characters.
    if len(trimmed) > EMAIL_MAX or not _EMAIL.fullmatch(trimmed):
        raise InvalidInput(
            "Enter a valid e-mail address.",
            code="invalid_email",
            details=[{"field": "email", "message": "not a valid e-mail address"}],
        )
    return trimmed.lower()


def check_password_policy(password: str, *, field: str = "password") -> None:
    problems = []
    if len(password) < PASSWORD_MIN:
        problems.append(f"must be at least {PASSWORD_MIN} characters")
    if len(password) > PASSWORD_MAX:
        problems.append(f"must be at most {PASSWORD_MAX} characters")
    if password.strip() == "" or len(set(password)) < PASSWORD_MIN_DISTINCT:
        problems.append("is too simple")
    if problems:
        raise InvalidInput(
            f"The password {problems[0]}.",
            code="weak_password",
            details=[{"field": field, "message": p} for p in problems],
        )


def new_refresh_token() -> str:
    return secrets.token_urlsafe(32)


def hash_refresh_token(token: str) -> str:
    # Refresh tokens are 256 random bits, so a fast hash is enough; only the hash is stored.
    return hashlib.sha256(token.encode()).hexdigest()


# --- e-mail links: verification and password reset -------------------------------------------------------

VERIFY_EMAIL = "verify"
RESET_PASSWORD = "reset"
MAIL_TOKEN_MAX = 128  # what a link's token may be at most (they are 43 characters)


@dataclass(frozen=True, slots=True)
class MailToken:
    """A single-use link token: only its SHA-256 is stored, with the purpose, the owner and an expiry."""

    token_hash: str
    kind: str  # VERIFY_EMAIL | RESET_PASSWORD
    user_id: str
    email: str  # the address the link was sent to (a verification proves this address, not a later one)
    issued_at_ms: int
    expires_at_ms: int
    used: bool = False


def new_mail_token() -> str:
    return secrets.token_urlsafe(32)


def hash_mail_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
