"""Two-factor sign-in with TOTP (RFC 6238): enrolment confirmed by a first code, ten single-use recovery codes
(shown once, stored hashed), the code step of sign-in, and fresh codes for sensitive actions.

- The secret is encrypted with KMS under {user_id, key_id: "totp"} and never logged or returned after enrolment.
- A code is accepted once: the time step of the last accepted code is stored, and only later steps pass
  (one conditional write, so two requests racing with the same code cannot both win).
- Wrong codes are throttled per account on one budget for every route (sign-in, step-up, disable), counted
  before the check like passwords: 429 + Retry-After once it is spent.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from aws_lambda_powertools import Logger

from chalicelib.domain.clock import Clock
from chalicelib.domain.errors import Conflict, Forbidden, InvalidInput, RateLimited, Unauthorized
from chalicelib.domain.mfa import MfaState, hash_recovery_code, new_recovery_codes
from chalicelib.domain.users import MAIL_TOKEN_MAX, MailToken, hash_mail_token
from chalicelib.services.auth import MFA_CHALLENGE, Session
from chalicelib.services.ports.auth import (
    AttemptCounter,
    MailTokenStore,
    MfaStore,
    OneTimeCodes,
    QrRenderer,
    UserRepository,
)
from chalicelib.services.ports.crypto import DecryptionFailed, SecretCipher

logger = Logger(child=True)

CODE_FIELD = "mfa_code"


class Accounts(Protocol):
    """What MfaService needs of AuthService."""

    def confirm_password(self, user_id: str, password: str) -> None: ...

    def new_session(self, user_id: str, user_agent: str = "") -> Session: ...


@dataclass(frozen=True)
class MfaLimits:
    attempts: int = 5  # wrong codes per account per window, on every route together
    window_s: int = 900
    issuer: str = "Tradebot"


@dataclass(frozen=True)
class Enrolment:
    secret: str
    otpauth_uri: str
    qr_svg: str  # a data: URI of the otpauth URI as an SVG QR code


@dataclass(frozen=True)
class MfaStatus:
    enabled: bool
    pending: bool
    recovery_codes_left: int


def _context(user_id: str) -> dict[str, str]:
    # The key policy admits exactly the context keys user_id and key_id (infra/stack.yaml), as for exchange keys.
    return {"user_id": user_id, "key_id": "totp"}


def _wrong_code(field: str = "code") -> InvalidInput:
    return InvalidInput(
        "The code is wrong or was already used; wait for the next one.",
        code="invalid_mfa_code",
        details=[{"field": field, "message": "wrong or already used"}],
    )


class MfaService:
    def __init__(
        self,
        *,
        users: UserRepository,
        store: MfaStore,
        cipher: SecretCipher,
        codes: OneTimeCodes,
        qr: QrRenderer,
        attempts: AttemptCounter,
        challenges: MailTokenStore,
        accounts: Accounts,
        clock: Clock,
        limits: MfaLimits | None = None,
    ) -> None:
        self._users = users
        self._store = store
        self._cipher = cipher
        self._codes = codes
        self._qr = qr
        self._attempts = attempts
        self._challenges = challenges
        self._accounts = accounts
        self._clock = clock
        self._limits = limits or MfaLimits()

    def status(self, user_id: str) -> MfaStatus:
        state = self._store.get(user_id)
        return MfaStatus(state.enabled, state.pending_ciphertext is not None, len(state.recovery_hashes))

    def enrol(self, user_id: str, password: str) -> Enrolment:
        """A new secret, pending until a first code confirms it (the password confirms the request)."""
        self._accounts.confirm_password(user_id, password)
        user = self._users.get(user_id)
        if user is None or self._store.get(user_id).enabled:
            raise Conflict("Two-factor sign-in is already on; turn it off first.", code="mfa_already_enabled")
        secret = self._codes.new_secret()
        self._store.set_pending(user_id, self._cipher.encrypt(secret.encode(), _context(user_id)))
        uri = self._codes.uri(secret, user.email, self._limits.issuer)
        return Enrolment(secret=secret, otpauth_uri=uri, qr_svg=self._qr(uri))

    def confirm(self, user_id: str, code: str) -> list[str]:
        """Turn two-factor sign-in on with a first code of the pending secret; the recovery codes, once."""
        state = self._store.get(user_id)
        if state.enabled or state.pending_ciphertext is None:
            raise Conflict("Start the enrolment first (POST /users/me/mfa).", code="mfa_not_enrolling")
        key = self._take_attempt(user_id)
        secret = self._cipher.decrypt(state.pending_ciphertext, _context(user_id)).decode()
        step = self._codes.matching_step(secret, code, self._clock.now_ms())
        if step is None:
            raise _wrong_code()
        recovery = new_recovery_codes()
        if not self._store.enable(user_id, state.pending_ciphertext, [hash_recovery_code(c) for c in recovery], step):
            raise Conflict("A newer enrolment replaced this one; use its code.", code="mfa_enrolment_replaced")
        self._attempts.reset(key, self._limits.window_s)
        return recovery

    def disable(self, user_id: str, code: str | None, recovery_code: str | None = None) -> None:
        """A fresh code (or a recovery code, when the authenticator is lost) turns two-factor sign-in off."""
        state = self._store.get(user_id)
        if not state.enabled:
            raise Conflict("Two-factor sign-in is not on.", code="mfa_not_enabled")
        if not self._accepted(user_id, state, code, recovery_code):
            raise _wrong_code("recovery_code" if recovery_code else "code")
        self._store.disable(user_id)

    def require_fresh_code(self, user_id: str, code: str | None) -> None:
        """Before a sensitive action: nothing when two-factor sign-in is off; otherwise a code not used
        before, or a 403 `mfa_required` naming the `mfa_code` field."""
        state = self._store.get(user_id)
        if not state.enabled:
            return
        if not code:
            raise Forbidden(
                "Two-factor sign-in is on: enter a code from your authenticator app.",
                code="mfa_required",
                details=[{"field": CODE_FIELD, "message": "required"}],
            )
        if not self._accepted(user_id, state, code, None):
            raise Forbidden(
                "The two-factor code is wrong or was already used; enter the next one.",
                code="mfa_required",
                details=[{"field": CODE_FIELD, "message": "wrong or already used"}],
            )

    def complete_login(
        self, mfa_token: str, code: str | None, recovery_code: str | None, user_agent: str = ""
    ) -> Session:
        """The second step of sign-in: the token from the password step and a code or a recovery code."""
        record = self._challenge(mfa_token)
        state = self._store.get(record.user_id)
        if not state.enabled:
            raise _invalid_challenge()  # turned off since the password step: sign in again
        if not self._accepted(record.user_id, state, code, recovery_code):
            raise Unauthorized("The code is wrong or was already used.", code="invalid_mfa_code")
        if not self._challenges.consume(record.token_hash):
            raise _invalid_challenge()
        return self._accounts.new_session(record.user_id, user_agent)

    # --- helpers -------------------------------------------------------------------------------

    def _challenge(self, mfa_token: str) -> MailToken:
        if not mfa_token or len(mfa_token) > MAIL_TOKEN_MAX:
            raise _invalid_challenge()
        record = self._challenges.get(hash_mail_token(mfa_token))
        if record is None or record.kind != MFA_CHALLENGE or record.used:
            raise _invalid_challenge()
        user = self._users.get(record.user_id)
        # A password change (or "sign out everywhere") after the password step voids the token too.
        stale = user is None or record.issued_at_ms < user.tokens_valid_after_ms
        if stale or record.expires_at_ms <= self._clock.now_ms():
            raise _invalid_challenge()
        return record

    def _accepted(self, user_id: str, state: MfaState, code: str | None, recovery_code: str | None) -> bool:
        """Counted on the account's budget before the check; a success gives the budget back."""
        key = self._take_attempt(user_id)
        if recovery_code:
            ok = self._store.use_recovery(user_id, hash_recovery_code(recovery_code))
        else:
            ok = bool(code) and self._totp_accepted(user_id, state, str(code))
        if ok:
            self._attempts.reset(key, self._limits.window_s)
        return ok

    def _totp_accepted(self, user_id: str, state: MfaState, code: str) -> bool:
        if state.secret_ciphertext is None:
            return False
        try:
            secret = self._cipher.decrypt(state.secret_ciphertext, _context(user_id)).decode()
        except DecryptionFailed:
            # Not this user's secret (copied from another record, or tampered): no code can match it.
            logger.error("stored two-factor secret does not open under its owner", extra={"user_id": user_id})
            return False
        step = self._codes.matching_step(secret, code, self._clock.now_ms())
        return step is not None and step > state.last_step and self._store.claim_step(user_id, step)

    def _take_attempt(self, user_id: str) -> str:
        key = f"mfa#{user_id}"
        before, _ = self._attempts.hit(key, self._limits.window_s)
        if before >= self._limits.attempts:
            _, left = self._attempts.count(key, self._limits.window_s)
            raise RateLimited(
                "Too many wrong two-factor codes; try again later.",
                retry_after_s=max(1, left),
                code="too_many_attempts",
            )
        return key


def _invalid_challenge() -> Unauthorized:
    return Unauthorized("This sign-in step expired or was already used; sign in again.", code="invalid_mfa_token")
