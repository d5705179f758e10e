"""A signal bot's backtest (domain/signal_backtest.py): each signal is applied at the open of the bar after the
one it arrived in, sized and refused by the live planner (domain/signals.plan_order)."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pytest

from chalicelib.domain.candles import CandleSeries
from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.risk import validate_risk
from chalicelib.domain.signal_backtest import run_signal_backtest
from chalicelib.domain.signal_list import TimedSignal, check_period, parse_csv, parse_items
from chalicelib.domain.strategies import validate_params

H = 3_600_000
T0 = 1_767_225_600_000  # 2026-01-01T00:00:00Z
OPENS = [100.0, 110.0, 120.0, 130.0, 125.0, 90.0, 95.0, 100.0]


def series() -> CandleSeries:
    o = np.array(OPENS)
    return CandleSeries(
        open_time=np.arange(len(OPENS), dtype=np.int64) * H + T0, open=o, high=o + 1, low=o - 1,
        close=np.append(o[1:], o[-1]), volume=np.ones(len(OPENS)),
    )  # fmt: skip


def run(signals: list[TimedSignal], risk: dict[str, object] | None = None, **params: object):  # type: ignore[no-untyped-def]
    checked = validate_params("signal", params)
    return run_signal_backtest(
        series(), checked, validate_risk(risk or {}), signals, cash=1000.0, fee=0.0, slippage=0.0, interval_ms=H
    )


def test_a_signal_fills_at_the_open_of_the_bar_after_it_arrived() -> None:
    result, outcomes = run([TimedSignal(T0 + H + 1_800_000, "buy"), TimedSignal(T0 + 3 * H + 60_000, "close")])
    (trade,) = result.trades.to_records()
    assert trade["entry_time"] == "2026-01-01T02:00:00.000Z" and trade["entry_price"] == 120.0
    assert trade["exit_time"] == "2026-01-01T04:00:00.000Z" and trade["exit_price"] == 125.0
    assert trade["quantity"] == pytest.approx(1000 / 120)
    assert trade["pnl"] == pytest.approx(1000 / 120 * 5)
    assert [(o.status, o.applied_at_ms) for o in outcomes] == [("executed", T0 + 2 * H), ("executed", T0 + 4 * H)]
    assert result.metrics.num_trades == 1


def test_live_refusals_and_the_last_bar() -> None:
    signals = [
        TimedSignal(T0 + 10, "close"),  # nothing held yet
        TimedSignal(T0 + 20, "buy"),
        TimedSignal(T0 + H + 5, "buy"),  # in position, the bot ignores further buys
        TimedSignal(T0 + 7 * H + 5, "close"),  # in the last bar: no next open to fill at
    ]
    _, outcomes = run(signals, size_mode="quote", size_value=500)
    assert [(o.status, o.reason) for o in outcomes] == [
        ("refused", "no_position"), ("executed", None), ("refused", "already_in_position"),
        ("not_applied", "arrived_in_the_last_bar"),
    ]  # fmt: skip


def test_adds_amounts_and_max_adds_as_live() -> None:
    signals = [
        TimedSignal(T0 + 1, "buy", Decimal("200")),
        TimedSignal(T0 + H + 1, "buy"),
        TimedSignal(T0 + 2 * H + 1, "buy"),
    ]
    result, outcomes = run(signals, size_mode="quote", size_value=100, in_position_buy="add", max_adds=1)
    assert [(o.status, o.reason) for o in outcomes] == [("executed", None), ("executed", None),
                                                         ("refused", "max_adds_reached")]  # fmt: skip
    (trade,) = result.trades.to_records()  # one position, still open, 200/110 + 100/120 of it
    assert trade["status"] == "open" and trade["quantity"] == pytest.approx(200 / 110 + 100 / 120)


def test_risk_rules_run_on_each_bar_close_between_signals() -> None:
    result, _ = run([TimedSignal(T0 + 2 * H + 1, "buy")], {"stop_loss_pct": 10})
    (trade,) = result.trades.to_records()  # bought at 130, bar 4 closes at 90: stopped at bar 5's open
    assert trade["exit_reason"] == "stop_loss" and trade["exit_time"] == "2026-01-01T06:00:00.000Z"


def test_a_list_and_a_csv_parse_the_same() -> None:
    items = [{"time": "2026-01-01T01:30:00Z", "action": "long"}, {"time": T0 // 1000 + 3 * 3600 + 60, "action": "exit"},
             {"time": T0 + 1, "action": "BUY", "amount": "50"}]  # fmt: skip
    csv = "time,action,amount\n2026-01-01T01:30:00Z,long,\n1767236460,exit\n1767225600001,BUY,50\n"
    assert parse_items(items) == parse_csv(csv)
    assert [s.action for s in parse_csv(csv)] == ["buy", "buy", "close"]  # in arrival order


@pytest.mark.parametrize(
    "bad, field",
    [
        ([{"time": "yesterday", "action": "buy"}], "signals[0].time"),
        ([{"time": T0, "action": "moon"}], "signals[0].action"),
        ([{"time": T0, "action": "sell", "amount": "5"}], "signals[0].amount"),
        ([{"time": T0, "action": "buy", "amount": "-5"}], "signals[0].amount"),
        ([], "signals"),
        ([{"time": T0, "action": "buy"}] * 1001, "signals"),
    ],
)
def test_bad_signals_name_the_field(bad: list[dict[str, object]], field: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_items(bad)
    assert refused.value.details[0]["field"] == field and refused.value.code == "invalid_signals"


def test_bad_csv_rows_and_times_outside_the_period() -> None:
    with pytest.raises(InvalidInput):
        parse_csv("2026-01-01T00:00:00Z")
    with pytest.raises(InvalidInput) as refused:
        check_period(parse_csv("2025-12-31T23:00:00Z,buy"), T0, T0 + 8 * H)
    assert "outside the backtest's period" in refused.value.message
    with pytest.raises(InvalidInput):  # far outside any calendar: still a 422, not a crash while saying so
        check_period(parse_items([{"time": "9" * 30, "action": "buy"}]), T0, T0 + 8 * H)
