"""Feeds `@app.on_sqs_message` handlers the way Lambda's SQS event source mapping does.

Each poller long-polls one queue, hands the batch to the handler as a real SQS-shaped Lambda event, and
settles it like a mapping with `ReportBatchItemFailures`: a returned `batchItemFailures` list keeps exactly
those records (everything else is deleted), an exception keeps the whole batch, and kept records come
back after the queue's visibility timeout. Moving a record to the dead-letter queue after
`maxReceiveCount` receives is the queue's redrive policy, which moto applies on receive, as SQS does.
"""

from __future__ import annotations

import base64
import logging
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from chalice import Chalice
from chalice.app import SQSEventConfig

from infra.local.functions import Handler, handler_for

log = logging.getLogger("infra.local.sqs")

_MAX_RECEIVE = 10


@dataclass(frozen=True)
class SqsSource:
    name: str
    queue_name: str
    batch_size: int
    handler: Handler


def sqs_sources(app: Chalice) -> list[SqsSource]:
    """Every SQS event source the app registers, whatever its handler is called."""
    sources = []
    for config in app.event_sources:
        if isinstance(config, SQSEventConfig):
            queue = config.queue or (config.queue_arn or "").rsplit(":", 1)[-1]
            sources.append(SqsSource(config.name, queue, config.batch_size, handler_for(app, config.name)))
    return sources


def _message_attribute(value: dict[str, Any]) -> dict[str, Any]:
    converted: dict[str, Any] = {"stringListValues": [], "binaryListValues": [], "dataType": value["DataType"]}
    if "StringValue" in value:
        converted["stringValue"] = value["StringValue"]
    if "BinaryValue" in value:
        converted["binaryValue"] = base64.b64encode(value["BinaryValue"]).decode("ascii")
    return converted


def lambda_record(message: dict[str, Any], queue_arn: str, region: str) -> dict[str, Any]:
    """One received SQS message in the shape Lambda puts in `event["Records"]`."""
    record: dict[str, Any] = {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": {k: str(v) for k, v in message.get("Attributes", {}).items()},
        "messageAttributes": {k: _message_attribute(v) for k, v in message.get("MessageAttributes", {}).items()},
        "md5OfBody": message.get("MD5OfBody", ""),
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": region,
    }
    if "MD5OfMessageAttributes" in message:
        record["md5OfMessageAttributes"] = message["MD5OfMessageAttributes"]
    return record


def failed_ids(response: Any, batch_ids: Iterable[str]) -> set[str]:
    """The message ids a handler's return value asks to keep, judged as Lambda judges a partial batch
    response: no response, no list or an empty list is full success; a malformed entry or an id that is
    not in the batch fails the whole batch."""
    ids = set(batch_ids)
    if not isinstance(response, dict) or not response.get("batchItemFailures"):
        return set()
    failures = response["batchItemFailures"]
    if not isinstance(failures, list):
        return ids
    kept = set()
    for failure in failures:
        item = failure.get("itemIdentifier") if isinstance(failure, dict) else None
        if not isinstance(item, str) or item not in ids:
            log.warning("invalid batchItemFailures entry %r: the whole batch is retried", failure)
            return ids
        kept.add(item)
    return kept


class SqsPoller:
    """One long-polling consumer of one queue. `poll_once` is the whole cycle (receive, invoke, settle);
    `start` runs it on `concurrency` threads until `stop`."""

    def __init__(
        self,
        sqs: Any,
        source: SqsSource,
        contexts: Callable[[str], Any],
        region: str = "us-east-1",
        wait_s: int = 2,
        concurrency: int = 1,
    ) -> None:
        self._sqs = sqs
        self.source = source
        self._contexts = contexts
        self._region = region
        self._wait_s = wait_s
        self._concurrency = concurrency
        self.queue_url = sqs.get_queue_url(QueueName=source.queue_name)["QueueUrl"]
        attrs = sqs.get_queue_attributes(QueueUrl=self.queue_url, AttributeNames=["QueueArn"])["Attributes"]
        self.queue_arn = attrs["QueueArn"]
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def poll_once(self, wait_s: int | None = None) -> int:
        """Receive one batch, invoke the handler, delete what succeeded. Returns the batch size."""
        messages = self._sqs.receive_message(
            QueueUrl=self.queue_url,
            MaxNumberOfMessages=max(1, min(self.source.batch_size, _MAX_RECEIVE)),
            WaitTimeSeconds=self._wait_s if wait_s is None else wait_s,
            MessageSystemAttributeNames=["All"],
            MessageAttributeNames=["All"],
        ).get("Messages", [])
        if messages:
            self._invoke(messages)
        return len(messages)

    def _invoke(self, messages: list[dict[str, Any]]) -> None:
        event = {"Records": [lambda_record(m, self.queue_arn, self._region) for m in messages]}
        context = self._contexts(self.source.name)
        try:
            response = self.source.handler(event, context)
        except Exception:
            log.exception(
                "%s failed: its %d message(s) return after the visibility timeout", self.source.name, len(messages)
            )
            return
        keep = failed_ids(response, (m["MessageId"] for m in messages))
        done = [m for m in messages if m["MessageId"] not in keep]
        if keep:
            log.info("%s reported %d of %d message(s) failed", self.source.name, len(keep), len(messages))
        self._delete(done)

    def _delete(self, messages: list[dict[str, Any]]) -> None:
        for start in range(0, len(messages), _MAX_RECEIVE):
            chunk = messages[start : start + _MAX_RECEIVE]
            entries = [{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(chunk)]
            result = self._sqs.delete_message_batch(QueueUrl=self.queue_url, Entries=entries)
            for failure in result.get("Failed", []):
                log.warning("could not delete a message from %s: %s", self.source.queue_name, failure)

    def start(self) -> None:
        for index in range(self._concurrency):
            thread = threading.Thread(target=self._run, name=f"sqs-{self.source.name}-{index}", daemon=True)
            thread.start()
            self._threads.append(thread)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.poll_once()
            except Exception:
                # The embedded AWS going away at shutdown, or a transient error: back off, keep polling.
                if not self._stop.is_set():
                    log.exception("polling %s failed", self.source.queue_name)
                self._stop.wait(1.0)

    def stop(self, timeout: float | None = None) -> None:
        """Stop polling; a batch in flight finishes and is settled first."""
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout)
