"""Issue #20 item 4: metrics a trader can trust, with numbers computed by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from chalicelib.domain.benchmark import buy_and_hold, open_position
from chalicelib.domain.metrics import DAY_MS, MIN_ANNUALISED_DAYS, compute_metrics, daily_equity

HOUR_MS = 3_600_000


def _metrics(equity: list[float], interval_ms: int, closed: list[float], open_trades: int = 0,
             cash: float = 1000.0):  # type: ignore[no-untyped-def]
    return compute_metrics(
        equity=np.array(equity, dtype=np.float64), initial_cash=cash, interval_ms=interval_ms,
        closed_pnl=np.array(closed, dtype=np.float64), fees_paid=0.0, bars_in_market=0, open_trades=open_trades,
    )


def test_a_seven_day_loss_has_no_cagr_only_its_period_return() -> None:
    # The "-100% CAGR from a 7-day run": 168 hourly bars ending 9% down compounded to -99.3% a year.
    equity = [1000.0] * 167 + [910.0]
    m = _metrics(equity, HOUR_MS, [-90.0])
    assert m.period_days == 7.0
    assert m.cagr_pct is None and m.sharpe is None and m.sortino is None and m.annualised is False
    assert m.period_return_pct == pytest.approx(-9.0) and m.total_return_pct == pytest.approx(-9.0)
    assert m.min_annualised_days == MIN_ANNUALISED_DAYS == 30


def test_a_seven_day_gain_is_not_turned_into_606_pct_a_year() -> None:
    # +3.8% in 7 days would annualise to 1.038 ** (365 / 7) - 1 = 595%: not shown.
    m = _metrics([1000.0] * 167 + [1038.0], HOUR_MS, [38.0])
    assert m.cagr_pct is None and m.period_return_pct == pytest.approx(3.8)


def test_sharpe_and_sortino_use_daily_returns_times_sqrt_365() -> None:
    # 12h bars over 30 days; the day-end equity alternates +2% / -1%. The mid-day bar (half the equity)
    # is not a day end, so it changes the drawdown but not the ratios.
    day_ends = [1000.0]
    for k in range(30):
        day_ends.append(day_ends[-1] * (1.02 if k % 2 == 0 else 0.99))
    equity: list[float] = []
    for end in day_ends[1:]:
        equity += [end * 0.5, end]
    m = _metrics(equity, 12 * HOUR_MS, [])
    assert m.period_days == 30.0 and m.annualised is True and m.annualisation == "sqrt(365)"
    # r = [0.02, -0.01] x 15: mean 0.005; std(ddof=1) = sqrt(30 x 0.015^2 / 29); downside = sqrt(15 x 0.01^2 / 30)
    assert m.sharpe == pytest.approx(0.005 / math.sqrt(30 * 0.015**2 / 29) * math.sqrt(365))
    assert m.sharpe == pytest.approx(6.2613, abs=1e-4)
    assert m.sortino == pytest.approx(0.005 / math.sqrt(0.00005) * math.sqrt(365))
    assert m.sortino == pytest.approx(13.5093, abs=1e-4)
    growth = (1.02 * 0.99) ** 15
    assert m.cagr_pct == pytest.approx((growth ** (365 / 30) - 1) * 100)


def test_daily_equity_takes_each_24h_windows_last_bar_and_a_partial_last_day() -> None:
    equity = np.arange(1.0, 52.0)  # 51 hourly bars: two full days and 3 hours
    assert daily_equity(equity, HOUR_MS).tolist() == [24.0, 48.0, 51.0]
    assert daily_equity(equity, DAY_MS).tolist() == equity.tolist()


def test_full_win_rate_next_to_a_drawdown_is_the_open_positions_mark_to_market() -> None:
    # One closed trade won 10; a second position is still open and marked 168.57 down: 15.7% below the peak.
    m = _metrics([1000.0, 1010.0, 1010.0, 851.43], DAY_MS, [10.0], open_trades=1)
    assert m.win_rate_pct == 100.0 and m.num_trades == 1 and m.open_trades == 1
    assert m.max_drawdown_pct == pytest.approx((1010 - 851.43) / 1010 * 100)
    assert round(m.max_drawdown_pct, 1) == 15.7
    assert m.final_equity_includes_open_position is True
    pos = open_position(np.array([2.0]), np.array([500.0]), np.array([-168.57]), 415.715)
    assert pos == {"qty": 2.0, "entry_price": 500.0, "mark_price": 415.715, "market_value": 831.43,
                   "unrealised_pnl": -168.57}


def test_high_win_rate_with_a_loss_overall_because_one_position_is_held_to_the_end() -> None:
    # 11 of 12 closed trades won 4.93 each, one lost 1.10; the position held to the end is 96.13 under water.
    closed = [4.93] * 11 + [-1.10]
    final = 10_000 + sum(closed) - 96.13  # 9,957.00
    m = _metrics([10_000.0, final], DAY_MS, closed, open_trades=1, cash=10_000.0)
    assert m.win_rate_pct == pytest.approx(91.6667, abs=1e-4)
    assert m.profit_factor == pytest.approx(49.3)
    assert m.avg_win == pytest.approx(4.93) and m.avg_loss == pytest.approx(-1.10)
    assert m.expectancy == pytest.approx((54.23 - 1.10) / 12)  # 4.4275 per closed trade
    assert m.total_return_pct == pytest.approx(-0.43)
    assert m.final_equity_includes_open_position is True


def test_no_trades_means_no_averages() -> None:
    m = _metrics([1000.0, 1000.0], DAY_MS, [])
    assert (m.avg_win, m.avg_loss, m.expectancy, m.win_rate_pct) == (None, None, None, 0.0)
    assert m.final_equity_includes_open_position is False


def test_buy_and_hold_buys_at_the_first_open_with_the_fee_and_marks_every_close() -> None:
    bench, equity = buy_and_hold(100.0, np.array([110.0, 90.0, 120.0]), cash=1000.0, fee=0.001, slippage=0.0)
    qty = 1000 / (100 * 1.001)  # 9.99000999
    assert bench.quantity == pytest.approx(qty) and bench.entry_price == 100.0
    assert equity.tolist() == pytest.approx([110 * qty, 90 * qty, 120 * qty])
    assert bench.return_pct == pytest.approx((120 * qty / 1000 - 1) * 100)  # 19.88%
    assert bench.max_drawdown_pct == pytest.approx(20 / 110 * 100)  # 110 -> 90: 18.18%


def test_buy_and_hold_pays_slippage_on_the_entry() -> None:
    bench, _ = buy_and_hold(100.0, np.array([100.0]), cash=1000.0, fee=0.0, slippage=0.01)
    assert bench.entry_price == pytest.approx(101.0) and bench.return_pct == pytest.approx((100 / 101 - 1) * 100)


def test_open_lots_sum_to_one_position_at_their_cost_weighted_price() -> None:
    pos = open_position(np.array([1.0, 3.0]), np.array([100.0, 200.0]), np.array([49.9, -150.3]), 150.0)
    assert pos is not None
    assert pos["qty"] == 4.0 and pos["entry_price"] == 175.0 and pos["market_value"] == 600.0
    assert pos["unrealised_pnl"] == pytest.approx(-100.4)
    assert open_position(np.array([]), np.array([]), np.array([]), 150.0) is None


def test_chart_candles_merge_consecutive_bars_beyond_the_limit() -> None:
    from chalicelib.domain.candles import CandleSeries
    from chalicelib.services.backtests.results import chart_candles

    n = 6
    series = CandleSeries(
        open_time=np.arange(n, dtype=np.int64) * 60_000,
        open=np.array([10.0, 11, 12, 13, 14, 15]),
        high=np.array([11.0, 19, 13, 14, 15, 16]),
        low=np.array([9.0, 10, 5, 12, 13, 14]),
        close=np.array([10.5, 11.5, 12.5, 13.5, 14.5, 15.5]),
        volume=np.ones(n),
    )
    assert len(chart_candles(series)) == 6
    merged = chart_candles(series, limit=2)
    assert merged == [
        {"t": "1970-01-01T00:00:00.000Z", "open": 10.0, "high": 19.0, "low": 5.0, "close": 12.5},
        {"t": "1970-01-01T00:03:00.000Z", "open": 13.0, "high": 16.0, "low": 12.0, "close": 15.5},
    ]


def test_chart_plots_follow_the_merged_candles_with_the_value_at_each_last_bar() -> None:
    from chalicelib.services.backtests import results
    from tests.unit.domain.conftest import series_from_closes

    closes = [float(100 + (i % 7)) for i in range(2_500)]
    series = series_from_closes(closes)
    candles = results.chart_candles(series)
    fast, slow = results.chart_plots("sma_cross", {"fast": 3, "slow": 10}, series)
    assert (fast["name"], slow["name"]) == ("SMA 3", "SMA 10") and len(candles) == results.CHART_CANDLES
    # 2,500 bars merged into 1,000 candles: a point per candle past the warm-up, at the candle's time, with
    # the SMA at its last bar (the bar its close comes from).
    lo, hi = results._buckets(len(series), results.CHART_CANDLES)
    for plot, n in ((fast, 3), (slow, 10)):
        shown = [(a, b) for a, b in zip(lo.tolist(), hi.tolist(), strict=True) if b - 1 >= n - 1]
        assert len(plot["points"]) == len(shown) >= len(candles) - 4
        for point, (a, b) in zip(plot["points"], shown, strict=True):
            assert point["time"] == int(series.open_time[a])
            assert point["value"] == pytest.approx(sum(closes[b - n : b]) / n)
    assert results.chart_plots("grid", {"lower": 1, "upper": 2, "levels": 3}, series) == []
