"""The key-audit table: one item per use of an exchange key, under `<user_id>#<key_id>` so a caller can only
ever read their own key's trail, sorted by time, removed by DynamoDB TTL after the retention (90 days)."""

from __future__ import annotations

import base64
import re
import secrets
from collections.abc import Sequence

from pynamodb.attributes import NumberAttribute, UnicodeAttribute

from chalicelib.adapters.aws_errors import AwsBoundary
from chalicelib.adapters.dynamo.base import Model, table_meta
from chalicelib.services.ports.key_audit import KeyUse

RETENTION_S = 90 * 24 * 3600
_USE_KEY = re.compile(r"^\d{13}#[0-9a-f]{8}$")


class KeyUseItem(Model):
    Meta = table_meta("key-audit")

    key_ref = UnicodeAttribute(hash_key=True)  # <user_id>#<key_id>
    use_key = UnicodeAttribute(range_key=True)  # <at_ms, 13 digits>#<random>: time order, no collision
    user_id = UnicodeAttribute()
    key_id = UnicodeAttribute()
    at_ms = NumberAttribute()
    action = UnicodeAttribute()
    outcome = UnicodeAttribute()
    bot_id = UnicodeAttribute(null=True)
    detail = UnicodeAttribute(null=True)
    exchange_code = NumberAttribute(null=True)
    expires_at = NumberAttribute()  # seconds, DynamoDB TTL


def _item(use: KeyUse) -> KeyUseItem:
    return KeyUseItem(
        f"{use.user_id}#{use.key_id}",
        f"{use.at_ms:013d}#{secrets.token_hex(4)}",
        user_id=use.user_id,
        key_id=use.key_id,
        at_ms=use.at_ms,
        action=use.action,
        outcome=use.outcome,
        bot_id=use.bot_id,
        detail=use.detail or None,
        exchange_code=use.exchange_code,
        expires_at=use.at_ms // 1000 + RETENTION_S,
    )


def _use(item: KeyUseItem) -> KeyUse:
    return KeyUse(
        user_id=item.user_id,
        key_id=item.key_id,
        at_ms=int(item.at_ms),
        action=item.action,
        outcome=item.outcome,
        bot_id=item.bot_id,
        detail=item.detail or "",
        exchange_code=int(item.exchange_code) if item.exchange_code is not None else None,
    )


def _decode(cursor: str) -> str:
    """The sort key a cursor names; the hash key is always the caller's own (a cursor cannot cross tenants)."""
    try:
        use_key = base64.urlsafe_b64decode(cursor.encode()).decode()
    except (ValueError, UnicodeDecodeError):
        raise ValueError("invalid cursor") from None
    if not _USE_KEY.match(use_key):
        raise ValueError("invalid cursor")
    return use_key


class DynamoKeyAuditLog(AwsBoundary):
    def record(self, uses: Sequence[KeyUse]) -> None:
        if len(uses) == 1:
            _item(uses[0]).save()  # the common case: one PutItem
            return
        with KeyUseItem.batch_write() as batch:
            for use in uses:
                batch.save(_item(use))

    def page(self, user_id: str, key_id: str, limit: int, cursor: str | None) -> tuple[list[KeyUse], str | None]:
        ref = f"{user_id}#{key_id}"
        start = {"key_ref": {"S": ref}, "use_key": {"S": _decode(cursor)}} if cursor else None
        results = KeyUseItem.query(ref, scan_index_forward=False, limit=limit, last_evaluated_key=start)
        items = [_use(m) for m in results]
        last = results.last_evaluated_key
        if not last or len(items) < limit:
            return items, None
        return items, base64.urlsafe_b64encode(last["use_key"]["S"].encode()).decode()
