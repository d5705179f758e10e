"""Two-factor sign-in: the stored state of a user's TOTP enrolment, recovery codes and session records."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass, field

RECOVERY_CODES = 10
# 16 characters of Crockford-like base32 (80 random bits): enough that a fast hash is safe to store, as for
# refresh tokens, while still typeable as four groups of four.
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
_RECOVERY_GROUPS = 4
_SEPARATORS = re.compile(r"[\s-]+")
CODE_PATTERN = r"^\s*[0-9]{6}\s*$"
RECOVERY_PATTERN = r"^[\sA-Za-z0-9-]{16,40}$"


@dataclass(frozen=True, slots=True)
class MfaState:
    """What is stored per user. The secrets are KMS ciphertexts bound to the user; never the plain secret."""

    enabled: bool = False
    secret_ciphertext: bytes | None = field(default=None, repr=False)
    # A secret enrolled but not yet confirmed with a first code: sign-in does not ask for it yet.
    pending_ciphertext: bytes | None = field(default=None, repr=False)
    # The TOTP time step of the last accepted code: a code is accepted once, so only later steps pass.
    last_step: int = -1
    recovery_hashes: frozenset[str] = field(default=frozenset(), repr=False)


@dataclass(frozen=True, slots=True)
class SessionInfo:
    """One signed-in device: a family of rotating refresh tokens."""

    id: str  # the family id
    user_id: str
    started_ms: int
    last_used_ms: int
    expires_at_ms: int
    user_agent: str = ""


def new_recovery_codes(count: int = RECOVERY_CODES) -> list[str]:
    codes = []
    for _ in range(count):
        raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(4 * _RECOVERY_GROUPS))
        codes.append("-".join(raw[i : i + 4] for i in range(0, len(raw), 4)))
    return codes


def hash_recovery_code(code: str) -> str:
    """Case, spaces and dashes do not matter when the code is typed back."""
    return hashlib.sha256(_SEPARATORS.sub("", code).lower().encode()).hexdigest()


def normalize_code(code: str) -> str:
    return code.strip()
