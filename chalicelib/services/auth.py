"""Registration, login with throttling, rotating refresh tokens with reuse detection, password change.

Sign-in throttling counts every attempt atomically BEFORE the password is checked (40 parallel guesses are 40
attempts, and only the first few reach argon2), and slows the attacker down without locking the owner out:
- per (account, source): a few free failures, then a delay that doubles with each further one;
- per source, across accounts: a ceiling (one address spraying many accounts);
- per account, across sources: above a ceiling, only sources that already failed against the account are
  refused, so the owner signing in from their own address still gets in while an attacker pays one address
  per guess.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING

from chalicelib.domain.clock import Clock
from chalicelib.domain.errors import Conflict, InvalidInput, NotFound, RateLimited, Unauthorized
from chalicelib.domain.users import (
    RESET_PASSWORD,
    VERIFY_EMAIL,
    AccessClaims,
    RefreshRecord,
    User,
    check_password_policy,
    hash_refresh_token,
    new_refresh_token,
    normalize_email,
)
from chalicelib.services.ports.auth import (
    AccessTokens,
    AttemptCounter,
    PasswordHasher,
    PasswordStrength,
    RefreshTokenStore,
    UserRepository,
)

if TYPE_CHECKING:
    from chalicelib.services.account_email import AccountEmails


def _invalid_link() -> InvalidInput:
    return InvalidInput(
        "This link is invalid, already used or expired; ask for a new one.",
        code="invalid_token",
        details=[{"field": "token", "message": "invalid, used or expired"}],
    )


# A dummy argon2 verification keeps "no such account" as slow as "wrong password" (no user enumeration).
_DUMMY_PASSWORD = "not-a-real-password-0"


@dataclass(frozen=True)
class Session:
    access_token: str
    refresh_token: str
    expires_in: int
    refresh_expires_in: int
    user_id: str


@dataclass(frozen=True)
class LoginLimits:
    per_account: int  # free failures of one account from one source before the delay starts
    per_address: int  # attempts from one source, across accounts, per window
    window_s: int
    account_ceiling: int = 20  # failures of one account from every source before failed sources are refused
    pair_window_s: int = 3600  # how long an (account, source) pair's failures are remembered
    base_delay_s: int = 2
    max_delay_s: int = 900
    register_per_address: int = 10  # registrations from one source per hour
    password_changes: int = 5  # password-change attempts per user per window
    mail_per_address: int = 3  # "forgot password" / "resend verification" mails to one address per hour
    mail_per_source: int = 20  # such requests from one source address per hour
    session_max_age_s: int = 30 * 24 * 3600  # absolute: no refresh past this from the sign-in


class AuthService:
    def __init__(
        self,
        *,
        users: UserRepository,
        refresh_tokens: RefreshTokenStore,
        attempts: AttemptCounter,
        hasher: PasswordHasher,
        access_tokens: AccessTokens,
        clock: Clock,
        limits: LoginLimits,
        refresh_ttl_s: int,
        strength: PasswordStrength | None = None,
        emails: AccountEmails | None = None,
    ) -> None:
        self._users = users
        self._refresh = refresh_tokens
        self._attempts = attempts
        self._hasher = hasher
        self._access = access_tokens
        self._clock = clock
        self._limits = limits
        self._refresh_ttl_ms = refresh_ttl_s * 1000
        self._strength = strength
        self._dummy_hash: str | None = None
        self._emails = emails

    # --- accounts ------------------------------------------------------------------------------

    def register(self, email: str, password: str, source_ip: str = "unknown") -> User | None:
        """The same work for a new and a known address (no enumeration): both pay for the argon2 hash and send
        one e-mail, a verification link to a new account, a note to the owner of a known one (who may sign in or
        reset their password). Returns the new account, None for a known address; the API answers the same."""
        email = normalize_email(email)
        check_password_policy(password)
        self._check_strength(password, "password", email)
        # Before the hash: every registration costs a 64 MiB argon2 run.
        before, _ = self._attempts.hit(f"register#ip#{source_ip}", 3600)
        if before >= self._limits.register_per_address:
            raise RateLimited(
                "Too many accounts created from this address; try again later.",
                retry_after_s=3600,
                code="too_many_registrations",
            )
        user = User(
            id=str(uuid.uuid4()),
            email=email,
            password_hash=self._hasher.hash(password),
            created_at_ms=self._clock.now_ms(),
        )
        try:
            self._users.create(user)
        except Conflict:
            existing = self._users.get_by_email(email)
            if existing is not None and self._emails is not None:
                self._emails.send_already_registered(existing)
            return None
        if self._emails is not None:
            self._emails.send_verification(user)
        return user

    def get_user(self, user_id: str) -> User:
        user = self._users.get(user_id)
        if user is None:
            raise NotFound("User not found.")
        return user

    def change_password(self, user_id: str, current_password: str, new_password: str) -> User:
        user = self.get_user(user_id)
        key = self._take_password_attempt(user_id, "Too many password-change attempts; try again later.")
        if not self._hasher.verify(user.password_hash, current_password):
            raise InvalidInput(
                "The current password is wrong.",
                code="wrong_password",
                details=[{"field": "current_password", "message": "does not match"}],
            )
        check_password_policy(new_password, field="new_password")
        self._check_strength(new_password, "new_password", user.email)
        if current_password == new_password:
            raise InvalidInput(
                "The new password must differ from the current one.",
                code="same_password",
                details=[{"field": "new_password", "message": "same as the current password"}],
            )
        # Every token issued so far stops working: other sessions must sign in again.
        now = self._clock.now_ms()
        self._users.set_password(user_id, self._hasher.hash(new_password), now)
        self._users.end_sessions(user_id, now, refresh_tokens=True)
        self._attempts.reset(key, self._limits.window_s)
        if self._emails is not None:
            self._emails.send_security_notice(user, "password")
        return self.get_user(user_id)

    # --- e-mail links ----------------------------------------------------------------------------

    def resend_verification(self, email: str, source_ip: str) -> None:
        """Answers the same whatever the address: a link goes only to an unverified account's address."""
        user = self._mail_request("verify", email, source_ip)
        if user is not None and not user.email_verified and self._emails is not None:
            self._emails.send_verification(user)

    def forgot_password(self, email: str, source_ip: str) -> None:
        """Answers the same whatever the address: a reset link goes only to a known account's address."""
        user = self._mail_request("reset", email, source_ip)
        if user is not None and self._emails is not None:
            self._emails.send_reset(user)

    def verify_email(self, token: str) -> User:
        emails = self._require_emails()
        record = emails.valid_token(token, VERIFY_EMAIL)
        if record is None or not emails.consume(record):
            raise _invalid_link()
        # The link proves the address it was sent to, and only while the account still has that address.
        if not self._users.mark_email_verified(record.user_id, record.email):
            raise _invalid_link()
        return self.get_user(record.user_id)

    def reset_password(self, token: str, new_password: str) -> User:
        """Single use, before its expiry, and only if no password change happened since the link was sent.
        Sets the password, ends every session (access and refresh tokens), marks the address verified (the
        link reached it) and tells the owner by e-mail."""
        emails = self._require_emails()
        record = emails.valid_token(token, RESET_PASSWORD)
        user = self._users.get(record.user_id) if record is not None else None
        if record is None or user is None or user.email != record.email:
            raise _invalid_link()
        if record.issued_at_ms < user.tokens_valid_after_ms:
            raise _invalid_link()  # the password changed after this link was sent
        check_password_policy(new_password, field="new_password")
        self._check_strength(new_password, "new_password", user.email)
        # Checked before the link is spent, so a refused password leaves the link usable.
        if not emails.consume(record):
            raise _invalid_link()
        now = self._clock.now_ms()
        self._users.set_password(user.id, self._hasher.hash(new_password), now)
        self._users.end_sessions(user.id, now + 1, refresh_tokens=True)
        self._users.mark_email_verified(user.id, record.email)
        emails.send_security_notice(user, "password")
        return self.get_user(user.id)

    def _mail_request(self, purpose: str, email: str, source_ip: str) -> User | None:
        """Throttled per source and per address, counted before the lookup; the same answer either way."""
        email = normalize_email(email)
        hour = 3600
        per_source, _ = self._attempts.hit(f"mail#ip#{source_ip}", hour)
        per_address, _ = self._attempts.hit(f"mail#{purpose}#{email}", hour)
        if per_source >= self._limits.mail_per_source or per_address >= self._limits.mail_per_address:
            raise RateLimited(
                "Too many e-mail requests; try again later.", retry_after_s=hour, code="too_many_requests"
            )
        return self._users.get_by_email(email)

    def _require_emails(self) -> AccountEmails:
        if self._emails is None:
            raise _invalid_link()
        return self._emails

    def set_webhook(self, user_id: str, webhook_url: str | None) -> User:
        """A new URL gets a new signing secret (shown to the user once, in this answer)."""
        user = self.get_user(user_id)
        secret = None
        if webhook_url:
            secret = user.webhook_secret if webhook_url == user.webhook_url else None
            secret = secret or "whsec_" + new_refresh_token()
        self._users.set_webhook(user_id, webhook_url, secret)
        return self.get_user(user_id)

    def rotate_webhook_secret(self, user_id: str) -> User:
        """A new signing secret for the current webhook; the old one stops signing at once."""
        user = self.get_user(user_id)
        if not user.webhook_url:
            raise Conflict("Set a webhook URL before rotating its secret.", code="no_webhook")
        self._users.set_webhook(user_id, user.webhook_url, "whsec_" + new_refresh_token())
        return self.get_user(user_id)

    def webhook(self, user_id: str) -> tuple[str, str] | None:
        user = self._users.get(user_id)
        if user is None or not user.webhook_url or not user.webhook_secret:
            return None
        return user.webhook_url, user.webhook_secret

    # --- sessions ------------------------------------------------------------------------------

    def login(self, email: str, password: str, source_ip: str) -> Session:
        try:
            email = normalize_email(email)
        except InvalidInput:
            raise Unauthorized("Wrong e-mail or password.", code="invalid_credentials") from None
        pair_key = f"login#pair#{email}#{source_ip}"
        self._admit_sign_in(email, source_ip, pair_key)
        user = self._users.get_by_email(email)
        valid = self._verify(user, password)
        if user is None or not valid:
            raise Unauthorized("Wrong e-mail or password.", code="invalid_credentials")
        # The owner's success clears their own address's record; other addresses keep theirs. The source and
        # account counters were counted before the check: a success is given back, so they count failures.
        self._attempts.reset(pair_key, self._limits.pair_window_s)
        self._attempts.undo(f"login#ip#{source_ip}", self._limits.window_s)
        self._attempts.undo(f"login#acct#{email}", self._limits.pair_window_s)
        if self._hasher.needs_rehash(user.password_hash):
            self._users.rehash_password(user.id, self._hasher.hash(password))
        return self.new_session(user.id)

    def sign_out_everywhere(self, user_id: str) -> None:
        self._users.end_sessions(user_id, self._clock.now_ms() + 1, refresh_tokens=True)

    def refresh(self, refresh_token: str) -> Session:
        record = self._valid_record(refresh_token)
        if not self._refresh.mark_used(record.token_hash):
            # A rotated token came back: someone holds a copy. End the whole family.
            self._refresh.revoke_family(record.family_id, record.expires_at_ms)
            raise Unauthorized("This session was ended; sign in again.", code="refresh_token_reused")
        return self._issue(record.user_id, record.family_id, record.session_started_ms or record.issued_at_ms)

    def logout(self, refresh_token: str) -> None:
        record = self._refresh.get(hash_refresh_token(refresh_token))
        if record is not None:
            self._refresh.revoke_family(record.family_id, record.expires_at_ms)
            # Access tokens are bearer tokens valid until they expire: void the user's now. Their other
            # sessions renew theirs with their own refresh tokens; this one has none left.
            # (+1: a token minted in this same millisecond, before the logout, is void too.)
            self._users.end_sessions(record.user_id, self._clock.now_ms() + 1, refresh_tokens=False)

    def authenticate(self, access_token: str) -> str:
        claims = self._access.verify(access_token)
        user = self._users.get(claims.user_id)
        if user is None or claims.issued_at_ms < max(user.access_valid_after_ms, user.tokens_valid_after_ms):
            raise Unauthorized("This session has ended; sign in again.", code="session_ended")
        return claims.user_id

    def claims(self, access_token: str) -> AccessClaims:
        return self._access.verify(access_token)

    # --- helpers -------------------------------------------------------------------------------

    def _admit_sign_in(self, email: str, source_ip: str, pair_key: str) -> None:
        """Count this attempt on every key first (atomic adds), then decide; see the module docstring."""
        lim = self._limits
        now = self._clock.now_ms()
        pair_before, pair_last = self._attempts.hit(pair_key, lim.pair_window_s)
        source_before, _ = self._attempts.hit(f"login#ip#{source_ip}", lim.window_s)
        account_before, _ = self._attempts.hit(f"login#acct#{email}", lim.pair_window_s)
        if pair_before >= lim.per_account and pair_last + self._delay_s(pair_before) * 1000 > now:
            # This refused attempt is the new reference: the next one is admitted after the next delay.
            self._too_many(self._delay_s(pair_before + 1))
        if source_before >= lim.per_address:
            self._too_many(lim.window_s)
        if account_before >= lim.account_ceiling and pair_before > 0:
            self._too_many(lim.max_delay_s)

    def _delay_s(self, failures: int) -> int:
        lim = self._limits
        return int(min(lim.base_delay_s * 2 ** max(0, failures - lim.per_account), lim.max_delay_s))

    @staticmethod
    def _too_many(retry_after_s: int) -> None:
        raise RateLimited(
            "Too many failed sign-in attempts; try again later.",
            retry_after_s=max(1, int(retry_after_s)),
            code="too_many_attempts",
        )

    def _check_strength(self, password: str, field: str, email: str) -> None:
        if self._strength is None:
            return
        problem = self._strength.weakness(password, [email, email.split("@", 1)[0]])
        if problem:
            raise InvalidInput(
                f"The password is too easy to guess: {problem}",
                code="weak_password",
                details=[{"field": field, "message": problem}],
            )

    def _verify(self, user: User | None, password: str) -> bool:
        if user is None:
            if self._dummy_hash is None:
                self._dummy_hash = self._hasher.hash(_DUMMY_PASSWORD)
            self._hasher.verify(self._dummy_hash, password)
            return False
        return self._hasher.verify(user.password_hash, password)

    def _valid_record(self, refresh_token: str) -> RefreshRecord:
        invalid = Unauthorized("The refresh token is invalid or expired.", code="invalid_refresh_token")
        if not refresh_token or len(refresh_token) > 256:
            raise invalid
        record = self._refresh.get(hash_refresh_token(refresh_token))
        if record is None or record.expires_at_ms <= self._clock.now_ms():
            raise invalid
        started = record.session_started_ms or record.issued_at_ms
        if self._clock.now_ms() - started >= self._limits.session_max_age_s * 1000:
            raise Unauthorized("This session has reached its maximum age; sign in again.", code="session_expired")
        if self._refresh.is_family_revoked(record.family_id):
            raise invalid
        user = self._users.get(record.user_id)
        if user is None or record.issued_at_ms < user.tokens_valid_after_ms:
            raise invalid
        return record

    def new_session(self, user_id: str) -> Session:
        return self._issue(user_id, str(uuid.uuid4()), self._clock.now_ms())

    def _issue(self, user_id: str, family_id: str, started_ms: int) -> Session:
        now = self._clock.now_ms()
        token = new_refresh_token()
        expires = min(now + self._refresh_ttl_ms, started_ms + self._limits.session_max_age_s * 1000)
        self._refresh.put(
            RefreshRecord(
                token_hash=hash_refresh_token(token),
                user_id=user_id,
                family_id=family_id,
                issued_at_ms=now,
                expires_at_ms=expires,
                used=False,
                session_started_ms=started_ms,
            )
        )
        access, expires_in = self._access.issue(user_id)
        return Session(
            access_token=access,
            refresh_token=token,
            expires_in=expires_in,
            refresh_expires_in=max(0, (expires - now) // 1000),
            user_id=user_id,
        )

    # --- confirmation of sensitive actions (account deletion, data export) ----------------------------

    def _take_password_attempt(self, user_id: str, refusal: str) -> str:
        """One budget per user for every check of the current password, counted before the check: a stolen
        access token must not become an unlimited password oracle. Returns the counter's key."""
        key = f"pwchange#{user_id}"
        before, _ = self._attempts.hit(key, self._limits.window_s)
        if before >= self._limits.password_changes:
            raise RateLimited(refusal, retry_after_s=self._limits.window_s, code="too_many_attempts")
        return key

    def confirm_password(self, user_id: str, password: str) -> None:
        """The current password, re-entered to confirm a sensitive action. Throttled with the password
        change on one budget per user (`pwchange#<user>`), counted before the check, so a stolen access token
        is no password oracle whichever route it tries."""
        user = self.get_user(user_id)
        key = self._take_password_attempt(user_id, "Too many password attempts; try again later.")
        if not password or len(password) > 1024 or not self._hasher.verify(user.password_hash, password):
            raise InvalidInput(
                "The password is wrong.",
                code="wrong_password",
                details=[{"field": "password", "message": "does not match"}],
            )
        self._attempts.reset(key, self._limits.window_s)
