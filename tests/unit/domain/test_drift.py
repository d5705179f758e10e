"""The drift report's domain: a live run that is the replay itself has no gap; each kind of difference lands
in its own bucket with the amount worked out here independently; the buckets always add up to the gap."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

from chalicelib.domain.bots import client_order_id
from chalicelib.domain.candles import CandleSeries
from chalicelib.domain.drift.compute import BotSetup, drift
from chalicelib.domain.drift.model import Bucket, RunFacts, Why
from chalicelib.domain.drift.replay import Window, replay
from chalicelib.domain.drift.sides import backtest_fills
from chalicelib.domain.risk import validate_risk
from chalicelib.domain.strategies import get_strategy, validate_params
from chalicelib.domain.synthetic import generate_candles
from chalicelib.domain.trades import Trade

DAY = 86_400_000
MIN = 60_000
START = 1_767_225_600_000  # 2026-01-01
PARAMS = {"fast": 5, "slow": 20}
SETUP = BotSetup("bot1", "sma_cross", PARAMS, {}, Decimal(1000), Decimal("0.001"), "USDT")
WINDOW = Window(START, START + DAY // 2, MIN)
RUNNING = RunFacts("running", None, None, None, START + DAY, 0, None)


@pytest.fixture(scope="module")
def candles():
    return generate_candles(START - 30 * MIN, START + DAY // 2, "1m", seed=3)


def replayed(candles):
    sims = replay(CandleSeries.from_candles(candles), get_strategy("sma_cross"), validate_params("sma_cross", PARAMS),
                  validate_risk({}), WINDOW, cash=1000.0, fee_rate=0.001)  # fmt: skip
    return backtest_fills(sims, 0.001, "USDT")


def as_trades(fills, price_factor=Decimal(1), fee_rate=Decimal("0.001")):
    """Live Trade rows for the replay's fills, with the ids the tick gives them; buys pay more, sells get less."""
    out = []
    for f in fills:
        price = f.price * price_factor if f.side == "BUY" else f.price / price_factor
        quote = f.quantity * price
        out.append(Trade(
            id=client_order_id("bot1", f.tick_at, f.leg), user_id="u", bot_id="bot1", symbol="BTCUSDT", side=f.side,
            price=price, quantity=f.quantity, quote_quantity=quote, fee=quote * fee_rate, fee_asset="USDT",
            realised_pnl=None, executed_at_ms=f.tick_at + 1500, mode="paper", reason=f.reason,
            exchange_order_id="x", net_quantity=f.quantity,
        ))  # fmt: skip
    return out


def total(report):
    return sum(report.buckets.values(), Decimal(0))


def test_a_live_run_equal_to_the_replay_has_no_gap(candles):
    fills = replayed(candles)
    assert len(fills) >= 4
    r = drift(SETUP, candles, as_trades(fills), RUNNING, WINDOW)
    assert len(r.pairs) == len(fills) and not r.unmatched
    assert all(p.kind == "tick" and p.time_ms == 1500 for p in r.pairs)
    assert r.live_pnl == r.backtest_pnl
    assert all(v == 0 for v in r.buckets.values())


def test_slippage_lands_in_slippage_with_its_amount(candles):
    fills = replayed(candles)
    r = drift(SETUP, candles, as_trades(fills, price_factor=Decimal("1.0005")), RUNNING, WINDOW)
    expected = -sum(
        (f.quantity * (f.price * Decimal("1.0005") - f.price) if f.side == "BUY"
         else f.quantity * (f.price - f.price / Decimal("1.0005")) for f in fills), Decimal(0)
    )  # fmt: skip
    assert expected < 0 and abs(r.buckets[Bucket.SLIPPAGE] - expected) < Decimal("1e-9")
    assert r.buckets[Bucket.UNEXPLAINED] == 0 and r.buckets[Bucket.TIMING] == 0
    assert all(p.slippage_bps == pytest.approx(Decimal(5), abs=Decimal("0.01")) for p in r.pairs)
    assert total(r) == r.live_pnl - r.backtest_pnl


def test_fees_land_in_fees(candles):
    fills = replayed(candles)
    r = drift(SETUP, candles, as_trades(fills, fee_rate=Decimal("0.002")), RUNNING, WINDOW)
    expected = -sum((f.quote * Decimal("0.001") for f in fills), Decimal(0))
    assert abs(r.buckets[Bucket.FEES] - expected) < Decimal("1e-9")
    assert all(p.fee_rate_diff == Decimal("0.001") for p in r.pairs)
    assert total(r) == r.live_pnl - r.backtest_pnl


def test_a_missed_entry_and_its_exit_are_timing(candles):
    fills = replayed(candles)
    entry, exit_ = fills[0], fills[1]
    r = drift(SETUP, candles, as_trades(fills[2:]), RUNNING, WINDOW)
    assert [u.why for u in r.unmatched] == [Why.MISSED_TICK, Why.MISSED_TICK]
    end = candles[-1].close
    assert r.buckets[Bucket.TIMING] == -(entry.pnl(end) + exit_.pnl(end))
    assert r.buckets[Bucket.UNEXPLAINED] == 0
    assert total(r) == r.live_pnl - r.backtest_pnl


def test_ticks_after_the_last_completed_one_are_failed_when_failures_are_counted(candles):
    fills = replayed(candles)
    last = fills[-3].tick_at
    facts = replace(RUNNING, last_tick_at=last, consecutive_failures=2, last_error="exchange down")
    r = drift(SETUP, candles, as_trades(fills[:-2]), facts, WINDOW)
    assert {u.why for u in r.unmatched} == {Why.FAILED_TICK}
    assert "exchange down" in r.unmatched[0].detail


def test_a_stop_on_a_rejected_order_is_a_rejection(candles):
    fills = replayed(candles)
    cut = fills[2].tick_at
    facts = replace(RUNNING, status="error", status_reason="Insufficient balance (exchange code -2010)",
                    status_changed_ms=cut - 1)  # fmt: skip
    r = drift(SETUP, candles, as_trades(fills[:2]), facts, WINDOW)
    assert {u.why for u in r.unmatched} == {Why.ORDER_REJECTED}
    assert r.buckets[Bucket.REJECTIONS] != 0 and r.buckets[Bucket.UNEXPLAINED] == 0
    assert total(r) == r.live_pnl - r.backtest_pnl


def test_a_live_trade_no_tick_decided_is_unexplained(candles):
    fills = replayed(candles)
    stray = replace(as_trades(fills[:1])[0], id="tbstray", executed_at_ms=fills[0].tick_at - 20 * MIN)
    r = drift(SETUP, candles, [stray, *as_trades(fills)], RUNNING, WINDOW)
    assert [u.why for u in r.unmatched] == [Why.UNKNOWN]
    assert r.buckets[Bucket.UNEXPLAINED] == r.unmatched[0].amount != 0
    assert total(r) == r.live_pnl - r.backtest_pnl


def test_a_late_fill_pairs_with_its_tick_as_timing(candles):
    fills = replayed(candles)
    trades = as_trades(fills)
    late = replace(trades[0], id="tblate", executed_at_ms=fills[0].tick_at + 2 * MIN,
                   price=trades[0].price * 2, quote_quantity=trades[0].quote_quantity * 2)  # fmt: skip
    r = drift(SETUP, candles, [late, *trades[1:]], RUNNING, WINDOW)
    assert not r.unmatched
    kinds = [p.kind for p in r.pairs]
    assert kinds.count("late") == 1
    assert abs(r.buckets[Bucket.TIMING] + trades[0].quote_quantity) < Decimal("1e-9")
    assert r.buckets[Bucket.SLIPPAGE] == 0
    assert total(r) == r.live_pnl - r.backtest_pnl


def test_fills_after_an_edit_of_the_running_bot_are_config(candles):
    fills = replayed(candles)
    edit = fills[2].tick_at - 1
    r = drift(SETUP, candles, as_trades(fills[:2]), replace(RUNNING, config_changed_ms=edit), WINDOW)
    assert {u.why for u in r.unmatched} == {Why.CONFIG_CHANGE}
    assert r.buckets[Bucket.CONFIG] == sum((u.amount for u in r.unmatched), Decimal(0)) != 0
    assert r.buckets[Bucket.UNEXPLAINED] == 0 and total(r) == r.live_pnl - r.backtest_pnl


@pytest.mark.parametrize(("status", "why"), [("paused", Why.BOT_PAUSED), ("stopped", Why.MANUAL_STOP)])
def test_fills_after_the_bot_left_running_are_timing(candles, status, why):
    fills = replayed(candles)
    facts = replace(RUNNING, status=status, status_changed_ms=fills[2].tick_at - 1)
    r = drift(SETUP, candles, as_trades(fills[:2]), facts, WINDOW)
    assert {u.why for u in r.unmatched} == {why}
    assert r.buckets[Bucket.TIMING] == sum((u.amount for u in r.unmatched), Decimal(0))
    assert r.buckets[Bucket.UNEXPLAINED] == 0


def test_a_resting_order_booked_in_parts_is_one_fill(candles):
    fills = replayed(candles)
    first, *rest = as_trades(fills)
    half = first.quantity / 2
    parts = [
        replace(first, quantity=half, quote_quantity=half * first.price, fee=first.fee / 2, net_quantity=half),
        replace(first, id=f"{first.id}.{half}", quantity=first.quantity - half,
                quote_quantity=(first.quantity - half) * first.price, fee=first.fee - first.fee / 2,
                net_quantity=first.quantity - half, executed_at_ms=first.executed_at_ms + 1),
    ]  # fmt: skip
    r = drift(SETUP, candles, [*parts, *rest], RUNNING, WINDOW)
    assert not r.unmatched and len(r.pairs) == len(fills)
    assert r.pairs[0].quantity_diff == 0 and r.live_pnl == r.backtest_pnl
