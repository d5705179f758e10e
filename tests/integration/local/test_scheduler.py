"""GIVEN an app with schedule handlers WHEN the local scheduler runs on a manual or accelerated clock THEN each
handler object fires once per matching clock minute with an EventBridge scheduled event."""

from __future__ import annotations

import time
from typing import Any

import pytest
from chalice import Chalice, Cron, Rate

from chalicelib.domain.clock import ManualClock, SystemClock
from infra.local.clock import AnchoredAcceleratedClock, clock_from_env, parse_instant_ms, pin_clock_env
from infra.local.functions import ContextFactory
from infra.local.scheduler import Scheduler, schedule_matcher, schedule_sources

START = parse_instant_ms("2024-01-01T00:00:30Z")


def _app() -> tuple[Chalice, dict[str, list[tuple[dict[str, Any], Any]]]]:
    app = Chalice(app_name="lrt")
    fired: dict[str, list[tuple[dict[str, Any], Any]]] = {"every_minute": [], "hourly": [], "every_5": []}

    @app.schedule(Rate(1, unit=Rate.MINUTES))
    def every_minute(event: Any) -> None:
        fired["every_minute"].append((event.to_dict(), event.context))

    @app.schedule(Cron(0, "*", "*", "*", "?", "*"))
    def hourly(event: Any) -> None:
        fired["hourly"].append((event.to_dict(), event.context))

    @app.schedule("rate(5 minutes)")
    def every_5(event: Any) -> None:
        fired["every_5"].append((event.to_dict(), event.context))

    return app, fired


def _times(fired: list[tuple[dict[str, Any], Any]]) -> list[str]:
    return [event["time"] for event, _ in fired]


def test_fires_each_schedule_once_per_matching_clock_minute() -> None:
    app, fired = _app()
    clock = ManualClock(START)
    scheduler = Scheduler(schedule_sources(app), clock, ContextFactory("lrt", "dev"), app_name="lrt")

    assert scheduler.fire_due() == 0
    clock.advance(29_999)
    assert scheduler.fire_due() == 0
    clock.advance(1)
    assert scheduler.fire_due() == 1
    clock.advance(10_000)
    assert scheduler.fire_due() == 0  # once per minute, however often asked
    clock.set(parse_instant_ms("2024-01-01T01:00:10Z"))
    assert scheduler.fire_due() == 59  # every missed minute, in order

    assert _times(fired["every_minute"]) == [f"2024-01-01T00:{m:02d}:00Z" for m in range(1, 60)] + [
        "2024-01-01T01:00:00Z"
    ]
    assert _times(fired["hourly"]) == ["2024-01-01T01:00:00Z"]
    assert _times(fired["every_5"]) == [f"2024-01-01T00:{m:02d}:00Z" for m in range(5, 60, 5)] + [
        "2024-01-01T01:00:00Z"
    ]
    event, context = fired["every_minute"][0]
    assert event["detail-type"] == "Scheduled Event"
    assert event["source"] == "aws.events"
    assert event["account"] == "123456789012"
    assert event["region"] == "us-east-1"
    assert event["detail"] == {}
    assert event["resources"] == ["arn:aws:events:us-east-1:123456789012:rule/lrt-dev-every_minute-event"]
    assert context.function_name == "lrt-dev-every_minute"
    assert context.get_remaining_time_in_millis() > 0


def test_calls_the_handler_object_lambda_calls_and_survives_its_errors() -> None:
    app = Chalice(app_name="lrt")
    calls: list[str] = []

    @app.schedule(Rate(1, unit=Rate.MINUTES))
    def flaky(event: Any) -> None:
        calls.append(event.time)
        raise RuntimeError("the next minute still fires")

    (source,) = schedule_sources(app)
    assert source.handler is flaky is app.handler_map["flaky"]
    clock = ManualClock(START)
    scheduler = Scheduler([source], clock, ContextFactory("lrt", "dev"))
    clock.advance(149_999)
    assert scheduler.fire_due() == 2
    assert calls == ["2024-01-01T00:01:00Z", "2024-01-01T00:02:00Z"]


def test_a_long_stall_replays_only_the_last_minutes() -> None:
    app, fired = _app()
    clock = ManualClock(START)
    scheduler = Scheduler(schedule_sources(app), clock, ContextFactory("lrt", "dev"), max_catch_up=3)
    clock.advance(24 * 3600 * 1000)
    assert scheduler.fire_due() == 3
    assert _times(fired["every_minute"]) == ["2024-01-01T23:58:00Z", "2024-01-01T23:59:00Z", "2024-01-02T00:00:00Z"]


def test_threaded_scheduler_ticks_per_market_minute_of_an_accelerated_clock() -> None:
    app, fired = _app()
    clock = AnchoredAcceleratedClock(START, speed=3000.0, anchor_wall_ms=SystemClock().now_ms())  # a minute per 20 ms
    scheduler = Scheduler(schedule_sources(app), clock, ContextFactory("lrt", "dev"))
    scheduler.start()
    deadline = time.monotonic() + 5
    while len(fired["every_minute"]) < 5:
        assert time.monotonic() < deadline
        time.sleep(0.01)
    scheduler.stop(timeout=2)
    times = _times(fired["every_minute"])
    assert times[:5] == [f"2024-01-01T00:{m:02d}:00Z" for m in range(1, 6)]
    assert len(times) == len(set(times))


def test_clock_from_env_is_the_wall_clock_unless_accelerated() -> None:
    assert isinstance(clock_from_env({}), SystemClock)
    env = {"CLOCK_SPEED": "60", "CLOCK_START": "2024-01-01"}
    pin_clock_env(env)
    first, second = clock_from_env(env), clock_from_env(env)
    assert abs(first.now_ms() - second.now_ms()) < 1000  # two processes agree on market time
    assert parse_instant_ms("2024-01-01") <= first.now_ms() < parse_instant_ms("2024-01-01T00:05")
    resumed = dict(env)
    pin_clock_env(resumed, resume_at_ms=parse_instant_ms("2024-02-01"))
    assert clock_from_env(resumed).now_ms() >= parse_instant_ms("2024-02-01")


@pytest.mark.parametrize(
    ("expression", "at", "fires"),
    [
        ("rate(1 minute)", "2024-01-01T00:07:00Z", True),
        ("rate(2 hours)", "2024-01-01T02:00:00Z", True),
        ("rate(2 hours)", "2024-01-01T03:00:00Z", False),
        ("cron(0/15 * * * ? *)", "2024-01-01T00:45:00Z", True),
        ("cron(0/15 * * * ? *)", "2024-01-01T00:50:00Z", False),
        ("cron(30 9 ? * MON-FRI *)", "2024-01-01T09:30:00Z", True),  # a Monday
        ("cron(30 9 ? * MON-FRI *)", "2023-12-31T09:30:00Z", False),  # a Sunday
        ("cron(0 0 1 JAN ? 2024)", "2024-01-01T00:00:00Z", True),
    ],
)
def test_schedule_expressions(expression: str, at: str, fires: bool) -> None:
    assert schedule_matcher(expression)(parse_instant_ms(at)) is fires


def test_unsupported_cron_is_refused() -> None:
    with pytest.raises(ValueError):
        schedule_matcher("cron(0 0 L * ? *)")


def test_skipped_dispatch_partitions_are_explained_once_in_words(caplog: pytest.LogCaptureFixture) -> None:
    from infra.local.scheduler import SkippedShardsNotice

    app = Chalice(app_name="lrt")
    skipped = iter([0, 16, 3, 16])

    @app.schedule(Rate(1, unit=Rate.MINUTES))
    def dispatch_ticks(event: Any) -> dict[str, int]:
        tick_at = parse_instant_ms(event.time)
        return {"tick_at": tick_at, "bots": 0, "shards": 16, "send_calls": 0, "skipped_shards": next(skipped)}

    clock = ManualClock(parse_instant_ms("2024-01-01T21:44:30Z"))
    notice = SkippedShardsNotice(".local")
    scheduler = Scheduler(schedule_sources(app), clock, ContextFactory("lrt", "dev"), app_name="lrt", on_result=notice)
    with caplog.at_level("INFO", logger="infra.local.scheduler"):
        clock.advance(60_000)
        assert scheduler.fire_due() == 1  # 21:45, nothing skipped: nothing said
        assert caplog.records == []
        clock.advance(3 * 60_000)
        assert scheduler.fire_due() == 3  # 21:46, 21:47 and 21:48 skip partitions: said once, for 21:46
    said = [r.getMessage() for r in caplog.records]
    assert len(said) == 1, said
    assert said[0].startswith("minute 2024-01-01 21:46 UTC already dispatched by an earlier run")
    assert "skipped 16 of 16 schedule partitions" in said[0] and ".local" in said[0]
