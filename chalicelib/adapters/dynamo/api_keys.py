"""Users' exchange API keys in the api-keys table. Only the ciphertext of the credentials is stored,
with the last 4 characters of the key for display."""

from __future__ import annotations

from collections.abc import Iterator

from pynamodb.attributes import BinaryAttribute, BooleanAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import PutError, UpdateError

from chalicelib.adapters.aws_errors import AwsBoundary
from chalicelib.adapters.dynamo.base import Model, table_meta
from chalicelib.domain.errors import Conflict
from chalicelib.services.ports.keys import StoredApiKey


class ApiKeyItem(Model):
    Meta = table_meta("api-keys")

    user_id = UnicodeAttribute(hash_key=True)
    key_id = UnicodeAttribute(range_key=True)
    label = UnicodeAttribute()
    api_key_last4 = UnicodeAttribute()
    testnet = BooleanAttribute()
    created_at_ms = NumberAttribute()
    ciphertext = BinaryAttribute(legacy_encoding=False)
    flagged = UnicodeAttribute(null=True)
    ip_restricted = BooleanAttribute(null=True)


def _record(item: ApiKeyItem) -> StoredApiKey:
    return StoredApiKey(
        user_id=item.user_id,
        key_id=item.key_id,
        label=item.label,
        api_key_last4=item.api_key_last4,
        testnet=bool(item.testnet),
        created_at_ms=int(item.created_at_ms),
        ciphertext=bytes(item.ciphertext),
        flagged=item.flagged or None,
        ip_restricted=item.ip_restricted,
    )


class DynamoApiKeyRepository(AwsBoundary):
    def add(self, key: StoredApiKey) -> None:
        item = ApiKeyItem(
            key.user_id,
            key.key_id,
            label=key.label,
            api_key_last4=key.api_key_last4,
            testnet=key.testnet,
            created_at_ms=key.created_at_ms,
            ciphertext=key.ciphertext,
            ip_restricted=key.ip_restricted,
        )
        try:
            item.save(condition=ApiKeyItem.key_id.does_not_exist())
        except PutError as exc:
            if exc.cause_response_code == "ConditionalCheckFailedException":
                raise Conflict("an API key with this id already exists", code="api_key_exists") from None
            raise

    def list(self, user_id: str) -> list[StoredApiKey]:
        return [_record(i) for i in ApiKeyItem.query(user_id)]

    def get(self, user_id: str, key_id: str) -> StoredApiKey | None:
        try:
            return _record(ApiKeyItem.get(user_id, key_id, consistent_read=True))
        except ApiKeyItem.DoesNotExist:
            return None

    def delete(self, user_id: str, key_id: str) -> None:
        ApiKeyItem(user_id, key_id).delete()

    def all_keys(self) -> Iterator[StoredApiKey]:
        # A daily job over a small table: a paginated Scan (pynamodb follows LastEvaluatedKey).
        for item in ApiKeyItem.scan():
            yield _record(item)

    def set_flag(self, user_id: str, key_id: str, reason: str | None) -> bool:
        item = ApiKeyItem(user_id, key_id)
        if reason is None:
            item.update(actions=[ApiKeyItem.flagged.remove()], condition=ApiKeyItem.key_id.exists())
            return False
        try:
            item.update(
                actions=[ApiKeyItem.flagged.set(reason[:500])],
                condition=ApiKeyItem.key_id.exists() & ApiKeyItem.flagged.does_not_exist(),
            )
        except UpdateError as exc:
            if exc.cause_response_code == "ConditionalCheckFailedException":
                return False
            raise
        return True
