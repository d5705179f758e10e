"""The signals table (infra/stack.yaml SignalsTable), one partition per bot plus one per token:

pk=<bot_id>      sk=log#<seq>        the signal log (newest first when read)
pk=<bot_id>      sk=q#<seq>          signals still to apply, oldest first (deleted once final)
pk=<bot_id>      sk=id#<signal_id>   identity claim (TTL), so a signal is accepted once
pk=<bot_id>      sk=secret           which token is current
pk=tok#<id>      sk=tok              the token's secret hash, its KMS ciphertext and owner
pk=rl#<key>      sk=<window start>   fixed-window rate counters (TTL)"""

from __future__ import annotations

import base64
import json
from typing import Any

from pynamodb.attributes import BinaryAttribute, ListAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import PutError, TransactWriteError
from pynamodb.transactions import TransactWrite

from chalicelib.adapters.aws_clients import client
from chalicelib.adapters.dynamo.base import Model, connection, table_meta
from chalicelib.config import settings
from chalicelib.domain.clock import Clock
from chalicelib.services.ports.signals import FINAL, SignalRecord, SignalSecret


class SignalItem(Model):
    Meta = table_meta("signals")
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    user_id = UnicodeAttribute(null=True)
    bot_id = UnicodeAttribute(null=True)
    signal_id = UnicodeAttribute(null=True)
    action = UnicodeAttribute(null=True)
    symbol = UnicodeAttribute(null=True)
    received_at = NumberAttribute(null=True)
    sent_at = NumberAttribute(null=True)
    status = UnicodeAttribute(null=True)
    reason = UnicodeAttribute(null=True)
    message = UnicodeAttribute(null=True)
    order_ids = ListAttribute(of=UnicodeAttribute, null=True)
    secret_hash = UnicodeAttribute(null=True)
    secret_ciphertext = BinaryAttribute(null=True, legacy_encoding=False)
    token_id = UnicodeAttribute(null=True)
    count = NumberAttribute(null=True)
    expires_at = NumberAttribute(null=True)


def _item(record: SignalRecord, prefix: str) -> SignalItem:
    return SignalItem(
        pk=record.bot_id,
        sk=f"{prefix}{record.seq}",
        user_id=record.user_id,
        bot_id=record.bot_id,
        signal_id=record.signal_id,
        action=record.action,
        symbol=record.symbol,
        received_at=record.received_at_ms,
        sent_at=record.sent_at_ms,
        status=record.status,
        reason=record.reason,
        message=record.message,
        order_ids=list(record.order_ids) or None,
    )


def _record(item: SignalItem) -> SignalRecord:
    return SignalRecord(
        bot_id=str(item.bot_id),
        user_id=str(item.user_id),
        seq=item.sk.split("#", 1)[1],
        signal_id=str(item.signal_id),
        action=str(item.action),
        symbol=item.symbol,
        received_at_ms=int(item.received_at or 0),
        sent_at_ms=int(item.sent_at) if item.sent_at is not None else None,
        status=str(item.status),
        reason=item.reason,
        message=item.message,
        order_ids=tuple(str(o) for o in item.order_ids or ()),
    )


class DynamoSignalStore:
    def __init__(self, clock: Clock) -> None:
        self._clock = clock

    def secret(self, token_id: str) -> SignalSecret | None:
        try:
            item = SignalItem.get(f"tok#{token_id}", "tok", consistent_read=True)
        except SignalItem.DoesNotExist:
            return None
        sealed = bytes(item.secret_ciphertext) if item.secret_ciphertext else None
        return SignalSecret(token_id, str(item.bot_id), str(item.user_id), str(item.secret_hash), sealed)

    def current_token_id(self, bot_id: str) -> str | None:
        try:
            return SignalItem.get(bot_id, "secret", consistent_read=True).token_id
        except SignalItem.DoesNotExist:
            return None

    def replace_secret(self, new: SignalSecret, old_token_id: str | None) -> None:
        SignalItem(
            pk=f"tok#{new.token_id}", sk="tok", bot_id=new.bot_id, user_id=new.user_id, secret_hash=new.secret_hash,
            secret_ciphertext=new.secret_ciphertext,
        ).save()  # fmt: skip
        SignalItem(pk=new.bot_id, sk="secret", user_id=new.user_id, token_id=new.token_id).save()
        if old_token_id and old_token_id != new.token_id:
            SignalItem(pk=f"tok#{old_token_id}", sk="tok").delete()

    def claim_identity(self, bot_id: str, signal_id: str, ttl_s: int) -> bool:
        now_s = self._clock.now_ms() // 1000
        fresh = SignalItem.pk.does_not_exist() | (SignalItem.expires_at < now_s)
        try:
            SignalItem(pk=bot_id, sk=f"id#{signal_id}", expires_at=now_s + ttl_s).save(condition=fresh)
        except PutError as exc:
            if "ConditionalCheckFailed" in str(exc.cause_response_code):
                return False
            raise
        return True

    def accept(self, record: SignalRecord, ttl_s: int) -> bool:
        now_s = self._clock.now_ms() // 1000
        claim = SignalItem(pk=record.bot_id, sk=f"id#{record.signal_id}", expires_at=now_s + ttl_s)
        try:
            with TransactWrite(connection=connection()) as tx:
                tx.save(claim, condition=SignalItem.pk.does_not_exist() | (SignalItem.expires_at < now_s))
                tx.save(_item(record, "q#"))
                tx.save(_item(record, "log#"))
        except TransactWriteError as exc:
            # Only the claim's condition means "a duplicate"; a TransactionConflict with a concurrent copy is
            # not one (both may be cancelled) and goes back to the sender as a 503 to retry.
            reasons = exc.cancellation_reasons if exc.cause_response_code == "TransactionCanceledException" else []
            if reasons and reasons[0] is not None and reasons[0].code == "ConditionalCheckFailed":
                return False
            raise
        return True

    def release_identity(self, bot_id: str, signal_id: str) -> None:
        SignalItem(pk=bot_id, sk=f"id#{signal_id}").delete()

    def add(self, record: SignalRecord, *, enqueue: bool) -> None:
        if enqueue:
            _item(record, "q#").save()
        _item(record, "log#").save()

    def get(self, bot_id: str, seq: str) -> SignalRecord | None:
        try:
            return _record(SignalItem.get(bot_id, f"log#{seq}", consistent_read=True))
        except SignalItem.DoesNotExist:
            return None

    def settle(self, record: SignalRecord) -> None:
        _item(record, "log#").save()
        if record.status in FINAL:
            SignalItem(pk=record.bot_id, sk=f"q#{record.seq}").delete()
        else:
            _item(record, "q#").save()

    def queued(self, bot_id: str, limit: int) -> list[SignalRecord]:
        items = SignalItem.query(bot_id, SignalItem.sk.startswith("q#"), consistent_read=True, limit=limit)
        return [_record(i) for i in items]

    def page(self, bot_id: str, cursor: str | None, limit: int) -> tuple[list[SignalRecord], str | None]:
        start: dict[str, Any] | None = None
        if cursor:
            start = json.loads(base64.urlsafe_b64decode(cursor.encode()))
            # A cursor names a key: one from another bot's log must not read that log.
            if not isinstance(start, dict) or start.get("pk", {}).get("S") != bot_id:
                raise ValueError("cursor of another log")
            if not str(start.get("sk", {}).get("S", "")).startswith("log#"):
                raise ValueError("not a log cursor")
        results = SignalItem.query(
            bot_id, SignalItem.sk.startswith("log#"), scan_index_forward=False, limit=limit, last_evaluated_key=start
        )
        items = [_record(i) for i in results]
        last = results.last_evaluated_key
        return items, base64.urlsafe_b64encode(json.dumps(last).encode()).decode() if last else None

    def hit(self, user_id: str, bot_id: str, window_s: int) -> tuple[int, int, int]:
        # One UpdateItem counts both (a counter per bot inside the user's window item): one call per signal.
        now_s = self._clock.now_ms() // 1000
        start = now_s - now_s % window_s
        answer = client("dynamodb").update_item(
            TableName=settings().table("signals"),
            Key={"pk": {"S": f"rl#user#{user_id}"}, "sk": {"S": str(start)}},
            UpdateExpression="ADD #total :one, #bot :one SET expires_at = :expires",
            ExpressionAttributeNames={"#total": "count", "#bot": f"bot_{bot_id}"},
            ExpressionAttributeValues={":one": {"N": "1"}, ":expires": {"N": str(start + window_s + 60)}},
            ReturnValues="ALL_NEW",
        )["Attributes"]
        return int(answer["count"]["N"]), int(answer[f"bot_{bot_id}"]["N"]), start + window_s - now_s
