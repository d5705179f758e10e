"""A tick that ends a minute or more after its moment and placed or booked an order says so at WARNING (the bot
traded a bar late), and every tick reports how long after its moment it ended (TickDelay)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import pytest

from chalicelib import tick_reporting


@dataclass
class Recorder:
    lines: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)
    metrics: dict[str, float] = field(default_factory=dict)

    def debug(self, message: str, extra: dict[str, Any]) -> None:
        self.lines.append(("DEBUG", message, extra))

    def info(self, message: str, extra: dict[str, Any]) -> None:
        self.lines.append(("INFO", message, extra))

    def warning(self, message: str, extra: dict[str, Any]) -> None:
        self.lines.append(("WARNING", message, extra))

    def add_metric(self, name: str, unit: Any, value: float) -> None:
        self.metrics[name] = value


@dataclass
class Outcome:
    result: str = "no_trade"
    orders_placed: int = 0
    trades: list[Any] = field(default_factory=list)


@pytest.fixture()
def recorder(monkeypatch: pytest.MonkeyPatch) -> Recorder:
    recorder = Recorder()
    monkeypatch.setattr(tick_reporting, "logger", recorder)
    monkeypatch.setattr(tick_reporting, "metrics", recorder)
    return recorder


KEYS = {"bot_id": "b1", "tick_at": 1_678_456_260_000}


def test_a_tick_that_ends_within_its_minute_is_quiet(recorder: Recorder) -> None:
    assert tick_reporting.report_tick(KEYS, Outcome(), time.perf_counter(), 59_999) == "no_trade"
    assert recorder.lines == [("DEBUG", "tick", {**KEYS, "result": "no_trade", "orders": 0, "trades": 0})]
    assert recorder.metrics["TickDelay"] == 59_999


def test_a_quiet_tick_that_ends_a_minute_late_is_no_warning(recorder: Recorder) -> None:
    """A redelivered or deferred tick runs a minute or more late and often decides nothing: it changed nothing."""
    tick_reporting.report_tick(KEYS, Outcome("duplicate"), time.perf_counter(), 120_000)
    assert [line[0] for line in recorder.lines] == ["DEBUG"] and recorder.metrics["TickDelay"] == 120_000


def test_a_tick_that_ends_a_minute_late_is_a_warning_with_its_bot_and_moment(recorder: Recorder) -> None:
    tick_reporting.report_tick(KEYS, Outcome("traded", 1, ["t"]), time.perf_counter(), 60_000)
    assert ("WARNING", "tick ran late", {**KEYS, "delay_ms": 60_000, "result": "traded"}) in recorder.lines
    assert ("INFO", "tick", {**KEYS, "result": "traded", "orders": 1, "trades": 1}) in recorder.lines
    assert recorder.metrics["TickDelay"] == 60_000
