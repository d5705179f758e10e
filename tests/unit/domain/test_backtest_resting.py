"""Issue #14, the backtester's resting book: orders wanted at a bar's close rest from the next bar and fill by
domain/resting_fills.py (at their price or a gapping open, stops that gap past their limit rest, OCO legs
cancel each other, 10% of a candle's volume at most)."""

from __future__ import annotations

import numpy as np
import pytest

from chalicelib.domain.backtest import run_backtest
from chalicelib.domain.backtest.fills import SimFill, settle
from chalicelib.domain.backtest.resting import Candle, RestingBook
from chalicelib.domain.candles import CandleSeries
from chalicelib.domain.orders import OrderType, Side
from chalicelib.domain.strategies.base import Want
from tests.unit.domain.conftest import MINUTE, T0


class _Account:
    def __init__(self, cash: float, held: float = 0.0) -> None:
        self.cash, self.quantity, self.fills = cash, held, []  # type: ignore[var-annotated]

    def held(self, group: str) -> float:
        return self.quantity

    def book(self, fill: SimFill) -> None:
        self.cash = settle(self.cash, fill)
        self.quantity += fill.quantity if fill.side is Side.BUY else -fill.quantity
        self.fills.append(fill)


def _oco(quantity: float = 1.0) -> Want:
    return Want("protect", "protect", "exit", "take_profit", Side.SELL, OrderType.LIMIT_MAKER, quantity, 110.0,
                oco_stop=(95.0, 94.0), stop_reason="stop_loss")


def _candle(o: float, h: float, low: float, volume: float = 0.0) -> Candle:
    return Candle(T0, o, h, low, volume)


def test_a_buy_limit_fills_at_its_price_or_at_a_gapping_open() -> None:
    book, account = RestingBook(fee_rate=0.0), _Account(1000.0)
    book.update([Want("grid_buy_0", "grid_buy", "grid_buy_0", "grid", Side.BUY, OrderType.LIMIT, 1.0, 100.0)])
    book.fill_bar(_candle(105, 106, 101), account)
    assert account.fills == [] and "grid_buy_0" in book.orders  # not reached
    book.fill_bar(_candle(98, 99, 97), account)  # opened through it
    assert [(f.price, f.quantity) for f in account.fills] == [(98.0, 1.0)] and book.orders == {}


def test_an_oco_takes_the_stop_when_one_candle_reaches_both_legs() -> None:
    book, account = RestingBook(fee_rate=0.0), _Account(0.0, held=1.0)
    book.update([_oco()])
    book.fill_bar(_candle(100, 111, 94.5), account)
    assert [(f.price, f.reason) for f in account.fills] == [(94.0, "stop_loss")]


def test_a_stop_limit_that_gaps_past_its_limit_rests_and_fills_later_at_its_limit() -> None:
    book, account = RestingBook(fee_rate=0.0), _Account(0.0, held=1.0)
    book.update([_oco()])
    book.fill_bar(_candle(93, 93.5, 90), account)  # opened below the limit: triggered, not filled
    assert account.fills == [] and book.orders["protect"].triggered
    book.fill_bar(_candle(92, 94.5, 91), account)  # rests as a limit sell at 94
    assert [(f.price, f.reason) for f in account.fills] == [(94.0, "stop_loss")]


def test_a_candle_fills_at_most_a_tenth_of_its_volume_and_the_rest_keeps_resting() -> None:
    book, account = RestingBook(fee_rate=0.0), _Account(0.0, held=1.0)
    book.update([_oco()])
    book.fill_bar(_candle(100, 112, 99, volume=4.0), account)
    assert [(f.price, f.quantity, f.reason) for f in account.fills] == [(110.0, 0.4, "take_profit")]
    # THEN the stop leg is cancelled: the rest is a plain limit at the take-profit
    book.fill_bar(_candle(100, 100, 80, volume=100.0), account)
    assert len(account.fills) == 1
    book.update([_oco()])  # wanted again on the same terms: the same order, 0.6 left
    assert book.orders["protect"].filled == 0.4


def _safety(key: str, price: float) -> Want:
    return Want(key, "safety_order", key, "safety_order", Side.BUY, OrderType.LIMIT, 1.0, price)


def _take_profit(price: float) -> Want:
    return Want("take_profit", "take_profit", "exit", "take_profit", Side.SELL, OrderType.LIMIT, 1.0, price)


def test_a_limit_placed_where_the_bars_open_fills_it_is_booked_before_the_bars_other_fills() -> None:
    """CI, 2026-11-30 (DCA limit): the tick placed a safety buy above the price, which filled at once; the
    take-profit resting since the bar before filled later in the bar. The tick booked the buy first (when it
    placed it), then the sell (found by the next tick); the backtest books them in that order too."""
    book, account = RestingBook(fee_rate=0.0), _Account(1000.0, held=1.0)
    book.update([_take_profit(102.0)])
    book.fill_bar(_candle(100, 101, 99), account)  # the take-profit rests: not reached
    book.update([_take_profit(102.0), _safety("safety_1", 100.5)])  # placed above the next open (100)
    book.fill_bar(_candle(100, 103, 99.5), account)
    booked = [(f.side, f.price, f.leg) for f in account.fills]
    assert booked == [(Side.BUY, 100.0, "safety_1"), (Side.SELL, 102.0, "exit")]


def test_limits_filled_when_placed_are_booked_in_the_order_they_were_placed() -> None:
    book, account = RestingBook(fee_rate=0.0), _Account(1000.0)
    levels = [Want(k, "grid_buy", k, "grid", Side.BUY, OrderType.LIMIT, 1.0, p) for k, p in (("grid_buy_2", 101.0),
              ("grid_buy_10", 102.0))]  # fmt: skip
    book.update(levels)  # placed in this order (by key, grid_buy_10 would come first)
    book.fill_bar(_candle(100, 100.5, 99), account)
    assert [f.leg for f in account.fills] == ["grid_buy_2", "grid_buy_10"]


def test_a_limit_resting_from_an_earlier_bar_that_the_open_gaps_through_keeps_the_sells_first_order() -> None:
    book, account = RestingBook(fee_rate=0.0), _Account(1000.0, held=1.0)
    book.update([_take_profit(102.0), _safety("safety_1", 99.0)])
    book.fill_bar(_candle(100, 101, 99.5), account)  # neither reached
    book.update([_take_profit(102.0), _safety("safety_1", 99.0)])  # kept as they rest
    book.fill_bar(_candle(98.5, 103, 98), account)  # gaps through the buy, then reaches the sell
    assert [(f.side, f.price) for f in account.fills] == [(Side.SELL, 102.0), (Side.BUY, 98.5)]


def test_new_terms_replace_an_order_and_an_unwanted_one_is_cancelled() -> None:
    book = RestingBook(fee_rate=0.0)
    book.update([_oco()])
    book.orders["protect"].filled = 0.3
    book.update([_oco(quantity=0.7)])
    assert book.orders["protect"].filled == 0.0
    book.update([])
    assert book.orders == {}


def _wave(n: int) -> CandleSeries:
    """A price swinging through a grid's range, with enough volume to fill each order at once."""
    close = 22_000 + 900 * np.sin(np.arange(n) / 40.0)
    open_ = np.concatenate(([close[0]], close[:-1]))
    return CandleSeries(
        open_time=T0 + MINUTE * np.arange(n, dtype=np.int64),
        open=open_, high=np.maximum(open_, close) + 5, low=np.minimum(open_, close) - 5, close=close,
        volume=np.full(n, 1e6),
    )


def test_a_resting_grid_backtest_fills_at_its_levels() -> None:
    params = {"lower": 21000, "upper": 23000, "levels": 5, "order_type": "limit_maker"}
    result = run_backtest(_wave(2000), "grid", params, interval_ms=MINUTE)
    closed = [t for t in result.trades.to_records() if t["status"] == "closed"]
    assert result.path == "loop" and len(closed) > 10
    levels = {21000.0, 21500.0, 22000.0, 22500.0, 23000.0}
    assert all(t["exit_price"] in levels for t in closed)
    # the entry price is the lot's average (cost / quantity): its level up to float rounding
    assert all(t["exit_price"] - t["entry_price"] == pytest.approx(500) for t in closed)


def test_a_grid_with_twenty_resting_orders_runs_over_twenty_thousand_bars() -> None:
    # GIVEN 20,000 bars and a 21-level grid (20 resting orders). What it costs next to the market grid is measured
    # by bench/backtest_resting.py (speed belongs in bench/, not in a timed test: this one failed under load).
    series = _wave(20_000)
    params = {"lower": 21000, "upper": 23000, "levels": 21}
    market = run_backtest(series, "grid", params, interval_ms=MINUTE)
    resting = run_backtest(series, "grid", params | {"order_type": "limit"}, interval_ms=MINUTE)
    assert len(resting.trades) > 100 and len(market.trades) > 100
