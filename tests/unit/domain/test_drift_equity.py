"""The drift report's equity curves: worked by hand on three bars, and tied to the summary: at the period's last
close, live minus backtest equity is live_pnl - backtest_pnl, whatever the gap is made of."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal as D

import pytest

from chalicelib.domain.candles import Candle
from chalicelib.domain.drift.compute import drift
from chalicelib.domain.drift.equity import MAX_POINTS, downsample, equity_curve
from chalicelib.domain.drift.model import EquityPoint, SideFill
from chalicelib.domain.drift.replay import Window
from chalicelib.domain.synthetic import generate_candles
from tests.unit.domain.test_drift import DAY, MIN, RUNNING, SETUP, START, WINDOW, as_trades, replayed

CASH = D(1000)
HAND = Window(0, 3 * MIN, MIN)


def bar(open_time: int, close: str) -> Candle:
    c = D(close)
    return Candle(open_time, c, c, c, c, D(1), open_time + MIN - 1)


# A warm-up bar (its close, at `from`, is not in the period), then closes 100, 110, 120 at 1, 2 and 3 minutes.
BARS = [bar(-MIN, "90"), bar(0, "100"), bar(MIN, "110"), bar(2 * MIN, "120")]


def fill(side: str, at: int, price: str, qty: str = "1", fee: str = "0", held: str | None = None,
         cash_fee: str | None = None) -> SideFill:  # fmt: skip
    p, n = D(price), D(qty)
    return SideFill(
        id=f"{side}{at}", side=side, leg="main", tick_at=at, executed_at_ms=at, price=p, quantity=n, quote=p * n,
        fee=D(fee), fee_asset="USDT", fee_rate=D("0.001"), held=D(held or qty), cash_fee=D(fee if cash_fee is None
        else cash_fee), reason="signal",
    )  # fmt: skip


def test_both_curves_by_hand():
    live = [fill("BUY", MIN + 500, "101", fee="0.101"), fill("SELL", 2 * MIN + 500, "119", fee="0.119")]
    backtest = [fill("BUY", MIN, "100", fee="0.1")]  # the replay's fill carries its tick: the 1-minute close
    curve = equity_curve(CASH, BARS, HAND, live, backtest)
    assert [p.t for p in curve] == [MIN, 2 * MIN, 3 * MIN]
    # live: flat at the first close (its buy executes after it); 1000 - 101 - 0.101 + 1 x 110; sold: cash only
    assert [p.live for p in curve] == [D(1000), D("1008.899"), D("1017.780")]
    # backtest: 1000 - 100 - 0.1 + 1 x 100, then the held unit at 110 and 120
    assert [p.backtest for p in curve] == [D("999.9"), D("1009.9"), D("1019.9")]


def test_a_fee_taken_in_base_leaves_the_cash_and_shrinks_the_position():
    live = [fill("BUY", MIN + 500, "101", fee="0.001", held="0.999", cash_fee="0")]
    curve = equity_curve(CASH, BARS, HAND, live, [])
    assert [p.live for p in curve] == [D(1000), D("1008.890"), D("1018.880")]  # 899 + 0.999 x 110, x 120
    assert all(p.backtest == CASH for p in curve)


def test_no_point_outside_the_period():
    assert equity_curve(CASH, BARS, Window(MIN, 2 * MIN, MIN), [], []) == (EquityPoint(2 * MIN, CASH, CASH),)


@pytest.fixture(scope="module")
def candles():
    return generate_candles(START - 30 * MIN, START + DAY // 2, "1m", seed=3)


@pytest.mark.parametrize("case", ["slipped", "missed_entry", "stray"])
def test_the_last_point_is_the_summary_gap(candles, case):
    fills = replayed(candles)
    trades = as_trades(fills, price_factor=D("1.0007"), fee_rate=D("0.0015"))
    if case == "missed_entry":
        trades = trades[2:]
    if case == "stray":
        trades = [replace(trades[0], id="tbstray", executed_at_ms=fills[0].tick_at - 20 * MIN), *trades]
    r = drift(SETUP, candles, trades, RUNNING, WINDOW)
    assert len(r.equity) == MAX_POINTS  # 720 closes in the half day, thinned
    assert r.equity[-1].t == WINDOW.to_ms and r.equity[0].t == WINDOW.from_ms + MIN
    gap = r.live_pnl - r.backtest_pnl
    assert gap != 0
    assert abs((r.equity[-1].live - r.equity[-1].backtest) - gap) < D("1e-9")
    assert abs(r.equity[-1].backtest - SETUP.cash - r.backtest_pnl) < D("1e-9")


def test_downsampling_keeps_the_ends_and_the_order():
    points = [EquityPoint(i, D(i), D(i)) for i in range(1234)]
    thin = downsample(points, 500)
    assert len(thin) == 500 and thin[0] == points[0] and thin[-1] == points[-1]
    assert all(a.t < b.t for a, b in zip(thin, thin[1:], strict=False))
    assert downsample(points[:10], 500) == tuple(points[:10])
