"""The measuring run of bench/cost.py: an idle dispatch, then paper bots ticking minute by minute. Each
dispatch is metered on its own; the ticks are delivered as Lambda delivers them, up to 10 per invocation of
the real handler (`workers.run_ticks`, which runs a batch's records concurrently), and each invocation's
billed duration is divided over its records in proportion to each record's own time, while a record's
AWS calls and log lines are counted under its message id (bench/capacity.py's `tagged`). The harness's own
calls (receiving and deleting the queue's messages) happen between takes of the meter and are not counted."""

from __future__ import annotations

import io
import json
import math
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from bench.capacity import Meter, Usage
from bench.prices import TickUsage

# Lambda's SQS event source hands the worker up to 10 ticks per invocation; the dispatcher enqueues a
# minute's ticks at once, so at platform scale the batches are full (a lone bot's are not: see docs/cost.md).
# The requests an invocation makes whatever it carries (the request charge, the poller's receive and delete,
# Lambda's own log lines) are shared by a full batch; its billed duration is measured (Run._invoke).
BATCH_FILL = 10
# START, END and REPORT lines Lambda writes per invocation (REPORT with its X-Ray segment line).
PLATFORM_LOG_BYTES = 420
STRATEGIES = [
    ("sma_cross", {"fast": 2, "slow": 5}),
    ("ema_cross", {"fast": 2, "slow": 6}),
    ("rsi_reversion", {"period": 3, "lower": 40, "upper": 60}),
    ("dca", {"base_order_quote": 50, "take_profit_pct": 0.3, "price_deviation_pct": 0.2}),
]


class LogBytes(io.TextIOBase):
    """Counts what the Powertools logger writes (CloudWatch Logs bills ingestion by the byte): a line written
    by a thread inside the meter's `tagged(tag)` under its tag, any other under `bytes`."""

    def __init__(self, meter: Meter) -> None:
        self.bytes = 0
        self.by_tag: Counter[str] = Counter()
        self._meter = meter
        self._lock = threading.Lock()

    def write(self, text: str) -> int:
        size, tag = len(text.encode()), self._meter.tag()
        with self._lock:
            if tag is None:
                self.bytes += size
            else:
                self.by_tag[tag] += size
        return len(text)

    def reset(self) -> None:
        with self._lock:
            self.bytes, self.by_tag = 0, Counter()


class RecordTimes:
    """Wraps the ticks worker's record handler: each record runs tagged with its message id, and its own
    wall time, thread CPU time and result are kept."""

    def __init__(self, meter: Meter) -> None:
        self.meter = meter
        self.times: dict[str, tuple[float, float, str]] = {}
        self._lock = threading.Lock()

    def wrap(self, handler: Callable[..., Any]) -> Callable[..., Any]:
        def timed(record: Any) -> Any:
            result: Any = "failed"
            with self.meter.tagged(record.message_id):
                wall, cpu = time.perf_counter(), time.thread_time()
                try:
                    result = handler(record)
                    return result
                finally:
                    with self._lock:
                        spent = (time.perf_counter() - wall, time.thread_time() - cpu, str(result))
                        self.times[record.message_id] = spent

        return timed


@contextmanager
def handler_timed(times: RecordTimes) -> Iterator[None]:
    """run_ticks looks its record handler up at each call: swap in the timed one for the block."""
    from chalicelib import workers

    real = workers._tick_record
    workers._tick_record = times.wrap(real)  # type: ignore[assignment]
    try:
        yield
    finally:
        workers._tick_record = real  # type: ignore[assignment]


def _emf(metrics: Any) -> tuple[int, frozenset[str]]:
    """Size and metric names of the EMF blob the middleware would print for the metrics held; clears them."""
    size, names = 0, frozenset(metrics.provider.metric_set)
    if names:
        size = len(json.dumps(metrics.serialize_metric_set(), separators=(",", ":")))
    metrics.clear_metrics()
    return size, names


def tick_usage(usage: Usage, seconds: float, log_bytes: int, memory: float) -> TickUsage:
    """One tick in a full batch: its own calls, its share of the invocation and of the poller's requests
    (`seconds` is already its share of the invocation's billed duration)."""
    return TickUsage(
        read_units=usage.rru,
        write_units=usage.wru,
        # The event source's ReceiveMessage and DeleteMessageBatch, shared by the batch.
        sqs_requests=usage.sqs_requests + 2 / BATCH_FILL,
        lambda_gb_seconds=seconds * memory,
        lambda_requests=1 / BATCH_FILL,
        kms_requests=usage.count("kms"),
        s3_put_requests=usage.calls["s3:PutObject"],
        s3_get_requests=usage.calls["s3:GetObject"],
        log_bytes=log_bytes + PLATFORM_LOG_BYTES / BATCH_FILL,
        traces=0.05 / BATCH_FILL,
    )


def mean_usage(rows: list[TickUsage]) -> TickUsage:
    if not rows:
        return TickUsage()
    fields = TickUsage.__dataclass_fields__
    return TickUsage(**{f: sum(getattr(r, f) for r in rows) / len(rows) for f in fields})


@dataclass
class Measured:
    """One metered piece of work: its usage, wall seconds and log bytes (logger + EMF)."""

    usage: Usage
    seconds: float  # billed: a tick's share of its invocation
    log_bytes: float
    cpu_seconds: float = 0.0
    metric_names: frozenset[str] = frozenset()
    wall_seconds: float | None = None  # a tick's own time, within its invocation


@dataclass(frozen=True)
class Invocation:
    records: int
    billed_seconds: float


@dataclass
class Result:
    bots: int
    idle_minute: Measured
    dispatches: list[tuple[int, Measured]] = field(default_factory=list)  # (bots dispatched, measured)
    # The (interval, shard) keys each dispatch claimed and queried: the idle minute's (over as many intervals
    # as were due that minute), then each dispatch's.
    idle_shards: int = 1
    idle_intervals: int = 1
    dispatch_shards: list[int] = field(default_factory=list)
    quiet: list[Measured] = field(default_factory=list)
    trading: list[Measured] = field(default_factory=list)
    candle_fills: list[Measured] = field(default_factory=list)
    first_ticks: list[Measured] = field(default_factory=list)  # a bot's first tick after it starts
    # Grid bots keeping limit orders resting on the paper exchange: their quiet ticks check the open orders,
    # the others book a fill and re-arm.
    resting_bots: int = 0
    resting_quiet: list[Measured] = field(default_factory=list)
    resting_trading: list[Measured] = field(default_factory=list)
    invocations: list[Invocation] = field(default_factory=list)
    worker_gb: float = 1.0
    dispatcher_gb: float = 0.5

    def tick(self, rows: list[Measured]) -> list[TickUsage]:
        return [tick_usage(m.usage, m.seconds, m.log_bytes, self.worker_gb) for m in rows]

    def _per_shard(self) -> tuple[float, float]:
        """Read and write units of claiming and querying one (interval, shard) key with no bot in it."""
        return self.idle_minute.usage.rru / self.idle_shards, self.idle_minute.usage.wru / self.idle_shards

    def idle_dispatcher_minute(self) -> TickUsage:
        """The dispatcher's minute with no bot, averaged over a day: it claims and queries every shard of each
        interval due that minute (1m every minute, 5m every fifth, ... 1d once), bots or not."""
        m, (rru, wru) = self.idle_minute, self._per_shard()
        keys = self.idle_shards / self.idle_intervals * shards_per_minute()
        return TickUsage(
            read_units=rru * keys,
            write_units=wru * keys,
            sqs_requests=m.usage.sqs_requests,
            lambda_gb_seconds=m.seconds * self.dispatcher_gb,
            lambda_requests=1,
            log_bytes=m.log_bytes + PLATFORM_LOG_BYTES,
            traces=1,  # one invocation a minute: X-Ray's reservoir (1 a second) samples every one
        )

    def dispatch_per_tick(self) -> TickUsage:
        """A bot's share of a dispatch: what a dispatch with bots costs over an idle one of the same shard keys
        (a minute when 5m and 15m bars close too claims more of them, bots or not), per bot dispatched."""
        idle, bots = self.idle_minute, sum(n for n, _ in self.dispatches)
        if not bots:
            return TickUsage()
        n, (rru, wru) = len(self.dispatches), self._per_shard()
        keys = sum(self.dispatch_shards) if self.dispatch_shards else n * self.idle_shards
        total = [m for _, m in self.dispatches]
        return TickUsage(
            read_units=max(0.0, sum(m.usage.rru for m in total) - keys * rru) / bots,
            write_units=max(0.0, sum(m.usage.wru for m in total) - keys * wru) / bots,
            sqs_requests=max(0, sum(m.usage.sqs_requests for m in total) - n * idle.usage.sqs_requests) / bots,
            lambda_gb_seconds=max(0.0, sum(m.seconds for m in total) - n * idle.seconds) / bots * self.dispatcher_gb,
            log_bytes=max(0, sum(m.log_bytes for m in total) - n * idle.log_bytes) / bots,
        )


def due_intervals(tick_at: int) -> int:
    """How many intervals' bars close at `tick_at` (the dispatcher claims each one's shards)."""
    from chalicelib.domain.bots import is_due
    from chalicelib.domain.intervals import INTERVAL_MS

    return sum(1 for interval in INTERVAL_MS if is_due(interval, tick_at))


def shards_per_minute() -> float:
    """How many intervals' bars close in an average minute of a day (1m: every minute, 5m: a fifth, ...)."""
    from chalicelib.domain.intervals import INTERVAL_MS

    return sum(60_000 / ms for ms in INTERVAL_MS.values())


class Run:
    def __init__(
        self, outputs: dict[str, str], meter: Meter, bots: int, worker_gb: float, dispatcher_gb: float,
        resting_bots: int = 0,
    ) -> None:  # fmt: skip
        from chalicelib import bootstrap
        from chalicelib.domain.clock import ManualClock
        from chalicelib.observability import logger, metrics

        self.outputs, self.meter, self.bots = outputs, meter, bots
        self.clock = ManualClock(1_767_225_600_000 + 7 * 60_000)
        self.container = bootstrap.Container(clock=self.clock)
        bootstrap.use(self.container)
        self.metrics = metrics
        self.log = LogBytes(meter)
        logger.registered_handler.setStream(self.log)  # type: ignore[attr-defined]
        self.user = f"bench-{uuid.uuid4().hex[:8]}"
        self.result = Result(bots, Measured(Usage(), 0.0, 0), worker_gb=worker_gb, dispatcher_gb=dispatcher_gb)
        self.result.resting_bots = resting_bots
        self.started: list[str] = []  # the market bots, stopped before the grid bots run

    def _metered(self, work: Any) -> tuple[Any, Measured]:
        self.meter.take()
        self.meter.take_tagged()
        self.log.reset()
        started, cpu = time.perf_counter(), time.process_time()
        value = work()
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        usage = self.meter.take()
        emf_bytes, names = _emf(self.metrics)
        return value, Measured(usage, seconds, self.log.bytes + emf_bytes, cpu, names)

    def measure(self, minutes: int) -> Result:
        from chalicelib import workers

        with self.meter.metering():
            for _ in range(2):  # the first builds the process's clients (a cold start); the second is kept
                self.clock.advance(60_000)
                report, self.result.idle_minute = self._metered(workers.dispatch)
                self.result.idle_shards = int(report["shards"])
                self.result.idle_intervals = due_intervals(int(report["tick_at"]))
            self._create_bots()
            # The bots' first minute is not a month's minute: each bot's first tick writes its initial state,
            # once per start. It is kept apart (`first_ticks`); its dispatch and candle fills are left out.
            self._minute("first")
            for _ in range(minutes):
                report, measured = self._minute("market")
                self.result.dispatches.append((int(report["bots"]), measured))
                self.result.dispatch_shards.append(int(report["shards"]))
            if self.result.resting_bots:
                # Then the grid bots alone, as a platform of them runs: a batch's ticks share its invocation,
                # so the heavier resting ticks are kept out of the market bots' batches (and theirs out of these).
                self._stop_bots()
                self._create_resting_bots()
                self._minute("dropped")  # placing the ladders: a once-per-start cost like any first tick
                for _ in range(minutes):
                    self._minute("resting")
        return self.result

    def _minute(self, phase: str) -> tuple[dict[str, Any], Measured]:
        from chalicelib import workers

        self.clock.advance(60_000)
        report, measured = self._metered(workers.dispatch)
        self._tick_all(phase)
        return report, measured

    def _create_bots(self) -> None:
        for i in range(self.bots):
            strategy, params = STRATEGIES[i % len(STRATEGIES)]
            body = {"name": f"b{i}", "strategy": strategy, "params": params, "symbol": ("BTCUSDT", "ETHUSDT")[i % 2],
                    "interval": "1m", "mode": "paper", "budget": "1000", "risk": {}}  # fmt: skip
            config = self.container.bots.create(self.user, body)
            self.container.bots.change_status(self.user, config.id, "start")
            self.started.append(config.id)

    def _stop_bots(self) -> None:
        for bot_id in self.started:
            self.container.bots.change_status(self.user, bot_id, "stop")

    def _create_resting_bots(self) -> None:
        for i in range(self.result.resting_bots):
            symbol = ("BTCUSDT", "ETHUSDT")[i % 2]
            price = float(self.container.market.closed_candles(symbol, "1m", limit=1)[-1].close)
            # Ten limit levels within 0.5% of the price: a ladder resting on both sides, some of it filling.
            params = {"lower": round(price * 0.995, 2), "upper": round(price * 1.005, 2), "levels": 10,
                      "order_type": "limit"}  # fmt: skip
            body = {"name": f"g{i}", "strategy": "grid", "params": params, "symbol": symbol, "interval": "1m",
                    "mode": "paper", "budget": "1000", "risk": {}}  # fmt: skip
            config = self.container.bots.create(self.user, body)
            self.container.bots.change_status(self.user, config.id, "start")

    def _tick_all(self, phase: str) -> None:
        import boto3

        from infra.local.sqs_poller import lambda_record

        sqs, queue = boto3.client("sqs"), self.outputs["TickQueueUrl"]
        while True:
            messages = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10, AttributeNames=["All"])
            if not messages.get("Messages"):
                return
            arn = self.outputs["TickQueueArn"]
            self._invoke({"Records": [lambda_record(m, arn, "us-east-1") for m in messages["Messages"]]}, phase)
            for m in messages["Messages"]:
                sqs.delete_message(QueueUrl=queue, ReceiptHandle=m["ReceiptHandle"])

    def _invoke(self, event: dict[str, Any], phase: str) -> None:
        """One worker invocation of a batch; its billed duration shared by its records by their own time."""
        from chalicelib import workers

        times = RecordTimes(self.meter)
        with handler_timed(times):
            result, invocation = self._metered(lambda: workers.run_ticks(event))
        assert result == {"batchItemFailures": []}, result
        tagged, by_tag = self.meter.take_tagged(), self.log.by_tag
        billed = math.ceil(invocation.seconds * 1000) / 1000  # Lambda bills by the millisecond, rounded up
        own_total = sum(t[0] for t in times.times.values()) or 1.0
        if phase == "market":
            self.result.invocations.append(Invocation(len(times.times), billed))
        for tag, (own, cpu, outcome) in times.times.items():
            measured = Measured(
                tagged[tag], billed * own / own_total, by_tag[tag] + invocation.log_bytes / len(times.times),
                cpu, wall_seconds=own,
            )  # fmt: skip
            self._classify(measured, outcome, phase)

    def _classify(self, measured: Measured, outcome: str, phase: str) -> None:
        """Into its row by phase: "first" (the market bots' first minute), "market", "resting" (the grid bots'
        minutes), "dropped". A tick that fetched its symbol's candles is a candle fill in the market minutes
        and left out otherwise (its row would carry the fetch)."""
        from chalicelib.tick_reporting import QUIET_RESULTS

        quiet = outcome in QUIET_RESULTS
        fetched = bool(measured.usage.tables["market-cache"])
        if phase == "first" and not fetched:
            self.result.first_ticks.append(measured)
        elif phase == "market" and fetched:
            # The first bot of a (symbol, minute) fetches the candles for all the others.
            self.result.candle_fills.append(measured)
        elif phase == "market":
            (self.result.quiet if quiet else self.result.trading).append(measured)
        elif phase == "resting" and not fetched:
            (self.result.resting_quiet if quiet else self.result.resting_trading).append(measured)
