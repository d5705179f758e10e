"""argon2id password hashing (argon2-cffi's RFC 9106 low-memory profile: Lambda-friendly)."""

from __future__ import annotations

from collections.abc import Sequence

from argon2 import PasswordHasher as _Argon2
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from argon2.profiles import RFC_9106_LOW_MEMORY


class Argon2Hasher:
    def __init__(self) -> None:
        self._ph = _Argon2.from_parameters(RFC_9106_LOW_MEMORY)

    def hash(self, password: str) -> str:
        return self._ph.hash(password)

    def verify(self, password_hash: str, password: str) -> bool:
        try:
            return self._ph.verify(password_hash, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, password_hash: str) -> bool:
        return self._ph.check_needs_rehash(password_hash)


class ZxcvbnStrength:
    """Refuses passwords a guesser finds early: zxcvbn ships offline frequency lists of common and breached
    passwords, names and words, and rates keyboard patterns, dates, repeats and l33t forms of them."""

    def __init__(self, min_score: int = 3) -> None:
        self._min_score = min_score

    def weakness(self, password: str, hints: Sequence[str]) -> str | None:
        from zxcvbn import zxcvbn  # lazy: loads its word lists (~0.1 s), only sign-up and password change need it

        result = zxcvbn(password[:128], user_inputs=list(hints))
        if int(result["score"]) >= self._min_score:
            return None
        feedback = result.get("feedback") or {}
        warning = str(feedback.get("warning") or "it is a common password or a predictable pattern")
        suggestions = " ".join(str(s) for s in feedback.get("suggestions") or [])
        return f"{warning.rstrip('.')}. {suggestions}".strip()
