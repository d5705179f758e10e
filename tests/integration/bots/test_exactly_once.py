"""Exactly-once effects of a tick under at-least-once delivery, proven against moto: duplicates and
concurrent copies, a crash between order and save, an exchange outage (DLQ and bot error)."""

from __future__ import annotations

import json
import threading
from typing import Any

import boto3
import pytest

from chalicelib import bootstrap, workers
from chalicelib.domain.errors import ExchangeTemporaryError
from tests.integration.bots.conftest import Platform, bot_body, sqs_event

DCA = {"strategy": "dca", "params": {"base_order_quote": 100, "take_profit_pct": 50}}


def paper_orders(bot_id: str) -> list[dict[str, Any]]:
    table = boto3.resource("dynamodb", region_name="us-east-1").Table("tradebot-test-paper-accounts")
    items = table.query(KeyConditionExpression="account_id = :a", ExpressionAttributeValues={":a": bot_id})["Items"]
    return [i for i in items if str(i["sk"]).startswith("order#")]


def trades_of(platform: Platform, token: str, bot_id: str) -> list[dict[str, Any]]:
    status, page = platform.call("GET", f"/bots/{bot_id}/trades", None, token)
    assert status == 200
    return page["items"]


def started_bot(platform: Platform, **overrides: Any) -> tuple[str, str]:
    token = platform.user()["access_token"]
    status, bot = platform.call("POST", "/bots", bot_body(**{**DCA, **overrides}), token)
    assert status == 201, bot
    status, bot = platform.call("POST", f"/bots/{bot['id']}/start", None, token)
    assert status == 200
    return token, bot["id"]


def dispatched_messages(platform: Platform) -> list[dict[str, Any]]:
    platform.clock.advance(60_000)
    workers.dispatch()
    got: list[dict[str, Any]] = []
    # The whole minute: earlier tests' bots still run, and fair dispatch interleaves their users with ours.
    while batch := platform.sqs.receive_message(
        QueueUrl=platform.outputs["TickQueueUrl"], MaxNumberOfMessages=10, AttributeNames=["All"]
    ).get("Messages", []):
        for m in batch:
            platform.sqs.delete_message(QueueUrl=platform.outputs["TickQueueUrl"], ReceiptHandle=m["ReceiptHandle"])
        got += batch
    return got


def deliver(message: dict[str, Any]) -> dict[str, Any]:
    return workers.run_ticks(sqs_event([message], "arn:aws:sqs:us-east-1:123456789012:tradebot-test-ticks"))


def test_same_tick_three_times_two_concurrently_gives_one_order_and_one_trade(platform):
    token, bot_id = started_bot(platform)
    messages = dispatched_messages(platform)
    mine = [m for m in messages if json.loads(m["Body"])["bot_id"] == bot_id]
    assert len(mine) == 1
    barrier = threading.Barrier(2)
    results: list[dict[str, Any]] = []

    def run() -> None:
        barrier.wait()
        results.append(deliver(mine[0]))

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    results.append(deliver(mine[0]))
    assert all(r == {"batchItemFailures": []} for r in results)
    assert len(paper_orders(bot_id)) == 1
    trades = trades_of(platform, token, bot_id)
    assert len(trades) == 1 and trades[0]["side"] == "BUY"


def test_crash_between_order_and_save_is_repaired_on_redelivery(platform, monkeypatch):
    token, bot_id = started_bot(platform)
    message = next(m for m in dispatched_messages(platform) if json.loads(m["Body"])["bot_id"] == bot_id)
    states = bootstrap.container().ports.states
    real = states.put_with_trades
    crashed = []

    def crash_once(*args: Any, **kwargs: Any) -> None:
        if not crashed:
            crashed.append(True)
            raise RuntimeError("worker killed after the order, before the save")
        real(*args, **kwargs)

    monkeypatch.setattr(states, "put_with_trades", crash_once)
    first = deliver(message)
    assert first["batchItemFailures"] == [{"itemIdentifier": message["MessageId"]}]
    assert len(paper_orders(bot_id)) == 1  # the order went out
    assert trades_of(platform, token, bot_id) == []  # ...but nothing was recorded
    second = deliver(message)
    assert second == {"batchItemFailures": []}
    assert len(paper_orders(bot_id)) == 1
    trades = trades_of(platform, token, bot_id)
    assert len(trades) == 1
    status, bot = platform.call("GET", f"/bots/{bot_id}", None, token)
    assert bot["state"]["in_position"] is True and bot["state"]["trades_count"] == 1


def test_exchange_outage_goes_to_dlq_after_three_receives_and_bot_to_error(platform, monkeypatch):
    token, bot_id = started_bot(platform)
    container = bootstrap.container()

    def outage(*args: Any, **kwargs: Any) -> Any:
        raise ExchangeTemporaryError("exchange unreachable", code="exchange_timeout")

    monkeypatch.setattr(container.market, "closed_candles", outage)
    monkeypatch.setattr(container.ports.candles, "get_or_fetch", lambda *a, **k: outage())
    sqs, queue, dlq = platform.sqs, platform.outputs["TickQueueUrl"], platform.outputs["TickDeadLetterQueueUrl"]
    platform.clock.advance(60_000)
    workers.dispatch()
    receives = 0
    for _ in range(6):
        mine = []
        # Other tests' bots tick in the same minute; fair dispatch may put this bot's tick anywhere in it.
        while not mine and (
            got := sqs.receive_message(
                QueueUrl=queue, MaxNumberOfMessages=10, VisibilityTimeout=0, AttributeNames=["All"]
            ).get("Messages", [])
        ):
            for m in got:
                if json.loads(m["Body"])["bot_id"] == bot_id:
                    mine.append(m)
                else:
                    sqs.delete_message(QueueUrl=queue, ReceiptHandle=m["ReceiptHandle"])
        if not mine:
            break
        receives += 1
        result = deliver(mine[0])
        assert result["batchItemFailures"]  # failed: left on the queue for redelivery
    assert receives == 3
    parked = sqs.receive_message(QueueUrl=dlq, MaxNumberOfMessages=10).get("Messages", [])
    assert any(json.loads(m["Body"])["bot_id"] == bot_id for m in parked)
    status, bot = platform.call("GET", f"/bots/{bot_id}", None, token)
    assert bot["status"] == "running" and bot["state"]["consecutive_failures"] == 3
    # Two more failed ticks make five in a row: the bot stops with a readable reason.
    for _ in range(2):
        platform.clock.advance(60_000)
        workers.dispatch()
        # The whole minute's batch: earlier tests' bots still run, and dispatch interleaves users fairly, so
        # this bot's tick need not be among the first ten messages.
        while got := sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10, VisibilityTimeout=0).get(
            "Messages", []
        ):
            for m in got:
                if json.loads(m["Body"])["bot_id"] == bot_id:
                    deliver(m)
                sqs.delete_message(QueueUrl=queue, ReceiptHandle=m["ReceiptHandle"])
    status, bot = platform.call("GET", f"/bots/{bot_id}", None, token)
    assert bot["status"] == "error"
    assert "5 ticks in a row failed" in bot["status_reason"] and "exchange unreachable" in bot["status_reason"]
    assert paper_orders(bot_id) == []


def test_rejection_stops_the_bot_instead_of_retrying(platform, monkeypatch):
    from chalicelib.domain.errors import ExchangeRejected

    token, bot_id = started_bot(platform)
    factory = bootstrap.container().exchanges
    real_for_bot = factory.for_bot

    class Refusing:
        def __init__(self, inner: Any) -> None:
            self._inner = inner

        def __getattr__(self, name: str) -> Any:
            return getattr(self._inner, name)

        def place_order(self, request: Any) -> Any:
            raise ExchangeRejected("Account has insufficient balance for requested action.", exchange_code=-2010)

    monkeypatch.setattr(factory, "for_bot", lambda config: Refusing(real_for_bot(config)))
    message = next(m for m in dispatched_messages(platform) if json.loads(m["Body"])["bot_id"] == bot_id)
    assert deliver(message) == {"batchItemFailures": []}
    status, bot = platform.call("GET", f"/bots/{bot_id}", None, token)
    assert bot["status"] == "error"
    assert "insufficient balance" in bot["status_reason"] and "-2010" in bot["status_reason"]
    status, notes = platform.call("GET", "/notifications", None, token)
    assert status == 200


@pytest.mark.parametrize("copies", [5])
def test_many_concurrent_copies_still_one_order(platform, copies):
    token, bot_id = started_bot(platform)
    message = next(m for m in dispatched_messages(platform) if json.loads(m["Body"])["bot_id"] == bot_id)
    barrier = threading.Barrier(copies)
    errors: list[BaseException] = []

    def run() -> None:
        barrier.wait()
        try:
            deliver(message)
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(copies)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    # Copies that lost a race may have been reported failed; SQS would redeliver them: do so.
    deliver(message)
    assert len(paper_orders(bot_id)) == 1
    assert len(trades_of(platform, token, bot_id)) == 1


def test_a_rejected_leg_still_books_the_legs_filled_before_it(platform, monkeypatch):
    from dataclasses import replace

    from chalicelib.domain.bots import PendingOrder, client_order_id
    from chalicelib.domain.errors import ExchangeRejected

    token, bot_id = started_bot(platform)
    message = next(m for m in dispatched_messages(platform) if json.loads(m["Body"])["bot_id"] == bot_id)
    tick_at = json.loads(message["Body"])["tick_at"]
    container = bootstrap.container()
    states = container.ports.states
    state = states.get(bot_id)
    legs = tuple(
        PendingOrder(client_order_id(bot_id, tick_at, leg), leg, "BUY", "safety_order", "100", None)
        for leg in ("safety_1", "safety_2")
    )
    from decimal import Decimal

    pending = replace(
        state,
        version=state.version + 1,
        pending=legs,
        pending_tick_at=tick_at,
        last_price=Decimal("30000"),
        cash=Decimal("1000"),
        budget_seen=Decimal("1000"),
    )
    states.put(pending, expected_version=state.version)
    factory = container.exchanges
    real_for_bot = factory.for_bot
    calls = []

    class SecondRefused:
        def __init__(self, inner: Any) -> None:
            self._inner = inner

        def __getattr__(self, name: str) -> Any:
            return getattr(self._inner, name)

        def place_order(self, request: Any) -> Any:
            calls.append(request.client_order_id)
            if len(calls) == 2:
                raise ExchangeRejected("Filter failure: NOTIONAL", exchange_code=-1013)
            return self._inner.place_order(request)

    monkeypatch.setattr(factory, "for_bot", lambda config: SecondRefused(real_for_bot(config)))
    assert deliver(message) == {"batchItemFailures": []}
    assert len(paper_orders(bot_id)) == 1
    trades = trades_of(platform, token, bot_id)
    assert [t["id"] for t in trades] == [legs[0].client_order_id]
    status, bot = platform.call("GET", f"/bots/{bot_id}", None, token)
    assert bot["status"] == "error" and "-1013" in bot["status_reason"]
    assert bot["state"]["in_position"] is True and bot["state"]["trades_count"] == 1
