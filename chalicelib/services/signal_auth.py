"""Who sent a signal: the bot's secret (in the URL token or the body), or an HMAC-SHA256 signature of
`<timestamp>.<body>` keyed by that secret (headers X-Signature and X-Signature-Timestamp, 5-minute window).

The secret is stored twice: its SHA-256 (for the token form) and a KMS ciphertext bound to the token and bot by
the encryption context (the signature needs the key itself). Every failure of either form costs the same work
as a success up to the final answer: an unknown token id is checked against a dummy hash or a dummy ciphertext,
and the window is checked only after the signature, so nothing in the timing or the body tells an unknown bot
from a wrong secret, a missing header or an old timestamp."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

from chalicelib.domain.clock import Clock
from chalicelib.domain.errors import Unauthorized
from chalicelib.services.ports.crypto import DecryptionFailed, SecretCipher
from chalicelib.services.ports.signals import SignalSecret, SignalStore

SIGNATURE_WINDOW_S = 300
_DUMMY_HASH = hashlib.sha256(b"no such token").hexdigest()
_DUMMY_ID = "0" * 16


@dataclass(frozen=True)
class Signature:
    """The two headers of a signed request, as sent (either may be missing or junk)."""

    timestamp: str | None
    signature: str | None


def secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def secret_context(user_id: str, bot_id: str, token_id: str) -> dict[str, str]:
    # A ciphertext copied to another token's, bot's or user's record does not open there. Only the keys
    # user_id and key_id: the KMS key policy (infra/stack.yaml) allows no other context keys.
    return {"user_id": user_id, "key_id": f"signal-secret/{bot_id}/{token_id}"}


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """What a client puts in X-Signature (the docs show the same in curl and Python)."""
    return hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def unauthorized() -> Unauthorized:
    # One answer for every failure: nothing tells an unknown bot from a wrong or rotated secret.
    return Unauthorized("The signal token is not valid.", code="invalid_signal_token")


class SignalAuthenticator:
    def __init__(self, store: SignalStore, cipher: SecretCipher, wall_clock: Clock) -> None:
        self._store = store
        self._cipher = cipher
        self._clock = wall_clock
        self._dummy: bytes | None = None

    def seal(self, user_id: str, bot_id: str, token_id: str, secret: str) -> bytes:
        return self._cipher.encrypt(secret.encode(), secret_context(user_id, bot_id, token_id))

    def by_secret(self, token_id: str, secret: str | None) -> SignalSecret:
        stored = self._store.secret(token_id)
        expected = stored.secret_hash if stored is not None else _DUMMY_HASH
        if not hmac.compare_digest(secret_hash(secret or ""), expected) or stored is None or not secret:
            raise unauthorized()
        return stored

    def by_signature(self, token_id: str, signed: Signature, body: bytes) -> SignalSecret:
        stored = self._store.secret(token_id)
        key, usable = self._key(stored)
        timestamp = signed.timestamp or ""
        expected = hmac.new(key, timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
        given = (signed.signature or "").strip().lower()
        matches = hmac.compare_digest(given.encode("ascii", "replace"), expected.encode())
        if not matches or stored is None or not usable or not self._fresh(timestamp):
            raise unauthorized()
        return stored

    def _key(self, stored: SignalSecret | None) -> tuple[bytes, bool]:
        """The secret to check the signature with, and whether it is the token's own. For an unknown token (or
        one issued before signing existed) a dummy ciphertext is opened instead, so the KMS call is made either
        way; its result is never usable."""
        if stored is not None and stored.secret_ciphertext is not None:
            try:
                context = secret_context(stored.user_id, stored.bot_id, stored.token_id)
                return self._cipher.decrypt(stored.secret_ciphertext, context), True
            except DecryptionFailed:
                return b"", False  # a record tampered with or copied: refused like a wrong signature
        if self._dummy is None:
            self._dummy = self.seal("-", "-", _DUMMY_ID, "no such token")
        return self._cipher.decrypt(self._dummy, secret_context("-", "-", _DUMMY_ID)), False

    def _fresh(self, timestamp: str) -> bool:
        if not timestamp.isdigit() or len(timestamp) > 12:
            return False
        return abs(self._clock.now_ms() // 1000 - int(timestamp)) <= SIGNATURE_WINDOW_S
