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

from infra.local.moto_fixes import patch_moto, serialize_dynamodb


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


@pytest.fixture()
def indexed() -> Iterator[tuple[Any, str]]:
    """A table with a range key and a sparse index on a string hash and a number range."""
    patch_moto()
    name = f"fixes-q-{uuid.uuid4().hex[:8]}"
    with mock_aws():
        ddb = boto3.client("dynamodb", region_name="us-east-1")
        ddb.create_table(
            TableName=name,
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
            AttributeDefinitions=[
                {"AttributeName": "pk", "AttributeType": "S"},
                {"AttributeName": "sk", "AttributeType": "S"},
                {"AttributeName": "shard", "AttributeType": "S"},
                {"AttributeName": "n", "AttributeType": "N"},
            ],
            GlobalSecondaryIndexes=[
                {
                    "IndexName": "by_shard",
                    "KeySchema": [
                        {"AttributeName": "shard", "KeyType": "HASH"},
                        {"AttributeName": "n", "KeyType": "RANGE"},
                    ],
                    "Projection": {"ProjectionType": "KEYS_ONLY"},
                }
            ],
            BillingMode="PAY_PER_REQUEST",
        )
        for i in range(60):
            item = {"pk": {"S": f"u{i % 3}"}, "sk": {"S": f"b{i:03d}"}, "n": {"N": str(i % 7)}}
            if i % 2 == 0:  # sparse: odd items are not in the index
                item["shard"] = {"S": f"s{i % 4}"}
            ddb.put_item(TableName=name, Item=item)
        yield ddb, name


def test_a_table_query_reads_only_its_partition_in_range_order(indexed):
    ddb, name = indexed
    pages = ddb.get_paginator("query").paginate(
        TableName=name,
        KeyConditionExpression="pk = :u",
        ExpressionAttributeValues={":u": {"S": "u1"}},
        ScanIndexForward=False,
        PaginationConfig={"PageSize": 7},
    )
    keys = [item["sk"]["S"] for page in pages for item in page["Items"]]
    assert keys == sorted((f"b{i:03d}" for i in range(60) if i % 3 == 1), reverse=True)


def test_an_index_query_keeps_dynamodb_order_and_leaves_out_unindexed_items(indexed):
    ddb, name = indexed
    pages = ddb.get_paginator("query").paginate(
        TableName=name,
        IndexName="by_shard",
        KeyConditionExpression="shard = :s AND n >= :lo",
        ExpressionAttributeValues={":s": {"S": "s2"}, ":lo": {"N": "2.0"}},
        PaginationConfig={"PageSize": 2},
    )
    found = [(int(item["n"]["N"]), item["pk"]["S"], item["sk"]["S"]) for page in pages for item in page["Items"]]
    expected = sorted((i % 7, f"u{i % 3}", f"b{i:03d}") for i in range(60) if i % 4 == 2 and i % 7 >= 2)
    assert found == expected


def test_sending_into_a_deep_queue_stays_cheap_and_fifo_still_deduplicates():
    patch_moto()
    with mock_aws():
        sqs = boto3.client("sqs", region_name="us-east-1")
        url = sqs.create_queue(QueueName=f"deep-{uuid.uuid4().hex[:8]}")["QueueUrl"]
        for _ in range(300):
            sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": str(j), "MessageBody": "x"} for j in range(10)])
        attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])
        assert attrs["Attributes"]["ApproximateNumberOfMessages"] == "3000"

        fifo = sqs.create_queue(
            QueueName=f"f-{uuid.uuid4().hex[:8]}.fifo",
            Attributes={"FifoQueue": "true", "ContentBasedDeduplication": "true"},
        )["QueueUrl"]
        for _ in range(2):
            sqs.send_message(QueueUrl=fifo, MessageBody="same", MessageGroupId="g")
        with pytest.raises(sqs.exceptions.ClientError, match="MessageGroupId"):
            sqs.send_message(QueueUrl=fifo, MessageBody="no group")
        got = sqs.get_queue_attributes(QueueUrl=fifo, AttributeNames=["ApproximateNumberOfMessages"])
        assert got["Attributes"]["ApproximateNumberOfMessages"] == "1"


def test_every_attribute_type_round_trips_through_the_serializer(table):
    ddb, name = table
    item = {
        "pk": {"S": "all-types"},
        "s": {"S": ""},
        "n": {"N": "-1.5"},
        "ss": {"SS": ["a", "b"]},
        "ns": {"NS": ["1", "2"]},
        "b": {"B": b"\x00\xff"},
        "bs": {"BS": [b"x", b"y"]},
        "t": {"BOOL": True},
        "f": {"BOOL": False},
        "z": {"NULL": True},
        "m": {"M": {"deep": {"L": [{"S": "x"}, {"M": {"k": {"N": "3"}}}]}, "mixed": {"L": [{"BOOL": False}]}}},
        "l": {"L": [{"S": "y"}, {"N": "4"}, {"SS": ["z"]}]},
    }
    ddb.put_item(TableName=name, Item=item)
    got = ddb.get_item(TableName=name, Key={"pk": {"S": "all-types"}})["Item"]
    got["ss"]["SS"].sort()
    got["ns"]["NS"].sort()
    got["bs"]["BS"].sort()
    assert got == item
    page = ddb.query(
        TableName=name, KeyConditionExpression="pk = :p", ExpressionAttributeValues={":p": {"S": "all-types"}}
    )
    assert page["Count"] == 1 and page["Items"][0]["m"] == item["m"]


def test_an_index_query_pages_and_filters_as_moto_does_on_whole_items():
    """moto pages an index by the size of the whole items and applies a legacy QueryFilter to them before it
    projects; the faster Query keeps both (it prefilters by key only)."""
    patch_moto()
    name = f"fixes-p-{uuid.uuid4().hex[:8]}"
    with mock_aws():
        ddb = boto3.client("dynamodb", region_name="us-east-1")
        ddb.create_table(
            TableName=name,
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[
                {"AttributeName": "pk", "AttributeType": "S"},
                {"AttributeName": "shard", "AttributeType": "S"},
            ],
            GlobalSecondaryIndexes=[
                {
                    "IndexName": "by_shard",
                    "KeySchema": [{"AttributeName": "shard", "KeyType": "HASH"}],
                    "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["symbol"]},
                }
            ],
            BillingMode="PAY_PER_REQUEST",
        )
        for i in range(30):
            item = {"pk": {"S": f"p{i:02d}"}, "shard": {"S": "s"}, "symbol": {"S": "BTCUSDT"}}
            item["blob"] = {"S": "x" * 60_000}  # not projected, but moto's pages count it
            item["n"] = {"N": str(i % 2)}
            ddb.put_item(TableName=name, Item=item)
        pages = list(
            ddb.get_paginator("query").paginate(
                TableName=name, IndexName="by_shard", KeyConditionExpression="shard = :s",
                ExpressionAttributeValues={":s": {"S": "s"}},
            )
        )  # fmt: skip
        assert [page["Count"] for page in pages] == [16, 14]
        assert all(set(item) == {"pk", "shard", "symbol"} for page in pages for item in page["Items"])
        legacy = ddb.query(
            TableName=name,
            IndexName="by_shard",
            KeyConditions={"shard": {"AttributeValueList": [{"S": "s"}], "ComparisonOperator": "EQ"}},
            QueryFilter={"n": {"AttributeValueList": [{"N": "1"}], "ComparisonOperator": "EQ"}},
        )
        assert legacy["Count"] == 15 and all(item["pk"]["S"][-1] in "13579" for item in legacy["Items"])
