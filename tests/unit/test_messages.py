"""Queue messages are typed once and parsed whole: a body that does not fit is refused before any work."""

from __future__ import annotations

import hashlib
import json
import logging
from typing import Any

import pytest

from chalicelib import workers
from chalicelib.services.messages import (
    BacktestJobMessage,
    MalformedMessage,
    NotificationMessage,
    TickMessage,
)
from tests.sqs_events import sqs_event

ARN = "arn:aws:sqs:us-east-1:123456789012:tradebot-test-q"


def _event(*bodies: str) -> dict[str, Any]:
    messages = [
        {"MessageId": f"m{i}", "ReceiptHandle": f"r{i}", "Body": b, "MD5OfBody": hashlib.md5(b.encode()).hexdigest()}  # noqa: S324
        for i, b in enumerate(bodies)
    ]
    return sqs_event(messages, ARN)


def test_what_a_producer_builds_its_consumer_reads_back() -> None:
    tick = TickMessage(user_id="u-1", bot_id="b1", tick_at=60_000, symbol="BTCUSDT", interval="1m")
    assert TickMessage.parse(json.dumps(tick.body())) == tick
    job = BacktestJobMessage(user_id="u-1", backtest_id="bt1")
    assert json.loads(json.dumps(job.body())) == {"kind": "backtest", "user_id": "u-1", "backtest_id": "bt1"}
    note = NotificationMessage(user_id="u-1", bot_id=None, kind="trade_opened", message="Bought", at=1)
    assert NotificationMessage.parse(json.dumps(note.body())) == note


def test_a_field_a_newer_producer_added_is_ignored() -> None:
    body = {"user_id": "u", "bot_id": "b", "tick_at": 1, "symbol": "BTCUSDT", "interval": "1m", "priority": 3}
    assert TickMessage.parse(json.dumps(body)).bot_id == "b"


@pytest.mark.parametrize(
    ("raw", "where"),
    [
        ("not json", "not JSON"),
        ("[]", "body"),
        (json.dumps({"bot_id": "b", "tick_at": 1}), "user_id"),
        (json.dumps({"user_id": "u", "bot_id": "b", "tick_at": "soon"}), "tick_at"),
        (json.dumps({"user_id": "u", "bot_id": "../etc", "tick_at": 1}), "bot_id"),
        (json.dumps({"user_id": "u", "bot_id": "b", "tick_at": -5}), "tick_at"),
    ],
)
def test_a_malformed_tick_is_refused_with_where_it_is_wrong(raw: str, where: str) -> None:
    with pytest.raises(MalformedMessage) as refused:
        TickMessage.parse(raw)
    assert where in str(refused.value)


def test_a_job_of_an_unknown_kind_is_refused() -> None:
    with pytest.raises(MalformedMessage, match="kind"):
        BacktestJobMessage.parse(json.dumps({"kind": "optimize", "user_id": "u", "backtest_id": "x"}))


@pytest.mark.parametrize(
    ("handler", "body"),
    [
        (workers.run_ticks, json.dumps({"bot_id": "b", "tick_at": 1})),
        (workers.run_jobs, json.dumps({"kind": "backtest", "user_id": "u"})),
        (workers.send_notifications, json.dumps({"user_id": "u", "message": "no kind"})),
    ],
)
def test_the_workers_fail_a_malformed_record_before_any_work_and_log_why(
    handler: Any, body: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def no_container() -> None:
        raise AssertionError("a malformed message reached the services")

    monkeypatch.setattr(workers, "container", no_container)
    caplog.set_level(logging.ERROR)
    result = handler(_event(body))
    assert result == {"batchItemFailures": [{"itemIdentifier": "m0"}]}  # SQS redelivers it, then the DLQ keeps it
    assert any("malformed message refused" in r.getMessage() for r in caplog.records)
