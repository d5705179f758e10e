"""SQS senders: ticks, jobs and notifications. SendMessageBatch, ten bodies a call."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from chalicelib.adapters.aws_clients import client
from chalicelib.adapters.aws_errors import AwsBoundary
from chalicelib.domain.clock import Clock
from chalicelib.domain.errors import Unavailable
from chalicelib.services.messages import NotificationMessage
from chalicelib.services.ports.bots import BotEvent


class SqsQueue(AwsBoundary):
    def __init__(self, queue_url: str) -> None:
        self._url = queue_url

    def send_batch(self, bodies: Sequence[dict[str, Any]]) -> int:
        calls = 0
        for start in range(0, len(bodies), 10):
            chunk = {str(i): json.dumps(b, separators=(",", ":")) for i, b in enumerate(bodies[start : start + 10])}
            for _ in range(3):
                calls += 1
                answer = client("sqs").send_message_batch(
                    QueueUrl=self._url, Entries=[{"Id": k, "MessageBody": v} for k, v in chunk.items()]
                )
                failed = {f["Id"] for f in answer.get("Failed", [])}
                chunk = {k: v for k, v in chunk.items() if k in failed}
                if not chunk:
                    break
            if chunk:
                raise Unavailable(f"SQS refused {len(chunk)} messages", code="queue_unavailable")
        return calls

    def send(self, body: dict[str, Any]) -> None:
        client("sqs").send_message(QueueUrl=self._url, MessageBody=json.dumps(body, separators=(",", ":")))


class SqsNotifier(AwsBoundary):
    """Bot events go to the notify queue; its consumer writes the in-app feed and calls webhooks, so a
    slow webhook never blocks a tick."""

    def __init__(self, queue: SqsQueue, clock: Clock) -> None:
        self._queue = queue
        self._clock = clock

    def publish(self, events: Sequence[BotEvent]) -> None:
        if events:
            self._queue.send_batch(
                [
                    NotificationMessage(
                        user_id=e.user_id,
                        bot_id=e.bot_id or None,
                        kind=e.kind,
                        message=e.message[:2000],
                        data=e.data,
                        at=self._clock.now_ms(),
                    ).body()
                    for e in events
                ]
            )
