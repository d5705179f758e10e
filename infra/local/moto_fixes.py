"""Make moto's DynamoDB behave like DynamoDB under concurrency.

moto rolls a failed TransactWriteItems back by restoring snapshots of whole tables taken when the
transaction began, which erases what other threads wrote in the meantime, and a concurrent reader can see a
transaction half-applied. DynamoDB's transactions are serializable. The local runtime and the tests run
handlers on several threads, so they hold one lock across moto's DynamoDB item operations; the platform's
own code is unchanged and relies only on DynamoDB's documented guarantees."""

from __future__ import annotations

import functools
import threading
from typing import Any

_OPERATIONS = ("put_item", "update_item", "delete_item", "transact_write_items", "get_item", "query", "scan")


def serialize_dynamodb() -> None:
    from moto.dynamodb.models import DynamoDBBackend

    if getattr(DynamoDBBackend, "_serialized_by_tradebot", False):
        return
    lock = threading.RLock()
    for name in _OPERATIONS:
        original = getattr(DynamoDBBackend, name)

        def locked(self: Any, *args: Any, __original: Any = original, **kwargs: Any) -> Any:
            with lock:
                return __original(self, *args, **kwargs)

        setattr(DynamoDBBackend, name, functools.wraps(original)(locked))
    DynamoDBBackend._serialized_by_tradebot = True  # type: ignore[attr-defined]
