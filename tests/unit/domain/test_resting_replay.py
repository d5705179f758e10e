"""Issue #14: the live decision path reproduces the backtest for every candle strategy in both stop modes, and
for the grid and DCA with resting orders, the resting fills simulated bar by bar by the one rule of
domain/resting_fills.py on both sides. (The `signal` strategy trades only on webhook signals, never on candles:
its candle path has no trade to compare; tests/integration/signals covers it.)"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from chalicelib.domain.candles import CandleSeries
from tests.unit.domain.replay import replay
from tests.unit.domain.test_engine_replay import _backtest_trades

STOPS = {"stop_loss_pct": 0.3, "take_profit_pct": 0.5, "trailing_stop_pct": 0.25, "trailing_activation_pct": 0.2}
DCA = {"base_order_quote": 1000, "safety_order_quote": 500, "max_safety_orders": 4, "price_deviation_pct": 0.3,
       "step_scale": 1.5, "volume_scale": 1.5, "take_profit_pct": 0.4}
GRID = {"lower": 21500, "upper": 23500, "levels": 12, "spacing": "geometric"}
STRATEGIES: list[tuple[str, dict[str, Any]]] = [
    ("sma_cross", {"fast": 10, "slow": 30}),
    ("ema_cross", {"fast": 5, "slow": 13}),
    ("rsi_reversion", {"period": 7, "lower": 30, "upper": 70}),
    ("macd_cross", {"fast": 6, "slow": 13, "signal": 5}),
    ("bollinger_reversion", {"period": 20, "stddev": 2.0}),
    ("dca", DCA),
    ("dca", DCA | {"order_type": "limit"}),
    ("grid", GRID),
    ("grid", GRID | {"order_type": "limit"}),
    ("grid", GRID | {"order_type": "limit_maker"}),
]
CASES = [
    pytest.param(
        sid, params, STOPS | {"stop_mode": mode, "cooldown_bars": 5},
        id=f"{sid}-{params.get('order_type', 'market')}-{mode}",
    )
    for sid, params in STRATEGIES
    for mode in ("bot", "exchange")
]


@pytest.mark.parametrize(("strategy_id", "params", "risk"), CASES)
def test_replay_reproduces_the_backtest_in_both_stop_modes(
    btc_1m: CandleSeries, strategy_id: str, params: dict[str, Any], risk: dict[str, Any]
) -> None:
    # GIVEN two days of real 1m candles (with their real volumes, so big resting orders fill in parts)
    series = btc_1m.slice(2000, 4880)
    # WHEN the backtest runs and a tick replays the same bars through decide/apply_fill and Decision.wanted
    expected, result = _backtest_trades(series, strategy_id, params, risk)
    trades, state, cash = replay(series, strategy_id, params, risk)
    got = [
        (t.entry_time, t.exit_time, t.entry_price, t.exit_price, t.quantity, t.fee, t.pnl, t.return_pct, t.exit_reason)
        for t in trades
    ]
    # THEN the trades are the same, to the last bit, and so are the money and the open position
    assert len(expected) > 0
    assert got == expected
    open_qty = sum(float(lot["quantity"]) for lot in state["lots"].values())
    assert cash + open_qty * float(series.close[-1]) == result.equity[-1]


def test_exchange_stops_exit_through_resting_orders_not_at_the_open(btc_1m: CandleSeries) -> None:
    # GIVEN a signal strategy with a stop-loss and take-profit resting on the exchange
    series = btc_1m.slice(2000, 4880)
    risk = {"stop_loss_pct": 0.3, "take_profit_pct": 0.5, "stop_mode": "exchange"}
    trades, _, _ = replay(series, "sma_cross", {"fast": 10, "slow": 30}, risk)
    reasons = Counter(t.exit_reason for t in trades)
    # THEN some trades leave by the resting stop and take-profit, at their own prices (not a bar's open)
    assert reasons["stop_loss"] > 0 and reasons["take_profit"] > 0
    opens = set(series.open.tolist())
    at_level = [t for t in trades if t.exit_reason in ("stop_loss", "take_profit") and t.exit_price not in opens]
    assert at_level


def test_a_resting_grid_books_partial_fills_from_the_candles_volume(btc_1m: CandleSeries) -> None:
    # GIVEN a limit grid whose orders are larger than 10% of many candles' volume
    series = btc_1m.slice(2000, 4880)
    trades, _, _ = replay(series, "grid", GRID | {"order_type": "limit"}, None, cash=200_000.0)
    # THEN cells are sold in several fills of one lot (each sell fill closes a trade of its part)
    by_entry = Counter((t.entry_time, t.entry_price) for t in trades)
    assert trades and max(by_entry.values()) > 1


SMA = {"fast": 10, "slow": 30}
LONE = [
    pytest.param("sma_cross", SMA, {"stop_loss_pct": 0.15, "stop_mode": "exchange"}, "stop_loss",
                 id="lone-stop"),
    pytest.param("sma_cross", SMA, {"take_profit_pct": 0.4, "stop_mode": "exchange"}, "take_profit",
                 id="lone-tp"),
    pytest.param("dca", DCA | {"order_type": "limit"}, {"stop_loss_pct": 0.5, "stop_mode": "exchange"}, "stop_loss",
                 id="dca-oco"),
    pytest.param("grid", {"lower": 22300, "upper": 22600, "levels": 8, "order_type": "limit_maker"},
                 {"take_profit_pct": 0.3, "max_drawdown_pct": 0.2, "stop_mode": "exchange"}, "max_drawdown",
                 id="grid-tp-killswitch"),
]


@pytest.mark.parametrize(("strategy_id", "params", "risk", "reason"), LONE)
def test_replay_reproduces_the_backtest_with_a_lone_stop_or_take_profit(
    btc_1m: CandleSeries, strategy_id: str, params: dict[str, Any], risk: dict[str, Any], reason: str
) -> None:
    series = btc_1m.slice(6000, 8880)
    expected, result = _backtest_trades(series, strategy_id, params, risk)
    trades, state, cash = replay(series, strategy_id, params, risk)
    got = [
        (t.entry_time, t.exit_time, t.entry_price, t.exit_price, t.quantity, t.fee, t.pnl, t.return_pct, t.exit_reason)
        for t in trades
    ]
    assert len(expected) > 0 and got == expected
    assert reason in {t.exit_reason for t in trades}  # the case exercises what it is named for
    open_qty = sum(float(lot["quantity"]) for lot in state["lots"].values())
    assert cash + open_qty * float(series.close[-1]) == result.equity[-1]


def test_replay_reproduces_the_backtest_on_gappy_candles_with_stops_on_the_exchange(gappy_1m: CandleSeries) -> None:
    # GIVEN candles with gaps (a stop-limit can gap past its limit and rest unfilled)
    series = gappy_1m.slice(0, 3000)
    risk = {"stop_loss_pct": 0.5, "take_profit_pct": 1.0, "stop_mode": "exchange"}
    expected, _ = _backtest_trades(series, "ema_cross", {"fast": 5, "slow": 13}, risk)
    trades, _, _ = replay(series, "ema_cross", {"fast": 5, "slow": 13}, risk)
    got = [
        (t.entry_time, t.exit_time, t.entry_price, t.exit_price, t.quantity, t.fee, t.pnl, t.return_pct, t.exit_reason)
        for t in trades
    ]
    assert len(expected) > 0 and got == expected
    assert {"stop_loss", "take_profit"} <= {t.exit_reason for t in trades}
