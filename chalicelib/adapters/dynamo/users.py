"""Users, their unique e-mails and refresh tokens in DynamoDB."""

from __future__ import annotations

import hmac
from typing import Any

from pynamodb.attributes import (
    BinaryAttribute,
    BooleanAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UnicodeSetAttribute,
)
from pynamodb.exceptions import PutError, TransactWriteError, UpdateError
from pynamodb.indexes import GlobalSecondaryIndex, IncludeProjection
from pynamodb.transactions import TransactWrite

from chalicelib.adapters.aws_errors import AwsBoundary
from chalicelib.adapters.dynamo.base import Model, connection, table_meta
from chalicelib.domain.errors import Conflict
from chalicelib.domain.users import MailToken, RefreshRecord, User


class UserModel(Model):
    Meta = table_meta("users")
    user_id = UnicodeAttribute(hash_key=True)
    email = UnicodeAttribute()
    password_hash = UnicodeAttribute()
    created_at_ms = NumberAttribute()
    tokens_valid_after_ms = NumberAttribute(default=0)
    access_valid_after_ms = NumberAttribute(null=True)
    webhook_url = UnicodeAttribute(null=True)
    webhook_secret = UnicodeAttribute(null=True)
    email_verified = BooleanAttribute(null=True)
    # Set when the account's deletion starts (chalicelib/services/account.py): from then on the user reads as
    # absent to every other use case, until the purge deletes the record.
    deleted_at_ms = NumberAttribute(null=True)
    deletion_sources = UnicodeSetAttribute(null=True)  # addresses whose sign-in counters the purge removes
    # Two-factor sign-in (chalicelib/adapters/dynamo/mfa.py): KMS ciphertexts of the TOTP secret, never the secret.
    mfa_enabled = BooleanAttribute(null=True)
    mfa_secret = BinaryAttribute(null=True, legacy_encoding=False)
    mfa_pending = BinaryAttribute(null=True, legacy_encoding=False)
    mfa_last_step = NumberAttribute(null=True)
    mfa_recovery = UnicodeSetAttribute(null=True)  # SHA-256 of the unused recovery codes


class UserEmailModel(Model):
    Meta = table_meta("user-emails")
    email = UnicodeAttribute(hash_key=True)
    user_id = UnicodeAttribute()


class RefreshTokensByUser(GlobalSecondaryIndex["RefreshTokenModel"]):
    """Sparse (only `rt#` items carry `user_id`): finds a user's tokens when the account is deleted."""

    class Meta:
        index_name = "by_user"
        projection = IncludeProjection(["family_id"])

    user_id = UnicodeAttribute(hash_key=True)


class RefreshTokenModel(Model):
    """Four kinds of item share the table: `rt#<sha256>` (one refresh token), `fam#<id>` (a revoked family),
    `ses#<id>` (a family's sessions-page record: started, last used, user agent) and `mt#<sha256>` (a
    single-use token: e-mail verification, password reset, or the second step of a two-factor sign-in)."""

    Meta = table_meta("refresh-tokens")
    pk = UnicodeAttribute(hash_key=True)
    user_id = UnicodeAttribute(null=True)
    family_id = UnicodeAttribute(null=True)
    issued_at_ms = NumberAttribute(null=True)
    session_started_ms = NumberAttribute(null=True)
    expires_at = NumberAttribute()  # seconds, DynamoDB TTL
    expires_at_ms = NumberAttribute(null=True)
    used = BooleanAttribute(default=False)
    revoked = BooleanAttribute(default=False)
    kind = UnicodeAttribute(null=True)  # mt# items: "verify" | "reset"
    email = UnicodeAttribute(null=True)  # mt# items: the address the link was sent to
    user_agent = UnicodeAttribute(null=True)  # ses# items
    by_user = RefreshTokensByUser()


def _to_user(m: UserModel) -> User:
    return User(
        id=m.user_id,
        email=m.email,
        password_hash=m.password_hash,
        created_at_ms=int(m.created_at_ms),
        tokens_valid_after_ms=int(m.tokens_valid_after_ms or 0),
        access_valid_after_ms=int(m.access_valid_after_ms or 0),
        webhook_url=m.webhook_url,
        webhook_secret=m.webhook_secret,
        email_verified=bool(m.email_verified),
        mfa_enabled=bool(m.mfa_enabled),
    )


class DynamoUserRepository(AwsBoundary):
    def create(self, user: User) -> None:
        try:
            with TransactWrite(connection=connection()) as tx:
                tx.save(
                    UserEmailModel(email=user.email, user_id=user.id),
                    condition=UserEmailModel.email.does_not_exist(),
                )
                tx.save(
                    UserModel(
                        user_id=user.id,
                        email=user.email,
                        password_hash=user.password_hash,
                        created_at_ms=user.created_at_ms,
                        tokens_valid_after_ms=user.tokens_valid_after_ms,
                    ),
                    condition=UserModel.user_id.does_not_exist(),
                )
        except TransactWriteError as exc:
            if "ConditionalCheckFailed" in str(exc.cause_response_message) or "ConditionalCheckFailed" in str(exc):
                raise Conflict("An account with this e-mail already exists.", code="email_taken") from None
            raise

    def get(self, user_id: str) -> User | None:
        """None for an account being deleted too: sign-in, tokens and refresh then fail like for no account."""
        try:
            item = UserModel.get(user_id, consistent_read=True)
        except UserModel.DoesNotExist:
            return None
        return None if item.deleted_at_ms is not None else _to_user(item)

    def get_by_email(self, email: str) -> User | None:
        try:
            link = UserEmailModel.get(email, consistent_read=True)
        except UserEmailModel.DoesNotExist:
            return None
        return self.get(link.user_id)

    def set_password(self, user_id: str, password_hash: str, tokens_valid_after_ms: int) -> None:
        UserModel(user_id=user_id).update(
            actions=[
                UserModel.password_hash.set(password_hash),
                UserModel.tokens_valid_after_ms.set(tokens_valid_after_ms),
            ],
            condition=UserModel.user_id.exists(),
        )

    def rehash_password(self, user_id: str, password_hash: str) -> None:
        UserModel(user_id=user_id).update(
            actions=[UserModel.password_hash.set(password_hash)], condition=UserModel.user_id.exists()
        )

    def end_sessions(self, user_id: str, at_ms: int, *, refresh_tokens: bool) -> None:
        actions: list[Any] = [UserModel.access_valid_after_ms.set(at_ms)]
        if refresh_tokens:
            actions.append(UserModel.tokens_valid_after_ms.set(at_ms))
        UserModel(user_id=user_id).update(actions=actions, condition=UserModel.user_id.exists())

    def mark_email_verified(self, user_id: str, email: str) -> bool:
        try:
            UserModel(user_id=user_id).update(
                actions=[UserModel.email_verified.set(True)],
                condition=UserModel.user_id.exists() & (UserModel.email == email),
            )
        except UpdateError as exc:
            if exc.cause_response_code == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def set_webhook(self, user_id: str, webhook_url: str | None, secret: str | None) -> None:
        actions: list[Any] = (
            [UserModel.webhook_url.set(webhook_url), UserModel.webhook_secret.set(secret or "")]
            if webhook_url
            else [UserModel.webhook_url.remove(), UserModel.webhook_secret.remove()]
        )
        UserModel(user_id=user_id).update(actions=actions, condition=UserModel.user_id.exists())


class DynamoRefreshTokenStore(AwsBoundary):
    def put(self, record: RefreshRecord) -> None:
        RefreshTokenModel(
            pk=f"rt#{record.token_hash}",
            user_id=record.user_id,
            family_id=record.family_id,
            issued_at_ms=record.issued_at_ms,
            session_started_ms=record.session_started_ms,
            expires_at_ms=record.expires_at_ms,
            expires_at=record.expires_at_ms // 1000,
            used=record.used,
        ).save(condition=RefreshTokenModel.pk.does_not_exist())

    def get(self, token_hash: str) -> RefreshRecord | None:
        try:
            m = RefreshTokenModel.get(f"rt#{token_hash}", consistent_read=True)
        except RefreshTokenModel.DoesNotExist:
            return None
        return RefreshRecord(
            token_hash=token_hash,
            user_id=str(m.user_id),
            family_id=str(m.family_id),
            issued_at_ms=int(m.issued_at_ms or 0),
            expires_at_ms=int(m.expires_at_ms or 0),
            used=bool(m.used),
            session_started_ms=int(m.session_started_ms or 0),
        )

    def mark_used(self, token_hash: str) -> bool:
        try:
            RefreshTokenModel(pk=f"rt#{token_hash}").update(
                actions=[RefreshTokenModel.used.set(True)],
                condition=RefreshTokenModel.pk.exists() & (RefreshTokenModel.used == False),  # noqa: E712
            )
        except UpdateError as exc:
            if exc.cause_response_code == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def revoke_family(self, family_id: str, expires_at_ms: int) -> None:
        try:
            RefreshTokenModel(
                pk=f"fam#{family_id}", family_id=family_id, revoked=True, expires_at=expires_at_ms // 1000
            ).save()
        except PutError:
            raise

    def is_family_revoked(self, family_id: str) -> bool:
        try:
            return bool(RefreshTokenModel.get(f"fam#{family_id}", consistent_read=True).revoked)
        except RefreshTokenModel.DoesNotExist:
            return False


class DynamoMailTokenStore(AwsBoundary):
    """Single-use e-mail link tokens in the refresh-tokens table (`mt#<sha256>`), removed by its TTL."""

    def put(self, token: MailToken) -> None:
        RefreshTokenModel(
            pk=f"mt#{token.token_hash}",
            kind=token.kind,
            user_id=token.user_id,
            email=token.email,
            issued_at_ms=token.issued_at_ms,
            expires_at_ms=token.expires_at_ms,
            expires_at=token.expires_at_ms // 1000,
            used=False,
        ).save(condition=RefreshTokenModel.pk.does_not_exist())

    def get(self, token_hash: str) -> MailToken | None:
        try:
            m = RefreshTokenModel.get(f"mt#{token_hash}", consistent_read=True)
        except RefreshTokenModel.DoesNotExist:
            return None
        stored = m.pk.removeprefix("mt#")
        # The key lookup found it; the comparison of what was asked with what is stored is constant-time.
        if not hmac.compare_digest(stored.encode(), token_hash.encode()):
            return None
        return MailToken(
            token_hash=stored,
            kind=str(m.kind),
            user_id=str(m.user_id),
            email=str(m.email),
            issued_at_ms=int(m.issued_at_ms or 0),
            expires_at_ms=int(m.expires_at_ms or 0),
            used=bool(m.used),
        )

    def consume(self, token_hash: str) -> bool:
        try:
            RefreshTokenModel(pk=f"mt#{token_hash}").update(
                actions=[RefreshTokenModel.used.set(True)],
                condition=RefreshTokenModel.pk.exists() & (RefreshTokenModel.used == False),  # noqa: E712
            )
        except UpdateError as exc:
            if exc.cause_response_code == "ConditionalCheckFailedException":
                return False
            raise
        return True
