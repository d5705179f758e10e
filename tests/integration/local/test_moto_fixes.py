"""The DynamoDB fixes of the embedded AWS: a failed transaction leaves no trace, even with other writers."""

from __future__ import annotations

import contextlib
import threading
import uuid
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from infra.local.moto_fixes import serialize_dynamodb


@pytest.fixture()
def table() -> Iterator[tuple[Any, str]]:
    serialize_dynamodb()
    # A name of its own: an enclosing mock (the session's `aws` fixture) shares moto's state.
    name = f"fixes-{uuid.uuid4().hex[:8]}"
    with mock_aws():
        ddb = boto3.client("dynamodb", region_name="us-east-1")
        ddb.create_table(
            TableName=name,
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        yield ddb, name


def _put(name: str, pk: str, v: str, condition: str | None = None) -> dict[str, Any]:
    op: dict[str, Any] = {"TableName": name, "Item": {"pk": {"S": pk}, "v": {"S": v}}}
    if condition:
        op["ConditionExpression"] = condition
    return {"Put": op}


def _value(ddb: Any, name: str, pk: str) -> str | None:
    item = ddb.get_item(TableName=name, Key={"pk": {"S": pk}}).get("Item")
    return None if item is None else str(item["v"]["S"])


def test_a_failed_transaction_writes_nothing(table):
    ddb, name = table
    ddb.put_item(TableName=name, Item={"pk": {"S": "a"}, "v": {"S": "old"}})
    with pytest.raises(ddb.exceptions.TransactionCanceledException):
        ddb.transact_write_items(
            TransactItems=[_put(name, "b", "new"), _put(name, "a", "new", "attribute_not_exists(pk)")]
        )
    assert _value(ddb, name, "b") is None
    assert _value(ddb, name, "a") == "old"


def test_failed_transactions_do_not_erase_concurrent_writes(table):
    ddb, name = table
    ddb.put_item(TableName=name, Item={"pk": {"S": "taken"}, "v": {"S": "x"}})
    stop = threading.Event()

    def failing_transactions() -> None:
        while not stop.is_set():
            with contextlib.suppress(ddb.exceptions.TransactionCanceledException):
                ddb.transact_write_items(
                    TransactItems=[_put(name, "scratch", "y"), _put(name, "taken", "y", "attribute_not_exists(pk)")]
                )

    thread = threading.Thread(target=failing_transactions)
    thread.start()
    try:
        for i in range(200):
            ddb.put_item(TableName=name, Item={"pk": {"S": f"w{i}"}, "v": {"S": "kept"}})
    finally:
        stop.set()
        thread.join()
    assert all(_value(ddb, name, f"w{i}") == "kept" for i in range(200))
    assert _value(ddb, name, "scratch") is None
