"""The DynamoDB fixes of the embedded AWS: a failed transaction leaves no trace, even with other writers."""

from __future__ import annotations

import contextlib
import threading

import boto3
import pytest
from moto import mock_aws

from infra.local.moto_fixes import serialize_dynamodb


@pytest.fixture()
def table():
    serialize_dynamodb()
    with mock_aws():
        ddb = boto3.client("dynamodb", region_name="us-east-1")
        ddb.create_table(
            TableName="t",
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        yield ddb


def _put(pk: str, v: str, condition: str | None = None) -> dict:
    op = {"TableName": "t", "Item": {"pk": {"S": pk}, "v": {"S": v}}}
    if condition:
        op["ConditionExpression"] = condition
    return {"Put": op}


def test_a_failed_transaction_writes_nothing(table):
    table.put_item(TableName="t", Item={"pk": {"S": "a"}, "v": {"S": "old"}})
    with pytest.raises(table.exceptions.TransactionCanceledException):
        table.transact_write_items(TransactItems=[_put("b", "new"), _put("a", "new", "attribute_not_exists(pk)")])
    assert "Item" not in table.get_item(TableName="t", Key={"pk": {"S": "b"}})
    assert table.get_item(TableName="t", Key={"pk": {"S": "a"}})["Item"]["v"]["S"] == "old"


def test_failed_transactions_do_not_erase_concurrent_writes(table):
    table.put_item(TableName="t", Item={"pk": {"S": "taken"}, "v": {"S": "x"}})
    stop = threading.Event()

    def failing_transactions() -> None:
        while not stop.is_set():
            with contextlib.suppress(table.exceptions.TransactionCanceledException):
                table.transact_write_items(
                    TransactItems=[_put("scratch", "y"), _put("taken", "y", "attribute_not_exists(pk)")]
                )

    thread = threading.Thread(target=failing_transactions)
    thread.start()
    try:
        for i in range(200):
            table.put_item(TableName="t", Item={"pk": {"S": f"w{i}"}, "v": {"S": "kept"}})
    finally:
        stop.set()
        thread.join()
    for i in range(200):
        assert table.get_item(TableName="t", Key={"pk": {"S": f"w{i}"}})["Item"]["v"]["S"] == "kept"
    assert "Item" not in table.get_item(TableName="t", Key={"pk": {"S": "scratch"}})
