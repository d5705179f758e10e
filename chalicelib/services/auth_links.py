"""E-mail verification and password reset by single-use links (part of AuthService). "Resend" and "forgot
password" answer the same whether the address has an account or not."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalicelib.domain.clock import Clock
from chalicelib.domain.errors import InvalidInput, RateLimited
from chalicelib.domain.users import RESET_PASSWORD, VERIFY_EMAIL, User, check_password_policy, normalize_email
from chalicelib.services.auth_throttle import LoginLimits
from chalicelib.services.ports.auth import AttemptCounter, PasswordHasher, UserRepository

if TYPE_CHECKING:
    from chalicelib.services.account_email import AccountEmails


def invalid_link() -> InvalidInput:
    return InvalidInput(
        "This link is invalid, already used or expired; ask for a new one.",
        code="invalid_token",
        details=[{"field": "token", "message": "invalid, used or expired"}],
    )


class EmailLinks:
    """A mixin of AuthService: it shares the service's ports, set by AuthService.__init__."""

    _users: UserRepository
    _attempts: AttemptCounter
    _hasher: PasswordHasher
    _clock: Clock
    _limits: LoginLimits
    _emails: AccountEmails | None

    def get_user(self, user_id: str) -> User:
        raise NotImplementedError

    def _check_strength(self, password: str, field: str, email: str) -> None:
        raise NotImplementedError

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
            raise invalid_link()
        # The link proves the address it was sent to, and only while the account still has that address.
        if not self._users.mark_email_verified(record.user_id, record.email):
            raise invalid_link()
        return self.get_user(record.user_id)

    def reset_password(self, token: str, new_password: str) -> User:
        """Single use, before its expiry, and only if no password change happened since the link was sent.
        Sets the password, ends every session (access and refresh tokens), marks the address verified (the
        link reached it) and tells the owner by e-mail."""
        emails = self._require_emails()
        record = emails.valid_token(token, RESET_PASSWORD)
        user = self._users.get(record.user_id) if record is not None else None
        if record is None or user is None or user.email != record.email:
            raise invalid_link()
        if record.issued_at_ms < user.tokens_valid_after_ms:
            raise invalid_link()  # the password changed after this link was sent
        check_password_policy(new_password, field="new_password")
        self._check_strength(new_password, "new_password", user.email)
        # Checked before the link is spent, so a refused password leaves the link usable.
        if not emails.consume(record):
            raise invalid_link()
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
            raise invalid_link()
        return self._emails
