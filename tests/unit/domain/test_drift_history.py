"""The drift report with the bot's configuration history and its real state at `from`: an edit inside the period
is the `config` bucket, worth exactly PnL(replay following the history) - PnL(replay of the config at `from`),
each worked out here by its own means; no edit, no config; a replay from inside a position starts from the
state the shadow pass rebuilt from the real fills."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

from chalicelib.domain.backtest.fills import settle
from chalicelib.domain.candles import CandleSeries
from chalicelib.domain.config_history import ConfigVersion
from chalicelib.domain.drift.compute import drift, stage
from chalicelib.domain.drift.model import Bucket
from chalicelib.domain.drift.replay import Window, replay
from chalicelib.domain.drift.sides import backtest_fills, live_fills
from chalicelib.domain.drift.start import state_at
from chalicelib.domain.risk import validate_risk
from chalicelib.domain.strategies import get_strategy, validate_params
from tests.unit.domain.test_drift import MIN, PARAMS, RUNNING, SETUP, START, WINDOW, as_trades, candles, total

__all__ = ["candles"]  # the module fixture, shared

HALF = {"position_size": {"mode": "percent", "value": 50}}


def sims(series, risk, window, cash):
    strategy, params = get_strategy("sma_cross"), validate_params("sma_cross", PARAMS)
    return replay(series, strategy, params, validate_risk(risk), window, cash=cash, fee_rate=0.001)


def version(at_ms, risk=None, budget="1000"):
    return ConfigVersion("bot1", at_ms, "edit", "sma_cross", PARAMS, risk or {}, Decimal(budget), "BTCUSDT", "1m")


def pnl(fills, end):
    return sum((f.pnl(end) for f in backtest_fills(fills, 0.001, "USDT")), Decimal(0))


@pytest.mark.parametrize(("risk", "budget"), [(HALF, "1000"), ({}, "1500")], ids=["risk", "budget"])
def test_an_edit_mid_period_is_the_config_bucket_worth_the_two_replays_difference(candles, risk, budget):
    series, end = CandleSeries.from_candles(candles), candles[-1].close
    at_from = sims(series, {}, WINDOW, 1000.0)
    edit = at_from[2].time  # the tick that decides the second entry: flat before it, so the run can be cut there
    before = [f for f in at_from if f.time < edit]
    cash = 1000.0
    for f in before:
        cash = settle(cash, f)
    cash += float(Decimal(budget) - 1000)  # the tick's budget sync
    after = sims(series, risk, Window(edit - 1, WINDOW.to_ms, MIN), cash)
    followed = before + after
    expected = pnl(followed, end) - pnl(at_from, end)
    assert abs(expected) > Decimal("0.01")
    setup = replace(SETUP, edits=(version(edit, risk, budget),), budget=Decimal(1000))
    r = drift(setup, candles, as_trades(backtest_fills(followed, 0.001, "USDT")), RUNNING, WINDOW)
    assert r.buckets[Bucket.CONFIG] == expected
    assert r.backtest_pnl == pnl(at_from, end) and r.history_pnl == r.live_pnl == pnl(followed, end)
    assert not r.unmatched and all(v == 0 for b, v in r.buckets.items() if b is not Bucket.CONFIG)
    assert total(r) == r.live_pnl - r.backtest_pnl


def test_no_edit_or_an_edit_that_changes_nothing_is_no_config(candles):
    fills = backtest_fills(sims(CandleSeries.from_candles(candles), {}, WINDOW, 1000.0), 0.001, "USDT")
    slipped = as_trades(fills, price_factor=Decimal("1.0005"))
    plain = drift(SETUP, candles, slipped, RUNNING, WINDOW)
    same = drift(replace(SETUP, edits=(version(fills[2].tick_at),), budget=Decimal(1000)), candles, slipped,
                 RUNNING, WINDOW)  # fmt: skip
    for r in (plain, same):
        assert r.buckets[Bucket.CONFIG] == 0 and r.history_pnl == r.backtest_pnl
        assert r.buckets[Bucket.SLIPPAGE] < 0 and total(r) == r.live_pnl - r.backtest_pnl
    assert plain.buckets == same.buckets and plain.live_pnl == same.live_pnl


def test_a_from_inside_a_position_starts_from_the_state_the_real_fills_built(candles):
    """A trailing stop decides the exit from the peak since the entry: the replay from inside the position only
    exits where the whole run did if the shadow pass carried the real lot and its peak to `from`."""
    trailing = {"trailing_stop_pct": 0.1}
    series = CandleSeries.from_candles(candles)
    whole = backtest_fills(sims(series, trailing, WINDOW, 1000.0), 0.001, "USDT")
    k = next(i for i, f in enumerate(whole) if f.reason == "trailing_stop")
    entry, exit_ = whole[k - 1], whole[k]
    frm = entry.tick_at + 5 * MIN
    assert entry.side == "BUY" and frm < exit_.tick_at
    live = live_fills(as_trades(whole))
    base = stage(version(START, trailing))
    engine = state_at(series, base, Window(START, frm, MIN), {}, Decimal(1000), [f for f in live if
                      f.executed_at_ms <= frm])  # fmt: skip
    lot = engine["lots"]["main"]
    assert Decimal(lot["quantity"]) == entry.quantity
    highs = [c.high for c in candles if entry.tick_at <= c.open_time < frm]
    assert Decimal(engine["peak_price"]) == max([entry.price, *highs])
    cash = Decimal(1000) + sum(((f.quote if f.side == "SELL" else -f.quote) - f.fee for f in whole[:k]), Decimal(0))
    setup = replace(SETUP, risk=trailing, cash=cash, start=engine, held=entry.quantity, budget=Decimal(1000))
    window = Window(frm, WINDOW.to_ms, MIN)
    after = [t for t in as_trades(whole) if t.executed_at_ms > frm]
    r = drift(setup, candles, after, RUNNING, window)
    assert not r.unmatched and len(r.pairs) == len(after) and r.pairs[0].backtest.tick_at == exit_.tick_at
    # Only the float cash of the two runs differs (summed in Decimal here, bar by bar there): 1e-12 at most.
    assert all(abs(v) <= Decimal("1e-9") for v in r.buckets.values()) and total(r) == r.live_pnl - r.backtest_pnl
    # The position held at `from` counts in both PnLs from its mark then.
    mark = next(c.close for c in reversed(candles) if c.open_time + MIN <= frm)
    fills_pnl = sum((p.live.pnl(candles[-1].close) for p in r.pairs), Decimal(0))
    assert r.live_pnl == fills_pnl + (entry.quantity * (candles[-1].close - mark)).quantize(Decimal("1e-12"))
