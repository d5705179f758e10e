"""GIVEN a Chalice app with an SQS handler WHEN the local poller feeds it THEN the handler gets Lambda's
SQS event and context, successes are deleted, reported failures and raised batches come back after the
visibility timeout, and after maxReceiveCount receives moto's redrive moves the message to the DLQ."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable
from typing import Any

import boto3
import pytest
from chalice import Chalice

from infra.local.functions import ContextFactory
from infra.local.sqs_poller import SqsPoller, failed_ids, sqs_sources
from tests.integration.local.conftest import unique

VISIBILITY_S = 1


@pytest.fixture()
def sqs(moto_endpoint: str) -> Any:
    return boto3.client("sqs", endpoint_url=moto_endpoint, region_name="us-east-1")


@pytest.fixture()
def queues(sqs: Any) -> tuple[str, str, str]:
    name = unique("lrt-q-")
    dlq_url = sqs.create_queue(QueueName=f"{name}-dlq")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    redrive = json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 3})
    url = sqs.create_queue(
        QueueName=name, Attributes={"VisibilityTimeout": str(VISIBILITY_S), "RedrivePolicy": redrive}
    )["QueueUrl"]
    return name, url, dlq_url


def _app(queue: str, behaviour: Callable[[list[Any]], Any]) -> tuple[Chalice, list[tuple[dict[str, Any], Any]]]:
    app = Chalice(app_name="lrt")
    seen: list[tuple[dict[str, Any], Any]] = []

    @app.middleware("all")
    def capture(event: Any, get_response: Callable[[Any], Any]) -> Any:
        seen.append((event.to_dict(), event.context))
        return get_response(event)

    @app.on_sqs_message(queue=queue, batch_size=10)
    def consume(event: Any) -> Any:
        return behaviour(list(event))

    return app, seen


def _poller(sqs: Any, app: Chalice) -> SqsPoller:
    (source,) = sqs_sources(app)
    return SqsPoller(sqs, source, ContextFactory("lrt", "dev"), wait_s=0)


def _drain(poller: SqsPoller, until: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not until():
        assert time.monotonic() < deadline, "timed out"
        poller.poll_once(wait_s=1)


def _count(sqs: Any, url: str) -> int:
    attrs = sqs.get_queue_attributes(
        QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    )["Attributes"]
    return int(attrs["ApproximateNumberOfMessages"]) + int(attrs["ApproximateNumberOfMessagesNotVisible"])


def test_handler_gets_a_lambda_shaped_event_and_context(sqs: Any, queues: tuple[str, str, str]) -> None:
    name, url, _ = queues
    app, seen = _app(name, lambda records: None)
    sent = sqs.send_message(
        QueueUrl=url,
        MessageBody='{"bot_id": "b1"}',
        MessageAttributes={
            "kind": {"DataType": "String", "StringValue": "tick"},
            "raw": {"DataType": "Binary", "BinaryValue": b"\x01\x02"},
        },
    )
    poller = _poller(sqs, app)

    assert poller.source.handler is app.handler_map["consume"]
    _drain(poller, lambda: bool(seen))

    event, context = seen[0]
    (record,) = event["Records"]
    assert record["messageId"] == sent["MessageId"]
    assert record["body"] == '{"bot_id": "b1"}'
    assert record["receiptHandle"]
    assert record["eventSource"] == "aws:sqs"
    assert record["eventSourceARN"] == f"arn:aws:sqs:us-east-1:123456789012:{name}"
    assert record["awsRegion"] == "us-east-1"
    assert record["md5OfBody"] == sent["MD5OfMessageBody"]
    assert record["attributes"]["ApproximateReceiveCount"] == "1"
    assert {"SentTimestamp", "SenderId", "ApproximateFirstReceiveTimestamp"} <= set(record["attributes"])
    assert record["messageAttributes"]["kind"] == {
        "stringValue": "tick",
        "stringListValues": [],
        "binaryListValues": [],
        "dataType": "String",
    }
    assert base64.b64decode(record["messageAttributes"]["raw"]["binaryValue"]) == b"\x01\x02"
    assert context.function_name == "lrt-dev-consume"
    assert context.memory_limit_in_mb == 128
    assert len(context.aws_request_id) == 36
    assert 0 < context.get_remaining_time_in_millis() <= 60_000
    assert context.invoked_function_arn == "arn:aws:lambda:us-east-1:123456789012:function:lrt-dev-consume"
    assert _count(sqs, url) == 0


def test_reported_failure_is_redelivered_and_dead_lettered_after_three_receives(
    sqs: Any, queues: tuple[str, str, str]
) -> None:
    name, url, dlq_url = queues

    def fail_some(records: list[Any]) -> dict[str, Any]:
        return {
            "batchItemFailures": [{"itemIdentifier": r.to_dict()["messageId"]} for r in records if r.body == "fail"]
        }

    app, seen = _app(name, fail_some)
    for body in ("ok-1", "fail", "ok-2"):
        sqs.send_message(QueueUrl=url, MessageBody=body)
    poller = _poller(sqs, app)

    def bodies() -> list[str]:
        return [r["body"] for event, _ in seen for r in event["Records"]]

    _drain(poller, lambda: {"ok-1", "ok-2", "fail"} <= set(bodies()))
    assert _count(sqs, url) == 1  # only the failure is kept
    _drain(poller, lambda: bodies().count("fail") == 3)
    receive_counts = [
        r["attributes"]["ApproximateReceiveCount"] for e, _ in seen for r in e["Records"] if r["body"] == "fail"
    ]
    assert receive_counts == ["1", "2", "3"]

    time.sleep(VISIBILITY_S + 0.1)
    assert poller.poll_once(wait_s=0) == 0  # the 4th receive redrives instead of delivering
    dead = sqs.receive_message(QueueUrl=dlq_url, WaitTimeSeconds=1)["Messages"]
    assert [m["Body"] for m in dead] == ["fail"]
    assert sorted(bodies()) == ["fail", "fail", "fail", "ok-1", "ok-2"]


def test_a_raising_handler_keeps_the_whole_batch(sqs: Any, queues: tuple[str, str, str]) -> None:
    name, url, _ = queues
    calls: list[list[str]] = []

    def boom(records: list[Any]) -> None:
        calls.append([r.body for r in records])
        if len(calls) == 1:
            raise RuntimeError("boom")

    app, _ = _app(name, boom)
    sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": "1", "MessageBody": "a"}, {"Id": "2", "MessageBody": "b"}])
    poller = _poller(sqs, app)

    _drain(poller, lambda: bool(calls))
    assert sorted(calls[0]) == ["a", "b"]
    assert _count(sqs, url) == 2  # in flight, not deleted
    _drain(poller, lambda: sum(len(c) for c in calls) >= 4)
    assert sorted(b for c in calls[1:] for b in c) == ["a", "b"]
    assert _count(sqs, url) == 0


@pytest.mark.parametrize(
    ("response", "kept"),
    [
        (None, set()),
        ({}, set()),
        ({"batchItemFailures": []}, set()),
        ({"batchItemFailures": [{"itemIdentifier": "m2"}]}, {"m2"}),
        ({"batchItemFailures": [{"itemIdentifier": ""}]}, {"m1", "m2"}),
        ({"batchItemFailures": [{"itemIdentifier": None}]}, {"m1", "m2"}),
        ({"batchItemFailures": [{"itemIdentifier": "not-in-batch"}]}, {"m1", "m2"}),
        ({"batchItemFailures": [{"id": "m1"}]}, {"m1", "m2"}),
        ({"batchItemFailures": "m1"}, {"m1", "m2"}),
    ],
)
def test_partial_batch_response_is_judged_like_lambda(response: Any, kept: set[str]) -> None:
    assert failed_ids(response, ["m1", "m2"]) == kept


def test_started_poller_consumes_until_stopped(sqs: Any, queues: tuple[str, str, str]) -> None:
    name, url, _ = queues
    app, seen = _app(name, lambda records: None)
    (source,) = sqs_sources(app)
    poller = SqsPoller(sqs, source, ContextFactory("lrt", "dev"), wait_s=1, concurrency=2)
    poller.start()
    try:
        sqs.send_message(QueueUrl=url, MessageBody="x")
        deadline = time.monotonic() + 5
        while not seen:
            assert time.monotonic() < deadline
            time.sleep(0.02)
    finally:
        started = time.monotonic()
        poller.stop(timeout=5)
    assert time.monotonic() - started < 2.5
    assert _count(sqs, url) == 0
