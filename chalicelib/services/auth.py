"""Registration, login with throttling, rotating refresh tokens with reuse detection, password change."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from chalicelib.domain.clock import Clock
from chalicelib.domain.errors import Conflict, InvalidInput, NotFound, RateLimited, Unauthorized
from chalicelib.domain.users import (
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
    RefreshTokenStore,
    UserRepository,
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
    per_account: int
    per_address: int
    window_s: int


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
    ) -> None:
        self._users = users
        self._refresh = refresh_tokens
        self._attempts = attempts
        self._hasher = hasher
        self._access = access_tokens
        self._clock = clock
        self._limits = limits
        self._refresh_ttl_ms = refresh_ttl_s * 1000
        self._dummy_hash: str | None = None

    # --- accounts ------------------------------------------------------------------------------

    def register(self, email: str, password: str) -> User:
        email = normalize_email(email)
        check_password_policy(password)
        user = User(
            id=str(uuid.uuid4()),
            email=email,
            password_hash=self._hasher.hash(password),
            created_at_ms=self._clock.now_ms(),
        )
        self._users.create(user)
        return user

    def get_user(self, user_id: str) -> User:
        user = self._users.get(user_id)
        if user is None:
            raise NotFound("User not found.")
        return user

    def change_password(self, user_id: str, current_password: str, new_password: str) -> User:
        user = self.get_user(user_id)
        if not self._hasher.verify(user.password_hash, current_password):
            raise InvalidInput(
                "The current password is wrong.",
                code="wrong_password",
                details=[{"field": "current_password", "message": "does not match"}],
            )
        check_password_policy(new_password, field="new_password")
        if current_password == new_password:
            raise InvalidInput(
                "The new password must differ from the current one.",
                code="same_password",
                details=[{"field": "new_password", "message": "same as the current password"}],
            )
        # Every refresh token issued so far stops working: other sessions must sign in again.
        self._users.set_password(user_id, self._hasher.hash(new_password), self._clock.now_ms())
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

    # --- sessions ------------------------------------------------------------------------------

    def login(self, email: str, password: str, source_ip: str) -> Session:
        try:
            email = normalize_email(email)
        except InvalidInput:
            raise Unauthorized("Wrong e-mail or password.", code="invalid_credentials") from None
        account_key, address_key = f"login#acct#{email}", f"login#ip#{source_ip}"
        self._refuse_if_throttled(account_key, self._limits.per_account)
        self._refuse_if_throttled(address_key, self._limits.per_address)
        user = self._users.get_by_email(email)
        valid = self._verify(user, password)
        if user is None or not valid:
            self._attempts.add(account_key, self._limits.window_s)
            self._attempts.add(address_key, self._limits.window_s)
            raise Unauthorized("Wrong e-mail or password.", code="invalid_credentials")
        self._attempts.reset(account_key, self._limits.window_s)
        return self.new_session(user.id)

    def refresh(self, refresh_token: str) -> Session:
        record = self._valid_record(refresh_token)
        if not self._refresh.mark_used(record.token_hash):
            # A rotated token came back: someone holds a copy. End the whole family.
            self._refresh.revoke_family(record.family_id, record.expires_at_ms)
            raise Unauthorized("This session was ended; sign in again.", code="refresh_token_reused")
        return self._issue(record.user_id, record.family_id)

    def logout(self, refresh_token: str) -> None:
        record = self._refresh.get(hash_refresh_token(refresh_token))
        if record is not None:
            self._refresh.revoke_family(record.family_id, record.expires_at_ms)

    def authenticate(self, access_token: str) -> str:
        return self._access.verify(access_token)

    # --- helpers -------------------------------------------------------------------------------

    def _refuse_if_throttled(self, key: str, limit: int) -> None:
        count, retry_after = self._attempts.count(key, self._limits.window_s)
        if count >= limit:
            raise RateLimited(
                "Too many failed sign-in attempts; try again later.",
                retry_after_s=max(1, retry_after),
                code="too_many_attempts",
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
        if self._refresh.is_family_revoked(record.family_id):
            raise invalid
        user = self._users.get(record.user_id)
        if user is None or record.issued_at_ms < user.tokens_valid_after_ms:
            raise invalid
        return record

    def new_session(self, user_id: str) -> Session:
        return self._issue(user_id, str(uuid.uuid4()))

    def _issue(self, user_id: str, family_id: str) -> Session:
        now = self._clock.now_ms()
        token = new_refresh_token()
        self._refresh.put(
            RefreshRecord(
                token_hash=hash_refresh_token(token),
                user_id=user_id,
                family_id=family_id,
                issued_at_ms=now,
                expires_at_ms=now + self._refresh_ttl_ms,
                used=False,
            )
        )
        access, expires_in = self._access.issue(user_id)
        return Session(
            access_token=access,
            refresh_token=token,
            expires_in=expires_in,
            refresh_expires_in=self._refresh_ttl_ms // 1000,
            user_id=user_id,
        )
