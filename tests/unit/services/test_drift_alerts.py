"""The daily drift alert (services/drift_alerts.py) on the in-memory fakes: the setting's default and bounds;
the day queued once by the minute's hook from 00:10 UTC however often the schedule runs; one step per running
bot; one claim per (bot, day), so a redelivered step never notifies twice; the threshold in bps of the budget."""

from __future__ import annotations

import json
from typing import Any

import pytest

from chalicelib.domain.errors import InvalidInput
from chalicelib.services.drift_alerts import DriftAlerts
from chalicelib.services.messages import DriftDailyMessage
from chalicelib.services.ports.drift_reports import AlertSetting
from tests.fakes.memory import MemoryPlatform
from tests.fakes.memory_queue import InMemoryNotifier
from tests.unit.services.conftest import MINUTE, NOW, bot_body

DAY = 86_400_000  # NOW is 2025-12-01T00:00:00Z


class Reports:
    """DriftJobs' answer for the day, with the two figures the alert reads; counts the reports asked for."""

    def __init__(self, unexplained: str = "0", slippage: str = "0") -> None:
        self.summary = {"unexplained": unexplained, "slippage": slippage}
        self.asked: list[tuple[str, str, int | None, int | None]] = []

    def get(self, user_id: str, bot_id: str, from_ms: int | None, to_ms: int | None) -> dict[str, Any]:
        self.asked.append((user_id, bot_id, from_ms, to_ms))
        return {"summary": dict(self.summary)}


def _alerts(mem: MemoryPlatform, reports: Reports, notifier: InMemoryNotifier) -> DriftAlerts:
    return DriftAlerts(store=mem.drift_reports, claims=mem.claims, queue=mem.jobs_queue, index=mem.bots,
                       shards=mem.container.settings.schedule_shards, get_bot=mem.container.bots.get,
                       reports=reports, notifier=notifier, quote_asset=lambda s: "USDT", clock=mem.clock)  # type: ignore[arg-type]  # fmt: skip


def _running(mem: MemoryPlatform, user: str = "u1", name: str = "dca bot") -> str:
    bot = mem.container.bots.create(user, bot_body(name=name))
    mem.container.bots.change_status(user, bot.id, "start")
    return bot.id


def test_the_setting_defaults_to_on_at_50_bps_and_is_bounded(mem: MemoryPlatform) -> None:
    alerts = mem.container.drift_alerts
    assert alerts.setting("u1") == AlertSetting(True, 50)
    assert alerts.set_setting("u1", AlertSetting(False, 120)) == AlertSetting(False, 120)
    assert alerts.setting("u1") == AlertSetting(False, 120) and alerts.setting("u2") == AlertSetting(True, 50)
    for bad in (0, 10_001, -5):
        with pytest.raises(InvalidInput):
            alerts.set_setting("u1", AlertSetting(True, bad))
    assert alerts.setting("u1") == AlertSetting(False, 120)


def test_the_minutes_hook_queues_yesterday_once_from_0010(mem: MemoryPlatform) -> None:
    alerts = _alerts(mem, Reports(), InMemoryNotifier())
    day = NOW + DAY  # 2025-12-02
    assert alerts.dispatch(day + 9 * MINUTE) is None and mem.jobs_queue.messages == []
    assert alerts.dispatch(day + 10 * MINUTE) == "2025-12-01"
    assert alerts.dispatch(day + 10 * MINUTE) is None  # a retried or doubled schedule
    assert alerts.dispatch(day + 25 * MINUTE) is None
    assert alerts.dispatch(day + 40 * MINUTE) is None
    (message,) = mem.jobs_queue.drain()
    assert DriftDailyMessage.parse(json.dumps(message)) == DriftDailyMessage(step="fanout", day="2025-12-01")


def test_a_failed_send_gives_the_day_back(mem: MemoryPlatform, monkeypatch: pytest.MonkeyPatch) -> None:
    alerts = _alerts(mem, Reports(), InMemoryNotifier())

    def down(body: dict[str, Any]) -> None:
        raise ConnectionError("queue down")

    monkeypatch.setattr(mem.jobs_queue, "send", down)
    with pytest.raises(ConnectionError):
        alerts.dispatch(NOW + DAY + 12 * MINUTE)
    monkeypatch.undo()
    assert alerts.dispatch(NOW + DAY + 13 * MINUTE) == "2025-12-01"


def test_the_fanout_queues_one_step_per_running_bot(mem: MemoryPlatform) -> None:
    alerts = _alerts(mem, Reports(), InMemoryNotifier())
    running = {_running(mem, "u1"), _running(mem, "u2")}
    mem.container.bots.create("u1", bot_body())  # stopped: not checked
    assert alerts.fanout("2025-12-01") == 2
    steps = [DriftDailyMessage.parse(json.dumps(m)) for m in mem.jobs_queue.drain()]
    assert {s.bot_id for s in steps} == running and {s.step for s in steps} == {"bot"}


def test_above_the_threshold_notifies_once_naming_the_bot(mem: MemoryPlatform) -> None:
    mem.clock.set(NOW - 2 * DAY)
    bot_id = _running(mem, name="Dip buyer")
    mem.clock.set(NOW + 15 * MINUTE)
    notifier, reports = InMemoryNotifier(), Reports(unexplained="-5.2", slippage="1")  # budget 1000: 50 bps = 5
    alerts = _alerts(mem, reports, notifier)
    assert alerts.check_bot("u1", bot_id, "2025-11-30") == "alerted"
    assert alerts.check_bot("u1", bot_id, "2025-11-30") == "claimed"  # the step redelivered
    (event,) = notifier.events
    assert (event.kind, event.bot_id) == ("drift_alert", bot_id)
    assert event.message == (
        "Dip buyer: drift on 2025-11-30: unexplained -5.20 USDT, slippage 1.00 USDT, above your threshold of "
        f"50 bps of the budget (5.00 USDT) (/bots/{bot_id})"
    )
    assert event.data["bot_path"] == f"/bots/{bot_id}" and event.data["threshold_bps"] == 50
    assert reports.asked == [("u1", bot_id, NOW - DAY, NOW)]


@pytest.mark.parametrize(
    "setting, unexplained, slippage, outcome",
    [
        (AlertSetting(True, 50), "-5", "5", "quiet"),  # at the threshold is not past it
        (AlertSetting(True, 50), "0", "-5.01", "alerted"),
        (AlertSetting(True, 100), "-9", "9.99", "quiet"),
        (AlertSetting(False, 1), "-500", "500", "disabled"),
    ],
)
def test_the_threshold_is_bps_of_the_budget(
    mem: MemoryPlatform, setting: AlertSetting, unexplained: str, slippage: str, outcome: str
) -> None:
    mem.clock.set(NOW - 2 * DAY)
    bot_id = _running(mem)
    mem.clock.set(NOW + 15 * MINUTE)
    mem.drift_reports.set_setting("u1", setting)
    notifier = InMemoryNotifier()
    assert _alerts(mem, Reports(unexplained, slippage), notifier).check_bot("u1", bot_id, "2025-11-30") == outcome
    assert len(notifier.events) == (outcome == "alerted")


def test_a_bot_started_that_day_is_checked_from_its_start_and_a_failure_retries(mem: MemoryPlatform) -> None:
    mem.clock.set(NOW - 6 * 3_600_000)
    bot_id = _running(mem)
    started = mem.container.bots.get("u1", bot_id)[0].updated_at_ms
    mem.clock.set(NOW + 15 * MINUTE)
    reports = Reports(slippage="not a number")
    alerts = _alerts(mem, reports, InMemoryNotifier())
    with pytest.raises(ArithmeticError):
        alerts.check_bot("u1", bot_id, "2025-11-30")
    assert reports.asked == [("u1", bot_id, started, NOW)]
    reports.summary["slippage"] = "0"
    assert alerts.check_bot("u1", bot_id, "2025-11-30") == "quiet"  # the day was given back
    assert _alerts(mem, Reports(), InMemoryNotifier()).check_bot("u1", bot_id, "2025-12-01") == "not_over"
    mem.container.bots.change_status("u1", bot_id, "stop")
    assert _alerts(mem, Reports(), InMemoryNotifier()).check_bot("u1", bot_id, "2025-11-30") == "not_running"


def test_a_signal_bot_is_not_replayed(mem: MemoryPlatform) -> None:
    mem.clock.set(NOW - 2 * DAY)
    bot = mem.container.bots.create("u1", bot_body(name="signals", strategy="signal", params={}))
    mem.container.bots.change_status("u1", bot.id, "start")
    mem.clock.set(NOW + 15 * MINUTE)
    reports = Reports(unexplained="-500")
    assert _alerts(mem, reports, InMemoryNotifier()).check_bot("u1", bot.id, "2025-11-30") == "not_replayable"
    assert reports.asked == [] and mem.drift_reports.days == {}
