"""Make moto's DynamoDB behave like DynamoDB under concurrency, and keep its transactions cheap.

moto rolls a failed TransactWriteItems back by restoring deep copies of whole tables taken when the
transaction began: that erases what other threads wrote in the meantime, lets a concurrent reader see a
transaction half applied, and costs a copy of every table involved per transaction (seconds per call once a
table holds a few thousand items). DynamoDB's transactions are serializable. So the local runtime, the tests
and the benchmarks hold one lock across moto's DynamoDB item writes, point reads and transactions, and a
transaction remembers only the items it touches and puts those back when it fails. The platform's own code
is unchanged and relies only on DynamoDB's documented guarantees."""

from __future__ import annotations

import copy
import functools
import threading
import types
from typing import Any

# Writes, transactions and point reads take the lock. Queries and scans do not: in moto they walk and sort
# whole tables and indexes, and holding the lock across them stalls every tick behind the API's list calls.
_OPERATIONS = ("put_item", "update_item", "delete_item", "get_item")


def serialize_dynamodb() -> None:
    fast_sqs_receive()
    import moto.dynamodb.models as models
    from moto.dynamodb.models import DynamoDBBackend
    from moto.dynamodb.models.table import Table

    if getattr(DynamoDBBackend, "_serialized_by_tradebot", False):
        return
    lock = threading.RLock()
    for name in _OPERATIONS:
        original = getattr(DynamoDBBackend, name)

        def locked(self: Any, *args: Any, __original: Any = original, **kwargs: Any) -> Any:
            with lock:
                return __original(self, *args, **kwargs)

        setattr(DynamoDBBackend, name, functools.wraps(original)(locked))

    # moto's transaction code snapshots tables with copy.deepcopy; tables are restored item by item below.
    def deepcopy_but_tables(value: Any, memo: Any = None) -> Any:
        return value if isinstance(value, Table) else copy.deepcopy(value, memo)

    models.copy = types.SimpleNamespace(deepcopy=deepcopy_but_tables)  # type: ignore[attr-defined]
    original_transact = DynamoDBBackend.transact_write_items

    @functools.wraps(original_transact)
    def transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
        with lock:
            saved = _touched_items(self, transact_items)
            try:
                return original_transact(self, transact_items)
            except Exception:
                for table_name, key, old in reversed(saved):
                    if old is None:
                        self.delete_item(table_name, key)
                    else:
                        self.get_table(table_name).put_item(old, overwrite=True)
                raise

    DynamoDBBackend.transact_write_items = transact_write_items
    DynamoDBBackend._serialized_by_tradebot = True  # type: ignore[attr-defined]


def fast_sqs_receive() -> None:
    """moto's ReceiveMessage asks for the whole queue's attributes once per message it looks at, to read the
    retention period: with a backlog of a few thousand ticks every receive costs seconds, the backlog grows
    and the embedded AWS never catches up. Read the one attribute directly."""
    from moto.core.utils import unix_time
    from moto.sqs.models import SQSBackend

    if getattr(SQSBackend, "_fast_receive_by_tradebot", False):
        return

    def is_message_valid_based_on_retention_period(self: Any, queue_name: str, message: Any) -> bool:
        queue = self.get_queue(queue_name)
        return bool(int(queue.message_retention_period) + message.sent_timestamp / 1000 > unix_time())

    SQSBackend.is_message_valid_based_on_retention_period = is_message_valid_based_on_retention_period
    SQSBackend._fast_receive_by_tradebot = True  # type: ignore[attr-defined]


def _touched_items(backend: Any, transact_items: list[dict[str, Any]]) -> list[tuple[str, dict[str, Any], Any]]:
    """(table, key, the item's attributes before the transaction or None) for every item it names."""
    saved = []
    for item in transact_items:
        try:
            op_type, op = next(iter(item.items()))
            table_name = op["TableName"]
            table = backend.get_table(table_name)
            if op_type == "Put":
                attrs = op["Item"]
                key = {table.hash_key_attr: attrs[table.hash_key_attr]}
                if table.range_key_attr is not None:
                    key[table.range_key_attr] = attrs[table.range_key_attr]
            else:
                key = op["Key"]
            current = backend.get_item(table_name, key)
        except Exception:  # noqa: S112 - malformed: moto's own validation answers it, and nothing is written
            continue
        saved.append((table_name, key, copy.deepcopy(current.to_json()["Attributes"]) if current else None))
    return saved
