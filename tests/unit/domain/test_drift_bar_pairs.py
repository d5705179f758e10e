"""Resting fills pair by the bar they filled on (domain/drift/matching.py `_same_bar`), and the period's last tick
fills at the open of the bar after the period when the caller knows it (domain/drift/replay.py)."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from chalicelib.domain.candles import CandleSeries
from chalicelib.domain.drift.attribution import report
from chalicelib.domain.drift.matching import match
from chalicelib.domain.drift.model import Bucket, RunFacts, SideFill
from chalicelib.domain.drift.replay import Stage, Window, replay, replay_stages
from chalicelib.domain.risk import validate_risk
from chalicelib.domain.strategies import get_strategy, validate_params
from chalicelib.domain.synthetic import generate_candles

MIN = 60_000
BAR = 1_767_225_600_000  # a bar's open
FACTS = RunFacts("running", None, None, None, BAR + 60 * MIN, 0, None)


def fill(id_: str, side: str, price: str, qty: str, at: int, leg: str | None = None) -> SideFill:
    p, q = D(price), D(qty)
    fee = p * q * D("0.001")
    return SideFill(id=id_, side=side, leg=leg, tick_at=at if leg else None, executed_at_ms=at, price=p, quantity=q,
                    quote=p * q, fee=fee, fee_asset="USDT", fee_rate=D("0.001"), held=q, cash_fee=fee,
                    reason="grid")  # fmt: skip


def test_two_levels_filled_on_one_bar_pair_each_with_the_live_fill_nearest_its_price() -> None:
    replay_side = [
        fill("b-0", "BUY", "100.004", "1", BAR, "grid_buy_2"),
        fill("b-1", "BUY", "99.0049", "1", BAR, "grid_buy_1"),
    ]
    # The next tick (seconds after the bar closed) books both, at prices rounded to the tick size; listed the other way.
    live = [
        fill("tr-low", "BUY", "99.00", "0.99", BAR + MIN + 1500),
        fill("tr-high", "BUY", "100.00", "0.99", BAR + MIN + 900),
    ]
    m = match("bot", live, replay_side, late_ms=5 * MIN, bar_ms=MIN)
    assert [(lv.id, bt.id) for lv, bt in m.bar] == [("tr-high", "b-0"), ("tr-low", "b-1")]
    assert m.tick == m.late == m.live_only == m.backtest_only == []
    r = report(m, FACTS, D("101"))
    assert {p.kind for p in r.pairs} == {"bar"} and r.buckets[Bucket.TIMING] == 0
    # As a tick pair: the price difference on the live quantity is slippage, the rest of the gap is quantity.
    high = next(p for p in r.pairs if p.live.id == "tr-high")
    assert high.amounts[Bucket.SLIPPAGE] == D("0.004") * D("0.99")
    assert sum(r.buckets.values(), D(0)) == r.live_pnl - r.backtest_pnl


def test_orders_filled_at_once_when_placed_pair_with_the_replays_fills_at_the_bars_open() -> None:
    """CI, 2026-11-30 (DCA limit): four safety buys placed by the tick at BAR, three of them above the bar's open
    (filled at once, at the open, booked by that tick) and one filled later in the bar at its limit (booked by the
    next tick). The replay fills the same four on BAR: three at the open, one at its limit."""
    replay_side = [
        fill("b-0", "BUY", "20213.36", "0.00493", BAR, "safety_1"),
        fill("b-1", "BUY", "20213.36", "0.00493", BAR, "safety_2"),
        fill("b-2", "BUY", "20213.36", "0.00494", BAR, "safety_3"),
        fill("b-3", "BUY", "20204.32038", "0.00494", BAR, "safety_4"),
    ]
    live = [
        fill("tr-limit", "BUY", "20204.32", "0.00494", BAR + MIN + 3084),
        fill("tr-1", "BUY", "20213.36", "0.00493", BAR + 5292),
        fill("tr-2", "BUY", "20213.36", "0.00493", BAR + 5292),
        fill("tr-3", "BUY", "20213.36", "0.00494", BAR + 5292),
    ]
    m = match("bot", live, replay_side, late_ms=5 * MIN, bar_ms=MIN)
    assert m.late == m.live_only == m.backtest_only == []
    pairs = [(lv.id, bt.id) for lv, bt in m.bar]
    assert pairs == [("tr-1", "b-0"), ("tr-2", "b-1"), ("tr-3", "b-2"), ("tr-limit", "b-3")]
    r = report(m, FACTS, D("20220"))
    assert r.buckets[Bucket.TIMING] == 0
    # The only price difference is the limit's rounding to the tick size: 0.00038 better on 0.00494.
    assert r.buckets[Bucket.SLIPPAGE] == D("0.00038") * D("0.00494")
    assert sum(r.buckets.values(), D(0)) == r.live_pnl - r.backtest_pnl


def test_a_fill_booked_in_the_bar_before_the_replays_is_not_a_pair_of_that_bar() -> None:
    replay_side = [fill("b-0", "BUY", "100", "1", BAR, "grid_buy_1")]
    live = [fill("tr-1", "BUY", "100", "1", BAR - 1)]  # booked before the replay's bar opened
    m = match("bot", live, replay_side, late_ms=5 * MIN, bar_ms=MIN)
    assert m.bar == m.late == [] and [f.id for f in m.live_only] == ["tr-1"]


def test_a_resting_fill_on_a_later_bar_is_a_late_pair_with_its_difference_in_timing() -> None:
    replay_side = [fill("b-0", "SELL", "105", "1", BAR, "grid_sell_3")]
    live = [fill("tr-1", "SELL", "105", "1", BAR + 2 * MIN + 800)]  # booked by the tick after the next one
    m = match("bot", live, replay_side, late_ms=5 * MIN, bar_ms=MIN)
    assert m.bar == [] and [(lv.id, bt.id) for lv, bt in m.late] == [("tr-1", "b-0")]
    assert [p.kind for p in report(m, FACTS, D("101")).pairs] == ["late"]


def test_without_a_bar_length_nothing_pairs_by_bar() -> None:
    live, replay_side = [fill("tr-1", "BUY", "100", "1", BAR + MIN + 100)], [fill("b-0", "BUY", "100", "1", BAR, "g")]
    m = match("bot", live, replay_side, late_ms=5 * MIN)
    assert m.bar == [] and len(m.late) == 1


@pytest.fixture(scope="module")
def candles():
    return generate_candles(BAR - 30 * MIN, BAR + 600 * MIN, "1m", seed=3)


def test_the_periods_last_tick_fills_at_the_next_open_when_it_is_known(candles) -> None:
    strategy, params = get_strategy("sma_cross"), validate_params("sma_cross", {"fast": 5, "slow": 20})
    whole = Window(BAR, BAR + 600 * MIN, MIN)
    fills = replay(CandleSeries.from_candles(candles), strategy, params, validate_risk({}), whole, cash=1000.0,
                   fee_rate=0.001)  # fmt: skip
    tick = fills[1].time  # a tick that traded: end the period there
    period = [c for c in candles if c.open_time + MIN <= tick]
    window, stage = Window(BAR, tick, MIN), Stage(0, strategy, params, validate_risk({}), 0.0)
    series = CandleSeries.from_candles(period)
    at_close = replay_stages(series, [stage], window, cash=1000.0, fee_rate=0.001)
    at_open = replay_stages(series, [stage], window, cash=1000.0, fee_rate=0.001, next_open=12345.5)
    assert at_close[-1].time == at_open[-1].time == tick
    assert at_close[-1].price == float(period[-1].close) and at_open[-1].price == 12345.5
    assert at_open[:-1] == at_close[:-1]
