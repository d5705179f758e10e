"""The ticks worker runs a batch's records concurrently (chalicelib/tick_batches.py): different bots at once,
one bot's records one after the other, the first tick of a candle window before the others of it; partial
failures reported as before; each record's log lines under its own correlation id; quiet ticks at DEBUG."""

from __future__ import annotations

import hashlib
import io
import json
import threading
import time
from collections.abc import Callable, Iterator
from types import SimpleNamespace
from typing import Any

import pytest

from chalicelib import workers
from chalicelib.domain.clock import ManualClock
from chalicelib.observability import logger
from chalicelib.services.tick.execution import TickOutcome
from tests.sqs_events import sqs_event

Lines = Callable[[], list[dict[str, Any]]]
ARN = "arn:aws:sqs:us-east-1:123456789012:tradebot-test-ticks"


def _event(ticks: list[tuple[str, int, str]]) -> dict[str, Any]:
    """(bot, tick_at, symbol) per record; message ids m0, m1, ..."""
    messages = []
    for i, (bot, tick_at, symbol) in enumerate(ticks):
        body = json.dumps({"user_id": "u1", "bot_id": bot, "tick_at": tick_at, "symbol": symbol, "interval": "1m"})
        md5 = hashlib.md5(body.encode()).hexdigest()  # noqa: S324 - SQS's body checksum, not security
        messages.append({"MessageId": f"m{i}", "ReceiptHandle": f"r{i}", "Body": body, "MD5OfBody": md5})
    return sqs_event(messages, ARN)


class FakeTicks:
    """Records when each tick ran; `run` is replaced per test."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.spans: list[tuple[str, int, float, float]] = []  # (bot, tick_at, start, end)
        self.failures: list[tuple[str, str]] = []
        self.work: Any = lambda bot, tick_at: TickOutcome("no_trade")

    def run(self, user_id: str, bot_id: str, tick_at: int, symbol: Any = None, interval: Any = None) -> TickOutcome:
        start = time.perf_counter()
        try:
            return self.work(bot_id, tick_at)  # type: ignore[no-any-return]
        finally:
            with self.lock:
                self.spans.append((bot_id, tick_at, start, time.perf_counter()))

    def record_failure(self, user_id: str, bot_id: str, error: str) -> bool:
        with self.lock:
            self.failures.append((bot_id, error))
        return False


@pytest.fixture()
def ticks(monkeypatch: pytest.MonkeyPatch) -> FakeTicks:
    fake = FakeTicks()
    clock = ManualClock(60_000 + 2_000)  # the ticks below are for minute 60_000: on time
    monkeypatch.setattr(workers, "container", lambda: SimpleNamespace(ticks=fake, clock=clock))
    return fake


@pytest.fixture()
def log_lines() -> Iterator[Callable[[], list[dict[str, Any]]]]:
    """The worker's log lines as the logger writes them, at DEBUG."""
    stream = io.StringIO()
    handler = logger.registered_handler
    previous_stream, previous_level = handler.stream, logger.log_level
    handler.setStream(stream)  # type: ignore[attr-defined]
    logger.setLevel("DEBUG")
    try:
        yield lambda: [json.loads(line) for line in stream.getvalue().splitlines() if line.startswith("{")]
    finally:
        handler.setStream(previous_stream)  # type: ignore[attr-defined]
        logger.setLevel(previous_level)


def test_the_records_of_different_bots_run_at_the_same_time(ticks: FakeTicks) -> None:
    together = threading.Barrier(10, timeout=10)  # only passes when all ten ticks are running at once
    ticks.work = lambda bot, tick_at: (together.wait(), TickOutcome("no_trade"))[1]
    result = workers.run_ticks(_event([(f"b{i}", 60_000, f"S{i}USDT") for i in range(10)]))
    assert result == {"batchItemFailures": []}
    assert sorted(bot for bot, *_ in ticks.spans) == sorted(f"b{i}" for i in range(10))


def test_the_records_of_one_bot_run_one_after_the_other_in_batch_order(ticks: FakeTicks) -> None:
    def slow(bot: str, tick_at: int) -> TickOutcome:
        time.sleep(0.05)
        return TickOutcome("no_trade")

    ticks.work = slow
    batch = [("b1", 60_000, "AUSDT"), ("b2", 60_000, "BUSDT"), ("b1", 120_000, "AUSDT"), ("b1", 60_000, "AUSDT")]
    workers.run_ticks(_event(batch))
    mine = [(t, start, end) for bot, t, start, end in ticks.spans if bot == "b1"]
    assert [t for t, *_ in sorted(mine, key=lambda s: s[1])] == [60_000, 120_000, 60_000]
    ordered = sorted(mine, key=lambda s: s[1])
    assert all(earlier[2] <= later[1] for earlier, later in zip(ordered, ordered[1:], strict=False))


def test_the_first_tick_of_a_candle_window_runs_before_the_others_of_it(ticks: FakeTicks) -> None:
    def slow(bot: str, tick_at: int) -> TickOutcome:
        time.sleep(0.05)
        return TickOutcome("no_trade")

    ticks.work = slow
    workers.run_ticks(_event([("b1", 60_000, "BTCUSDT"), ("b2", 60_000, "ETHUSDT"), ("b3", 60_000, "BTCUSDT")]))
    span = {bot: (start, end) for bot, _, start, end in ticks.spans}
    assert span["b1"][1] <= span["b3"][0]  # b3 reads the window b1 cached
    assert span["b2"][0] < span["b1"][1]  # another symbol's tick does not wait


def test_only_the_failed_records_are_reported_in_batch_order(ticks: FakeTicks) -> None:
    def some_fail(bot: str, tick_at: int) -> TickOutcome:
        time.sleep(0.02 * (10 - int(bot[1:])))  # the later records finish first
        if bot in ("b2", "b5", "b7"):
            raise RuntimeError("boom")
        return TickOutcome("no_trade")

    ticks.work = some_fail
    result = workers.run_ticks(_event([(f"b{i}", 60_000, f"S{i}USDT") for i in range(10)]))
    assert result == {"batchItemFailures": [{"itemIdentifier": m} for m in ("m2", "m5", "m7")]}
    assert sorted(bot for bot, _ in ticks.failures) == ["b2", "b5", "b7"]
    assert all("reference m" + bot[1:] in error for bot, error in ticks.failures)


def test_a_batch_that_fails_whole_is_reported_whole(ticks: FakeTicks) -> None:
    ticks.work = lambda bot, tick_at: (_ for _ in ()).throw(RuntimeError("down"))
    result = workers.run_ticks(_event([("b1", 60_000, "AUSDT"), ("b2", 60_000, "BUSDT")]))
    assert result == {"batchItemFailures": [{"itemIdentifier": "m0"}, {"itemIdentifier": "m1"}]}


def test_each_line_carries_its_own_records_correlation_id(ticks: FakeTicks, log_lines: Lines) -> None:
    def mixed(bot: str, tick_at: int) -> TickOutcome:
        time.sleep(0.01 * (int(bot[1:]) % 3))
        if int(bot[1:]) % 2:
            raise RuntimeError("boom")
        return TickOutcome("done", orders_placed=1)

    ticks.work = mixed
    with logger.append_context_keys(correlation_id="the-invocation"):
        workers.run_ticks(_event([(f"b{i}", 60_000, f"S{i}USDT") for i in range(10)]))
    per_record = [line for line in log_lines() if line["message"] in ("tick", "tick failed")]
    assert len(per_record) == 10
    assert all(line["correlation_id"] == f"m{line['bot_id'][1:]}" for line in per_record)
    summary = [line for line in log_lines() if line["message"] == "ticks"]
    assert summary and summary[0]["correlation_id"] == "the-invocation"  # the records' ids are gone after them


def test_a_quiet_tick_logs_at_debug_and_a_trade_at_info(ticks: FakeTicks, log_lines: Lines) -> None:
    ticks.work = lambda bot, tick_at: TickOutcome("no_trade") if bot == "b1" else TickOutcome("done", orders_placed=1)
    workers.run_ticks(_event([("b1", 60_000, "AUSDT"), ("b2", 60_000, "BUSDT")]))
    levels = {line["bot_id"]: line["level"] for line in log_lines() if line["message"] == "tick"}
    assert levels == {"b1": "DEBUG", "b2": "INFO"}
    (summary,) = [line for line in log_lines() if line["message"] == "ticks"]
    assert summary["level"] == "INFO"
    assert (summary["records"], summary["results"], summary["failed"]) == (2, {"no_trade": 1, "done": 1}, 0)
