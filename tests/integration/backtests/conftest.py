"""Backtests on moto: the real app and handlers, a hand-set clock, and a small sync threshold (6,000 bars)
so both the immediate and the queued path run on small data."""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest

from chalicelib import bootstrap
from chalicelib.config import settings
from chalicelib.domain.clock import ManualClock
from tests.integration.api.helpers import call, signup
from tests.sqs_events import sqs_event

NOW_MS = 1_767_225_600_000  # 2026-01-01T00:00:00Z
SYNC_BARS = 6_000


@dataclass
class Lab:
    api: Any
    clock: ManualClock
    queue_url: str

    @property
    def sqs(self) -> Any:
        return boto3.client("sqs", region_name="us-east-1")

    def receive(self) -> list[dict[str, Any]]:
        got: list[dict[str, Any]] = self.sqs.receive_message(
            QueueUrl=self.queue_url, MaxNumberOfMessages=10, AttributeNames=["All"], VisibilityTimeout=0
        ).get("Messages", [])
        return got

    def deliver(self, messages: list[dict[str, Any]], receive_count: int | None = None) -> dict[str, Any]:
        """Hand messages to the real SQS handler, one record per event (the function's batch size is 1)."""
        from chalicelib import workers

        arn = self.sqs.get_queue_attributes(QueueUrl=self.queue_url, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        failures: list[dict[str, str]] = []
        for m in messages:
            result = workers.run_jobs(sqs_event([m], arn, receive_count))
            failures += result.get("batchItemFailures", [])
        return {"batchItemFailures": failures}

    def drain_jobs(self, max_rounds: int = 20) -> int:
        """Run every queued job through workers.run_jobs; delete what succeeded."""
        handled = 0
        for _ in range(max_rounds):
            got = self.receive()
            if not got:
                break
            failed = {f["itemIdentifier"] for f in self.deliver(got)["batchItemFailures"]}
            for m in got:
                if m["MessageId"] not in failed:
                    self.sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=m["ReceiptHandle"])
                    handled += 1
            if failed:
                break
        return handled

    def purge(self) -> None:
        while got := self.receive():
            for m in got:
                self.sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=m["ReceiptHandle"])

    def send_raw(self, body: dict[str, Any]) -> None:
        self.sqs.send_message(QueueUrl=self.queue_url, MessageBody=json.dumps(body))

    def user(self) -> dict[str, Any]:
        return signup(self.api)

    def call(self, method: str, path: str, body: Any = None, token: str | None = None) -> tuple[int, Any]:
        status, data, _ = call(self.api, method, path, body, token)
        return status, data


@pytest.fixture()
def lab(aws: dict[str, str]) -> Iterator[Lab]:
    from chalice.test import Client

    from app import app

    clock = ManualClock(NOW_MS)
    base = settings()
    cfg = dataclasses.replace(base, extra={**base.extra, "TRADEBOT_BACKTEST_SYNC_BARS": str(SYNC_BARS)})
    bootstrap.use(bootstrap.Container(cfg, clock=clock))
    with Client(app, stage_name="dev") as client:
        os.environ["STAGE"] = "test"
        lab = Lab(api=client.http, clock=clock, queue_url=aws.get("JobsQueueUrl") or base.jobs_queue_url)
        lab.purge()
        yield lab
        lab.purge()
    bootstrap.use(None)


def range_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "strategy": "sma_cross",
        "params": {"fast": 5, "slow": 20},
        "risk": {},
        "symbol": "BTCUSDT",
        "interval": "1h",
        "start": "2025-11-01T00:00:00Z",
        "end": "2025-12-01T00:00:00Z",
        "fee": 0.001,
        "cash": 10000,
    }
    body.update(overrides)
    return body
