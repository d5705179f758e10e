"""The live decision path (engine.decide / apply_fill on a recent window) reproduces the backtest."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from chalicelib.domain.backtest import run_backtest
from chalicelib.domain.candles import CandleSeries
from tests.unit.domain.replay import replay

CASES: list[tuple[str, dict[str, Any], dict[str, Any] | None]] = [
    ("sma_cross", {"fast": 10, "slow": 30}, None),
    ("ema_cross", {"fast": 5, "slow": 13}, None),
    ("rsi_reversion", {"period": 7, "lower": 30, "upper": 70}, None),
    ("macd_cross", {"fast": 6, "slow": 13, "signal": 5}, None),
    ("bollinger_reversion", {"period": 20, "stddev": 2.0}, None),
    ("dca", {"base_order_quote": 1000, "safety_order_quote": 500, "max_safety_orders": 4,
             "price_deviation_pct": 0.3, "step_scale": 1.5, "volume_scale": 1.5, "take_profit_pct": 0.4}, None),
    ("grid", {"lower": 21500, "upper": 23500, "levels": 12, "spacing": "geometric"}, None),
    ("sma_cross", {"fast": 5, "slow": 20},
     {"stop_loss_pct": 0.25, "take_profit_pct": 0.6, "cooldown_bars": 10,
      "stoploss_guard": {"max_stops": 3, "window_bars": 240, "pause_bars": 120}}),
    ("ema_cross", {"fast": 5, "slow": 13},
     {"trailing_stop_pct": 0.2, "trailing_activation_pct": 0.1, "position_size": {"mode": "percent", "value": 50}}),
    ("dca", {"take_profit_pct": 0.5, "price_deviation_pct": 0.2}, {"stop_loss_pct": 1.0, "max_drawdown_pct": 2.0}),
    ("bollinger_reversion", {"period": 10, "stddev": 1.5, "exit_band": "upper"},
     {"position_size": {"mode": "quote", "value": 2500}, "max_drawdown_pct": 3.0}),
]


def _backtest_trades(series: CandleSeries, strategy_id: str, params: dict[str, Any], risk: Any) -> list[tuple]:
    result = run_backtest(series, strategy_id, params, risk, fee=0.001, cash=10_000.0, interval_ms=60_000)
    t = result.trades
    closed = ~t.is_open
    return [
        (int(a), int(b), c, d, e, f, g, h, r)
        for a, b, c, d, e, f, g, h, r, keep in zip(
            t.entry_time.tolist(), t.exit_time.tolist(), t.entry_price.tolist(), t.exit_price.tolist(),
            t.quantity.tolist(), t.fee.tolist(), t.pnl.tolist(), t.return_pct.tolist(), t.exit_reason,
            closed.tolist(), strict=True,
        )
        if keep
    ], result


@pytest.mark.parametrize(("strategy_id", "params", "risk"), CASES)
def test_replay_through_decide_reproduces_the_backtest_exactly(
    btc_1m: CandleSeries, strategy_id: str, params: dict[str, Any], risk: dict[str, Any] | None
) -> None:
    # GIVEN two days of real 1m candles
    series = btc_1m.slice(2000, 4880)
    # WHEN the backtest runs and a tick replays the same bars through decide/apply_fill
    expected, result = _backtest_trades(series, strategy_id, params, risk)
    trades, state, cash = replay(series, strategy_id, params, risk)
    # THEN the trades are the same, to the last bit
    got = [
        (t.entry_time, t.exit_time, t.entry_price, t.exit_price, t.quantity, t.fee, t.pnl, t.return_pct, t.exit_reason)
        for t in trades
    ]
    assert len(expected) > 0
    assert got == expected
    # and the money and the open position agree too
    open_qty = sum(float(lot["quantity"]) for lot in state["lots"].values())
    final = cash + open_qty * float(series.close[-1])
    assert final == result.equity[-1] == result.metrics.final_equity


@pytest.mark.parametrize(("strategy_id", "params", "risk"), [c for c in CASES if c[2] is None][:5])
def test_vectorized_path_equals_the_engine_loop(
    btc_1m: CandleSeries, strategy_id: str, params: dict[str, Any], risk: None
) -> None:
    fast = run_backtest(btc_1m, strategy_id, params, path="vectorized")
    loop = run_backtest(btc_1m, strategy_id, params, path="loop")
    assert fast.path == "vectorized" and loop.path == "loop"
    assert fast.trades.to_records() == loop.trades.to_records()
    assert np.array_equal(fast.equity, loop.equity)
    assert fast.metrics == loop.metrics
