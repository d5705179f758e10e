"""The e-mails an account receives: a verification link at sign-up, a note to the owner when someone registers
their address again, a single-use password-reset link, and a notice after every password (or, once it exists,
2FA) change. Links carry 256 random bits; only their SHA-256 is stored, with the purpose, the owner, the address
and an expiry (DynamoDB TTL removes them); each works once. Mail that cannot be sent is logged by error class
(never with its content: the links are credentials) and does not fail the request: the answer must not depend
on whether an account exists, and "resend" is there."""

from __future__ import annotations

from dataclasses import dataclass

from aws_lambda_powertools import Logger

from chalicelib.domain.clock import Clock
from chalicelib.domain.users import (
    MAIL_TOKEN_MAX,
    RESET_PASSWORD,
    VERIFY_EMAIL,
    MailToken,
    User,
    hash_mail_token,
    new_mail_token,
)
from chalicelib.services.ports.auth import Mailer, MailTokenStore

logger = Logger(child=True)


@dataclass(frozen=True)
class MailSettings:
    web_base_url: str  # where the web app is: links are <base>/verify?token=… and <base>/reset?token=…
    verify_ttl_s: int = 24 * 3600
    reset_ttl_s: int = 30 * 60
    product: str = "Tradebot"


class AccountEmails:
    def __init__(self, *, mailer: Mailer, tokens: MailTokenStore, clock: Clock, settings: MailSettings) -> None:
        self._mailer = mailer
        self._tokens = tokens
        self._clock = clock
        self._cfg = settings

    # --- messages ------------------------------------------------------------------------------

    def send_verification(self, user: User) -> None:
        link = self._link("verify", self._new_token(VERIFY_EMAIL, user, self._cfg.verify_ttl_s))
        hours = self._cfg.verify_ttl_s // 3600
        self._send(
            user.email,
            f"Confirm your e-mail address for {self._cfg.product}",
            f"Confirm that this address is yours by opening this link within {hours} hours:\n\n{link}\n\n"
            "If you did not create an account, ignore this message: nothing happens without this link.",
        )

    def send_already_registered(self, user: User) -> None:
        """Registration of a known address: the answer is the one a new address gets; only the owner learns."""
        self._send(
            user.email,
            f"Someone tried to create a {self._cfg.product} account with your address",
            "Someone (perhaps you) asked to create an account with this e-mail address, which already has one. "
            "No new account was created.\n\n"
            f"If it was you, sign in at {self._cfg.web_base_url}/login or reset your password at "
            f"{self._cfg.web_base_url}/forgot-password.\nIf it was not you, you can ignore this message.",
        )

    def send_reset(self, user: User) -> None:
        link = self._link("reset", self._new_token(RESET_PASSWORD, user, self._cfg.reset_ttl_s))
        minutes = self._cfg.reset_ttl_s // 60
        self._send(
            user.email,
            f"Reset your {self._cfg.product} password",
            f"Open this link within {minutes} minutes to choose a new password (it works once):\n\n{link}\n\n"
            "Setting a new password signs you out everywhere. If you did not ask for this, ignore this message: "
            "your password stays as it is.",
        )

    def send_security_notice(self, user: User, what: str) -> None:
        """After a password (or 2FA) change: the owner learns of a change they did not make."""
        self._send(
            user.email,
            f"Your {self._cfg.product} {what} was changed",
            f"The {what} of your account was changed, and every session was signed out.\n\n"
            "If this was not you, reset your password now at "
            f"{self._cfg.web_base_url}/forgot-password and check your API keys and bots.",
        )

    # --- tokens --------------------------------------------------------------------------------

    def valid_token(self, token: str, kind: str) -> MailToken | None:
        """The unused, unexpired record of a link token of this kind, or None (nothing is consumed)."""
        if not token or len(token) > MAIL_TOKEN_MAX:
            return None
        record = self._tokens.get(hash_mail_token(token))
        if record is None or record.kind != kind or record.used:
            return None
        if record.expires_at_ms <= self._clock.now_ms():
            return None
        return record

    def consume(self, record: MailToken) -> bool:
        """Single use: only the first of concurrent uses wins."""
        return self._tokens.consume(record.token_hash)

    # --- helpers -------------------------------------------------------------------------------

    def _new_token(self, kind: str, user: User, ttl_s: int) -> str:
        token = new_mail_token()
        now = self._clock.now_ms()
        self._tokens.put(
            MailToken(
                token_hash=hash_mail_token(token),
                kind=kind,
                user_id=user.id,
                email=user.email,
                issued_at_ms=now,
                expires_at_ms=now + ttl_s * 1000,
            )
        )
        return token

    def _link(self, page: str, token: str) -> str:
        return f"{self._cfg.web_base_url.rstrip('/')}/{page}?token={token}"

    def _send(self, to: str, subject: str, text: str) -> None:
        try:
            self._mailer.send(to, subject, text)
        except Exception as exc:  # the answer must neither fail on nor reveal mail delivery
            logger.error("e-mail not sent", extra={"error": type(exc).__name__, "subject": subject})
