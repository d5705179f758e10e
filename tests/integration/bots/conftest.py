"""A platform on moto with a hand-driven clock: dispatch a minute, drain the tick queue through the real
SQS handler, look at what happened."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import boto3
import pytest

from chalicelib import bootstrap
from chalicelib.domain.clock import ManualClock
from tests.integration.api.helpers import call, signup
from tests.sqs_events import sqs_event

__all__ = ["Platform", "bot_body", "sqs_event"]

START_MS = 1_767_225_600_000  # 2026-01-01T00:00:00Z


@dataclass
class Platform:
    api: Any
    clock: ManualClock
    outputs: dict[str, str]
    results: list[dict[str, Any]] = field(default_factory=list)

    @property
    def sqs(self) -> Any:
        return boto3.client("sqs", region_name="us-east-1")

    def drain(self, queue_url: str, handler: Any, max_rounds: int = 50) -> int:
        arn = self.sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        handled = 0
        for _ in range(max_rounds):
            got = self.sqs.receive_message(
                QueueUrl=queue_url, MaxNumberOfMessages=10, AttributeNames=["All"], VisibilityTimeout=0
            ).get("Messages", [])
            if not got:
                break
            result = handler(sqs_event(got, arn))
            failed = {f["itemIdentifier"] for f in result.get("batchItemFailures", [])}
            self.results.append(result)
            for m in got:
                if m["MessageId"] not in failed:
                    self.sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=m["ReceiptHandle"])
                    handled += 1
            if failed:
                break
        return handled

    def minute(self, n: int = 1) -> None:
        """Advance n minutes; at each, dispatch and run every tick (and deliver notifications)."""
        from chalicelib import workers

        for _ in range(n):
            self.clock.advance(60_000)
            workers.dispatch()
            self.drain(self.outputs["TickQueueUrl"], workers.run_ticks)
            self.drain(self.outputs["NotifyQueueUrl"], workers.send_notifications)

    def user(self) -> dict[str, Any]:
        return signup(self.api)

    def call(self, method: str, path: str, body: Any = None, token: str | None = None) -> tuple[int, Any]:
        status, data, _ = call(self.api, method, path, body, token)
        return status, data


def _purge(outputs: dict[str, str]) -> None:
    sqs = boto3.client("sqs", region_name="us-east-1")
    for key in ("TickQueueUrl", "NotifyQueueUrl", "TickDeadLetterQueueUrl", "JobsQueueUrl"):
        if key not in outputs:
            continue
        # PurgeQueue is limited to once a minute: empty the queue by hand.
        while True:
            got = sqs.receive_message(QueueUrl=outputs[key], MaxNumberOfMessages=10, VisibilityTimeout=0)
            if not got.get("Messages"):
                break
            for m in got["Messages"]:
                sqs.delete_message(QueueUrl=outputs[key], ReceiptHandle=m["ReceiptHandle"])


@pytest.fixture()
def platform(aws: dict[str, str]) -> Iterator[Platform]:
    from chalice.test import Client

    from app import app

    clock = ManualClock(START_MS)
    outputs = {**aws}
    base = "https://sqs.us-east-1.amazonaws.com/123456789012/tradebot-test"
    outputs.setdefault("TickDeadLetterQueueUrl", f"{base}-ticks-dlq")
    _purge(outputs)
    bootstrap.use(bootstrap.Container(clock=clock))
    with Client(app, stage_name="dev") as client:
        import os

        os.environ["STAGE"] = "test"
        # Each test starts at its own later minute so dispatch claims from other tests never collide.
        # (hashlib, not hash(): string hashes change from run to run, and so would the market each test sees.)
        test_id = os.environ.get("PYTEST_CURRENT_TEST", "").rsplit(" ", 1)[0]
        day = int(hashlib.sha256(test_id.encode()).hexdigest()[:8], 16) % 10_000
        clock.set(START_MS + day * 86_400_000)
        yield Platform(api=client.http, clock=clock, outputs=outputs)
    bootstrap.use(None)


def bot_body(**overrides: Any) -> dict[str, Any]:
    body = {
        "name": "fast sma",
        "strategy": "sma_cross",
        "params": {"fast": 2, "slow": 5},
        "symbol": "BTCUSDT",
        "interval": "1m",
        "mode": "paper",
        "budget": "1000",
        "risk": {},
    }
    body.update(overrides)
    return body


def dumps(x: Any) -> str:
    return json.dumps(x)
