"""What each AWS call a benchmark makes is billed as, computed from the request and the data it touched.

moto answers `ReturnConsumedCapacity` with constants (1 unit per key, 2 per transaction item, whatever the
item's size), so DynamoDB units are computed here by AWS's documented rules instead
(https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/read-write-operations.html and
.../CapacityUnitCalculations.html): an item's size is the UTF-8 length of its attribute names plus its
values; a read costs one unit per 4 KB (rounded up per item for Get/BatchGet, per call for Query/Scan), half
of that when eventually consistent; a write one unit per 1 KB of the larger of the item before and after;
every item of a transaction costs double; a global secondary index the item is in costs its own write.
SQS requests are billed per 64 KB chunk of payload; everything else is counted per request.
"""

from __future__ import annotations

import math
import threading
import time
from collections import Counter
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

READ_UNIT_BYTES = 4096
WRITE_UNIT_BYTES = 1024
SQS_CHUNK_BYTES = 65_536


def value_size(value: Mapping[str, Any]) -> int:
    """Bytes of one DynamoDB attribute value in wire form ({"S": ...}, {"N": ...}, {"M": {...}}, ...)."""
    ((kind, raw),) = value.items()
    if kind == "S":
        return len(str(raw).encode())
    if kind == "N":
        return number_size(str(raw))
    if kind == "B":
        return len(raw) if isinstance(raw, bytes | bytearray) else len(str(raw).encode())
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "SS":
        return sum(len(s.encode()) for s in raw)
    if kind == "NS":
        return sum(number_size(n) for n in raw)
    if kind == "BS":
        return sum(len(b) for b in raw)
    if kind == "L":
        return 3 + sum(1 + value_size(v) for v in raw)
    if kind == "M":
        return 3 + sum(1 + len(k.encode()) + value_size(v) for k, v in raw.items())
    raise ValueError(f"unknown DynamoDB type {kind}")


def number_size(text: str) -> int:
    """A number is stored as up to 38 significant digits, two per byte, plus one byte (AWS: "approximately
    (number of UTF-8-encoded bytes of attribute name) + (1 byte per two significant digits) + (1 byte)")."""
    digits = format(abs(Decimal(text)).normalize(), "f").replace(".", "").strip("0") or "0"
    return math.ceil(len(digits) / 2) + 1 + (1 if text.lstrip().startswith("-") else 0)


def item_size(item: Mapping[str, Any] | None) -> int:
    if not item:
        return 0
    return sum(len(name.encode()) + value_size(value) for name, value in item.items())


def read_units(size: int, consistent: bool, transactional: bool = False) -> float:
    """Units for reading `size` bytes in one rounding (an item, or a whole Query page)."""
    units = max(1, math.ceil(size / READ_UNIT_BYTES))
    if transactional:
        return 2.0 * units
    return float(units) if consistent else units / 2


def write_units(size: int, transactional: bool = False) -> float:
    units = max(1, math.ceil(size / WRITE_UNIT_BYTES))
    return float(units * (2 if transactional else 1))


def sqs_requests(payload_bytes: int) -> int:
    """A request carrying up to 64 KB is one billed request; each further 64 KB chunk is another."""
    return max(1, math.ceil(payload_bytes / SQS_CHUNK_BYTES))


def _message_bytes(entry: Mapping[str, Any]) -> int:
    size = len(str(entry.get("MessageBody", "")).encode())
    for name, attr in (entry.get("MessageAttributes") or {}).items():
        size += len(name.encode()) + len(str(attr.get("DataType", "")).encode())
        size += len(str(attr.get("StringValue", "")).encode()) + len(attr.get("BinaryValue", b""))
    return size


def sqs_billed(operation: str, params: Mapping[str, Any], response: Mapping[str, Any]) -> int:
    if operation == "SendMessage":
        return sqs_requests(_message_bytes(params))
    if operation == "SendMessageBatch":
        return sqs_requests(sum(_message_bytes(e) for e in params.get("Entries", [])))
    if operation == "ReceiveMessage":
        return sqs_requests(sum(len(str(m.get("Body", "")).encode()) for m in response.get("Messages", [])))
    return 1


class Usage:
    """Billable quantities, summed: DynamoDB read/write units, SQS billed requests, other requests."""

    def __init__(self) -> None:
        self.rru = 0.0
        self.wru = 0.0
        self.calls: Counter[str] = Counter()
        self.tables: Counter[str] = Counter()  # DynamoDB calls by table, stage prefix removed
        self.read_units_by_table: Counter[str] = Counter()
        self.read_bytes_by_table: Counter[str] = Counter()
        self.sqs_requests = 0

    def dynamo_calls(self) -> int:
        return sum(n for k, n in self.calls.items() if k.startswith("dynamodb:"))

    def count(self, service: str) -> int:
        return sum(n for k, n in self.calls.items() if k.startswith(service + ":"))

    def add(self, other: Usage) -> None:
        self.rru += other.rru
        self.wru += other.wru
        self.calls.update(other.calls)
        self.tables.update(other.tables)
        self.read_units_by_table.update(other.read_units_by_table)
        self.read_bytes_by_table.update(other.read_bytes_by_table)
        self.sqs_requests += other.sqs_requests


def _short(table: str) -> str:
    """`<app>-<stage>-market-cache` -> `market-cache` (stage names have no dash)."""
    return table.split("-", 2)[-1]


class Meter:
    """Hooks botocore (boto3 and pynamodb alike) and records each call's billable usage into `usage`, or,
    on a thread inside `tagged(tag)`, into `tagged_usage[tag]` (a batch's records run on threads at once).
    The before/after images a write needs are read through the unhooked client, so they are not counted."""

    def __init__(self, latency_s: float = 0.0) -> None:
        # Added before each call: moto on this machine answers in about a millisecond of its own CPU, DynamoDB
        # over the network in several; the wait is what a batch's threads overlap (bench.cost --aws-latency-ms).
        self.latency_s = latency_s
        self.usage = Usage()
        self.tagged_usage: dict[str, Usage] = {}
        self._lock = threading.Lock()
        self._local = threading.local()
        self._tables: dict[str, dict[str, Any]] = {}

    @contextmanager
    def tagged(self, tag: str) -> Iterator[Usage]:
        """What this thread's calls use until the block ends is counted under `tag`."""
        with self._lock:
            usage = self.tagged_usage.setdefault(tag, Usage())
        self._local.tag = tag
        try:
            yield usage
        finally:
            self._local.tag = None

    def tag(self) -> str | None:
        return getattr(self._local, "tag", None)

    def _sink(self) -> Usage:
        """Where this thread's call is counted (under the lock)."""
        tag = self.tag()
        return self.usage if tag is None else self.tagged_usage[tag]

    @contextmanager
    def metering(self) -> Iterator[Usage]:
        import botocore.client

        from bench.dynamo_units import dynamo_units

        real = botocore.client.BaseClient._make_api_call
        meter = self

        def wrapped(client: Any, operation: str, params: dict[str, Any]) -> Any:
            service = client.meta.service_model.service_name
            if meter.latency_s:
                time.sleep(meter.latency_s)

            def raw(op: str, **kwargs: Any) -> Any:
                return real(client, op, kwargs)

            if service == "dynamodb":
                return dynamo_units(meter, raw, operation, params)
            response = real(client, operation, params)
            with meter._lock:
                sink = meter._sink()
                sink.calls[f"{service}:{operation}"] += 1
                if service == "sqs":
                    sink.sqs_requests += sqs_billed(operation, params, response)
            return response

        botocore.client.BaseClient._make_api_call = wrapped
        try:
            yield self.usage
        finally:
            botocore.client.BaseClient._make_api_call = real

    def take(self) -> Usage:
        """The untagged usage since the last take, and a fresh counter for the next."""
        with self._lock:
            usage, self.usage = self.usage, Usage()
        return usage

    def take_tagged(self) -> dict[str, Usage]:
        with self._lock:
            tagged, self.tagged_usage = self.tagged_usage, {}
        return tagged

    def record(
        self,
        operation: str,
        params: Mapping[str, Any],
        rru: float,
        wru: float,
        reads: Mapping[str, tuple[float, int]] | None = None,
    ) -> None:
        # Only calls naming one table (as bench.tick counts them): a batch or a transaction is the tick's own.
        tables = {params["TableName"]} if "TableName" in params else set()
        with self._lock:
            sink = self._sink()
            sink.calls[f"dynamodb:{operation}"] += 1
            sink.tables.update(_short(t) for t in tables)
            for table, (units, size) in (reads or {}).items():
                sink.read_units_by_table[_short(table)] += units
                sink.read_bytes_by_table[_short(table)] += size
            sink.rru += rru
            sink.wru += wru

    def table(self, raw: Any, name: str) -> dict[str, Any]:
        """The table's key attributes and its global secondary indexes (key attributes, projection)."""
        if name not in self._tables:
            desc = raw("DescribeTable", TableName=name)["Table"]
            indexes = [
                ([k["AttributeName"] for k in gsi["KeySchema"]], gsi.get("Projection", {}))
                for gsi in desc.get("GlobalSecondaryIndexes", [])
            ]
            self._tables[name] = {"keys": [k["AttributeName"] for k in desc["KeySchema"]], "indexes": indexes}
        return self._tables[name]
