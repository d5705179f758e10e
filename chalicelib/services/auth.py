"""Registration, login (throttled: chalicelib/services/auth_throttle.py; two-factor: services/mfa.py),
password change and confirmation, webhook settings. Sessions and refresh tokens are in services/sessions.py,
e-mail links in services/auth_links.py: both are mixins of AuthService, sharing its ports."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from chalicelib.domain.clock import Clock
from chalicelib.domain.errors import Conflict, InvalidInput, NotFound, RateLimited, Unauthorized
from chalicelib.domain.users import (
    MailToken,
    User,
    check_password_policy,
    hash_mail_token,
    new_mail_token,
    new_refresh_token,
    normalize_email,
)
from chalicelib.services.auth_links import EmailLinks
from chalicelib.services.auth_throttle import LoginLimits, SignInThrottle
from chalicelib.services.ports.auth import (
    AccessTokens,
    AttemptCounter,
    MailTokenStore,
    PasswordHasher,
    PasswordStrength,
    RefreshTokenStore,
    SessionStore,
    UserRepository,
)
from chalicelib.services.sessions import Session, TokenSessions

if TYPE_CHECKING:
    from chalicelib.services.account_email import AccountEmails

__all__ = ["MFA_CHALLENGE", "AuthService", "LoginLimits", "MfaChallenge", "Session"]

# A dummy argon2 verification keeps "no such account" as slow as "wrong password" (no user enumeration).
_DUMMY_PASSWORD = "not-a-real-password-0"
MFA_CHALLENGE = "mfa"  # the kind of the single-use token between the password step and the code step


@dataclass(frozen=True)
class MfaChallenge:
    """The password was right and the account has two-factor sign-in: a code must follow with this token."""

    mfa_token: str = ""
    expires_in: int = 0


# Checks a fresh two-factor code before a sensitive action (MfaService.require_fresh_code).
StepUp = Callable[[str, "str | None"], None]


class AuthService(EmailLinks, TokenSessions):
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
        sessions: SessionStore | None = None,
        challenges: MailTokenStore | None = None,
        step_up: StepUp | None = None,
        challenge_ttl_s: int = 300,
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
        self._sessions = sessions
        self._challenges = challenges
        self._step_up = step_up
        self._challenge_ttl_ms = challenge_ttl_s * 1000
        self._throttle = SignInThrottle(attempts, clock, limits)

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

    def change_password(
        self, user_id: str, current_password: str, new_password: str, mfa_code: str | None = None
    ) -> User:
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
        # Last, so that a refused password does not spend the code.
        if self._step_up is not None:
            self._step_up(user_id, mfa_code)
        # Every token issued so far stops working: other sessions must sign in again.
        now = self._clock.now_ms()
        self._users.set_password(user_id, self._hasher.hash(new_password), now)
        self._users.end_sessions(user_id, now, refresh_tokens=True)
        self._attempts.reset(key, self._limits.window_s)
        if self._emails is not None:
            self._emails.send_security_notice(user, "password")
        return self.get_user(user_id)

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

    # --- sign-in -------------------------------------------------------------------------------

    def login(self, email: str, password: str, source_ip: str, user_agent: str = "") -> Session | MfaChallenge:
        """A session, or, when two-factor sign-in is on, a short-lived single-use token for the code step
        (POST /auth/login/mfa) and no session yet."""
        try:
            email = normalize_email(email)
        except InvalidInput:
            raise Unauthorized("Wrong e-mail or password.", code="invalid_credentials") from None
        self._throttle.admit(email, source_ip)
        user = self._users.get_by_email(email)
        valid = self._verify(user, password)
        if user is None or not valid:
            raise Unauthorized("Wrong e-mail or password.", code="invalid_credentials")
        self._throttle.succeeded(email, source_ip)
        if self._hasher.needs_rehash(user.password_hash):
            self._users.rehash_password(user.id, self._hasher.hash(password))
        if user.mfa_enabled and self._challenges is not None:
            return self._challenge(user)
        return self.new_session(user.id, user_agent)

    def _challenge(self, user: User) -> MfaChallenge:
        assert self._challenges is not None
        token, now = new_mail_token(), self._clock.now_ms()
        self._challenges.put(
            MailToken(hash_mail_token(token), MFA_CHALLENGE, user.id, user.email, now, now + self._challenge_ttl_ms)
        )
        return MfaChallenge(mfa_token=token, expires_in=self._challenge_ttl_ms // 1000)

    # --- helpers -------------------------------------------------------------------------------

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

    # --- confirmation of sensitive actions (account deletion, data export, two-factor enrolment) ------------

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
