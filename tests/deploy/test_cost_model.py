"""The cost model's arithmetic (bench/capacity.py, bench/dynamo_units.py, bench/prices.py): DynamoDB units
from item sizes by AWS's documented rules, SQS's 64 KB chunks, and list prices into dollars per month."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bench.capacity import Meter, Usage, item_size, number_size, read_units, sqs_billed, sqs_requests, write_units
from bench.cost_run import Measured, Result, due_intervals, shards_per_minute
from bench.cost_table import month_columns, resting_share
from bench.prices import PRICES, TickUsage, bot_month, fixed_egress, idle_stage, sqs_idle_polling_requests, usage_cost

REPO = Path(__file__).resolve().parents[2]


def test_item_size_counts_names_and_values_as_aws_documents() -> None:
    # "id" (2) + "abc" (3); "n" (1) + 12345 (5 significant digits: 3 bytes + 1)
    assert item_size({"id": {"S": "abc"}, "n": {"N": "123.45"}}) == 2 + 3 + 1 + 4
    assert item_size({"é": {"S": "€"}}) == 2 + 3  # UTF-8 bytes, not characters
    assert number_size("-0.001") == 1 + 1 + 1 and number_size("1000") == 2 and number_size("0") == 2
    assert item_size({"b": {"BOOL": True}, "z": {"NULL": True}, "x": {"B": b"\x00" * 10}}) == 2 + 2 + 11
    # a map or list: 3 bytes, plus 1 per element, plus its names and values
    assert item_size({"m": {"M": {"k": {"S": "v"}}}, "l": {"L": [{"S": "ab"}]}}) == (1 + 3 + 1 + 1 + 1) + (
        1 + 3 + 1 + 2
    )
    assert item_size(None) == 0


def test_read_and_write_units_round_up_per_unit_size() -> None:
    assert read_units(4096, consistent=True) == 1.0 and read_units(4097, consistent=True) == 2.0
    assert read_units(4097, consistent=False) == 1.0 and read_units(0, consistent=False) == 0.5
    assert read_units(100, consistent=True, transactional=True) == 2.0
    assert write_units(1024) == 1.0 and write_units(1025) == 2.0 and write_units(0) == 1.0
    assert write_units(1500, transactional=True) == 4.0


def test_sqs_is_billed_per_64_kb_chunk() -> None:
    assert sqs_requests(65_536) == 1 and sqs_requests(65_537) == 2 and sqs_requests(0) == 1
    batch = {"Entries": [{"Id": str(i), "MessageBody": "x" * 7_000} for i in range(10)]}
    assert sqs_billed("SendMessageBatch", batch, {}) == 2  # 70,000 bytes
    assert sqs_billed("DeleteMessageBatch", {"Entries": [{}] * 10}, {}) == 1


def test_prices_turn_usage_into_dollars_per_month() -> None:
    one_read = TickUsage(read_units=1.0)
    assert usage_cost(one_read)["DynamoDB reads"] == pytest.approx(0.125e-6)
    assert usage_cost(TickUsage(lambda_gb_seconds=1.0))["Lambda compute"] == pytest.approx(0.0000166667)
    month = bot_month(one_read, TickUsage(write_units=10.0), TickUsage(), interval_minutes=1, trading_share=0.05)
    assert month["DynamoDB reads"] == pytest.approx(43_200 * 0.95 * 0.125e-6)
    assert month["DynamoDB writes"] == pytest.approx(43_200 * 0.05 * 10 * 0.625e-6)
    hourly = bot_month(one_read, TickUsage(), TickUsage(read_units=0.5), interval_minutes=60, trading_share=0.0)
    assert hourly["DynamoDB reads"] == pytest.approx(720 * 1.5 * 0.125e-6)


def test_an_idle_stage_costs_what_exists_plus_what_runs_every_minute() -> None:
    counts = {"kms_keys": 1, "secrets": 1, "alarms": 9, "dashboards": 1, "web_acls": 1, "waf_rules": 3,
              "sqs_polled_queues": 3, "idle_metrics": 2}  # fmt: skip
    lines = idle_stage(counts, TickUsage(lambda_gb_seconds=0.1, lambda_requests=1))
    assert lines["CloudWatch alarms"] == pytest.approx(0.9) and lines["WAF web ACL and rules"] == 8.0
    assert lines["dispatcher, every minute"] == pytest.approx(43_200 * (0.1 * 0.0000166667 + 0.2e-6))
    assert sqs_idle_polling_requests(1) == 5 * 3 * 43_200
    assert lines["SQS pollers on empty queues"] == pytest.approx(3 * 648_000 * 0.4e-6)
    assert fixed_egress(2) == pytest.approx(2 * (0.045 + 0.005) * 720)


def _usage(rru: float, wru: float) -> Usage:
    usage = Usage()
    usage.rru, usage.wru = rru, wru
    return usage


def test_shard_claims_are_the_stages_cost_not_the_bots() -> None:
    """A dispatch claims and queries every shard of each interval due that minute, bots or not: a minute when
    5m bars close too claims twice the keys. A bot pays only what its own index entry and message add."""
    idle = Measured(_usage(8.0, 16.0), 0.2, 900)  # 16 keys: 0.5 RRU and 1 WRU each
    result = Result(bots=10, idle_minute=idle, idle_shards=16)
    result.dispatches = [(10, Measured(_usage(17.0, 32.0), 0.3, 900)), (10, Measured(_usage(8.5, 16.0), 0.25, 900))]
    result.dispatch_shards = [32, 16]
    per_bot = result.dispatch_per_tick()
    assert per_bot.write_units == 0.0 and per_bot.read_units == pytest.approx(1.5 / 20)
    minute = result.idle_dispatcher_minute()
    # An average minute of a day: 1m bars every minute, 5m a fifth of them, ... 1d once a day.
    assert shards_per_minute() == pytest.approx(1 + 1 / 5 + 1 / 15 + 1 / 60 + 1 / 240 + 1 / 1440)
    assert minute.write_units == pytest.approx(16 * shards_per_minute())
    assert minute.read_units == pytest.approx(8 * shards_per_minute())


def test_docs_cost_md_lists_the_prices_the_model_uses() -> None:
    doc = (REPO / "docs" / "cost.md").read_text()
    for name, value in PRICES.items():
        row = re.search(rf"^\|[^|\n]*\|\s*`{name}`\s*\|\s*([0-9.]+)\s*\|", doc, flags=re.M)
        assert row, f"docs/cost.md has no price row for {name}"
        assert float(row.group(1)) == value, name


@pytest.fixture
def dynamo(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    import boto3
    from moto import mock_aws

    for var in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_DYNAMODB"):
        monkeypatch.delenv(var, raising=False)
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        # Another test of the same worker may keep moto's backends alive (a server started in this process), and
        # then the last test's table is still there.
        if "t" in client.list_tables()["TableNames"]:
            client.delete_table(TableName="t")
        client.create_table(
            TableName="t", BillingMode="PAY_PER_REQUEST",
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": name, "AttributeType": "S"} for name in ("pk", "g")],
            GlobalSecondaryIndexes=[{"IndexName": "by_g", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                                     "Projection": {"ProjectionType": "KEYS_ONLY"}}],
        )  # fmt: skip
        yield client


def test_the_meter_bills_writes_on_the_larger_image_and_failed_conditions_too(dynamo: Any) -> None:
    meter = Meter()
    big = {"pk": {"S": "a"}, "v": {"S": "x" * 1500}}  # 2 + 1 + 1 + 1500 bytes: 2 write units
    with meter.metering():
        dynamo.put_item(TableName="t", Item=big)
        assert meter.take().wru == 2.0
        dynamo.put_item(TableName="t", Item={"pk": {"S": "a"}})  # replaces a 1.5 KB item: still 2 units
        assert meter.take().wru == 2.0
        with pytest.raises(dynamo.exceptions.ConditionalCheckFailedException):
            dynamo.put_item(TableName="t", Item=big, ConditionExpression="attribute_not_exists(pk)")
        assert meter.take().wru == 1.0
        dynamo.transact_write_items(TransactItems=[{"Put": {"TableName": "t", "Item": {**big, "pk": {"S": "b"}}}}])
        assert meter.take().wru == 4.0  # transactional: double
        dynamo.put_item(TableName="t", Item={"pk": {"S": "c"}, "g": {"S": "k"}})  # enters the index: +1
        assert meter.take().wru == 2.0
        dynamo.get_item(TableName="t", Key={"pk": {"S": "b"}})
        assert meter.take().rru == 0.5  # eventually consistent, under 4 KB
        dynamo.batch_get_item(
            RequestItems={"t": {"Keys": [{"pk": {"S": "b"}}, {"pk": {"S": "zz"}}], "ConsistentRead": True}}
        )
        usage = meter.take()
        assert usage.rru == 2.0 and usage.calls["dynamodb:BatchGetItem"] == 1  # a missing key costs the minimum


def test_the_meter_counts_a_tagged_threads_calls_under_its_tag(dynamo: Any) -> None:
    # GIVEN a batch's records running on threads at once, each inside `tagged(<its message id>)`
    import threading

    meter = Meter()
    start = threading.Barrier(3, timeout=10)

    def record(tag: str, writes: int) -> None:
        with meter.tagged(tag):
            start.wait()
            for i in range(writes):
                dynamo.put_item(TableName="t", Item={"pk": {"S": f"{tag}-{i}"}})

    with meter.metering():
        threads = [threading.Thread(target=record, args=(tag, n)) for tag, n in (("m0", 1), ("m1", 3))]
        for thread in threads:
            thread.start()
        start.wait()
        dynamo.get_item(TableName="t", Key={"pk": {"S": "untagged"}})  # the invocation's own call
        for thread in threads:
            thread.join()
    # THEN each record's calls are its own, and a call outside any record is the untagged usage
    tagged = meter.take_tagged()
    assert {tag: (u.wru, u.calls["dynamodb:PutItem"]) for tag, u in tagged.items()} == {"m0": (1.0, 1), "m1": (3.0, 3)}
    untagged = meter.take()
    assert untagged.rru == 0.5 and untagged.dynamo_calls() == 1 and meter.take_tagged() == {}


def test_the_idle_minute_counts_keys_per_interval_whatever_minute_it_fell_on() -> None:
    """An idle dispatch at 00:05 claims 1m's and 5m's shards: 32 keys over two intervals, 16 per interval."""
    assert due_intervals(1_767_225_600_000 + 5 * 60_000) == 2 and due_intervals(1_767_225_600_000 + 60_000) == 1
    assert due_intervals(1_767_225_600_000) == len(("1m", "5m", "15m", "1h", "4h", "1d"))
    result = Result(bots=0, idle_minute=Measured(_usage(16.0, 32.0), 0.2, 900), idle_shards=32, idle_intervals=2)
    assert result.idle_dispatcher_minute().write_units == pytest.approx(16 * shards_per_minute())


def _tick(calls: int, rru: float, wru: float) -> Measured:
    usage = _usage(rru, wru)
    usage.calls["dynamodb:BatchGetItem"] = 1
    usage.calls["dynamodb:PutItem"] = calls - 1
    return Measured(usage, 0.01, 100)


def test_a_bot_of_15_minute_bars_or_longer_writes_its_heartbeat_on_every_quiet_tick() -> None:
    result = Result(bots=1, idle_minute=Measured(_usage(0, 0), 0.0, 0))
    result.quiet = [_tick(1, 2.0, 0.0)] * 14 + [_tick(2, 2.0, 1.0)]  # one heartbeat in 15 one-minute ticks
    result.trading = [_tick(4, 2.0, 12.0)]
    months = month_columns(result, trading_share=0.05)
    price = 0.625e-6
    # 1m: one quiet tick in 15 writes 1 unit; 15m: every quiet tick does. Trading ticks write 12 units in both.
    assert months["1m bot"]["DynamoDB writes"] == pytest.approx(43_200 * (0.95 / 15 + 0.05 * 12) * price)
    assert months["15m bot"]["DynamoDB writes"] == pytest.approx(2_880 * (0.95 * 1 + 0.05 * 12) * price)


def test_the_resting_column_uses_the_share_of_the_grids_ticks_that_filled() -> None:
    result = Result(bots=1, idle_minute=Measured(_usage(0, 0), 0.0, 0))
    result.quiet, result.trading = [_tick(1, 2.0, 0.0)], [_tick(4, 2.0, 12.0)]
    result.resting_quiet = [_tick(3, 3.0, 0.0)] * 4
    result.resting_trading = [_tick(21, 7.0, 100.0)]
    assert resting_share(result) == pytest.approx(0.2)
    writes = month_columns(result, trading_share=0.05)["1m resting"]["DynamoDB writes"]
    assert writes == pytest.approx(43_200 * 0.2 * 100 * 0.625e-6)
