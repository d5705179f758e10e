"""docs/accounting.md, as properties of every strategy in the catalog backtested over random windows of real
and synthetic candles, random fees, slippage and risk rules:

* realised + unrealised PnL equals the change in equity (cash + held x last close - starting cash);
* every trade's PnL is recomputed from its row by the documented formula
  ``quantity x (exit_price - entry_price) - fee`` (fee = entry fees carried + exit fee; an open row is
  marked to the last close with no exit fee);
* a take-profit never books a loss unless its note says why (fees above the move, or a fill below the
  lot's entry), and with no slippage on candles whose open is the previous close, a single-lot
  take-profit never fills below its entry.

Tolerance: float64 sums of at most a few thousand fills; 1e-7 relative to the starting cash.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chalicelib.domain import ledger
from chalicelib.domain.backtest import BacktestResult, run_backtest
from chalicelib.domain.candles import CandleSeries
from chalicelib.domain.kline_csv import load_series
from chalicelib.domain.strategies import STRATEGIES
from chalicelib.domain.synthetic import generate_series
from tests.unit.domain.conftest import BTC_1M

# A signal bot trades on signals, never on candles: its fills take the same booking path, covered in
# tests/integration/signals (one signal, one order, one Trade).
CANDLE_STRATEGIES = sorted(s for s in STRATEGIES if s != "signal")

CASH = 10_000.0
TOLERANCE = 1e-7 * CASH

SIGNAL_PARAMS: dict[str, list[dict[str, Any]]] = {
    "sma_cross": [{"fast": 2, "slow": 5}, {"fast": 5, "slow": 20}],
    "ema_cross": [{"fast": 3, "slow": 8}, {"fast": 12, "slow": 26}],
    "rsi_reversion": [{"period": 5, "lower": 40, "upper": 60}, {"period": 14}],
    "macd_cross": [{"fast": 3, "slow": 8, "signal": 3}, {}],
    "bollinger_reversion": [{"period": 10, "stddev": 1.0}, {"period": 20, "stddev": 2.0}],
    "dca": [
        {"base_order_quote": 500, "safety_order_quote": 500, "price_deviation_pct": 0.1, "take_profit_pct": 0.1},
        {
            "base_order_quote": 1000,
            "safety_order_quote": 700,
            "max_safety_orders": 6,
            "price_deviation_pct": 0.3,
            "step_scale": 1.5,
            "volume_scale": 1.3,
            "take_profit_pct": 0.05,
        },
    ],
}
RISKS: list[dict[str, Any]] = [
    {},
    {"take_profit_pct": 0.1},
    {"stop_loss_pct": 0.3, "take_profit_pct": 0.05, "trailing_stop_pct": 0.2},
    {"take_profit_pct": 0.5, "position_size": {"mode": "percent", "value": 30}, "cooldown_bars": 3},
]

SYNTHETIC_START = 1_704_067_200_000  # 2024-01-01T00:00:00Z
_BTC: list[CandleSeries] = []


def btc() -> CandleSeries:
    if not _BTC:
        _BTC.append(load_series(BTC_1M))
    return _BTC[0]


def window(source: str, start: int, length: int) -> CandleSeries:
    if source == "synthetic":
        begin = SYNTHETIC_START + start * 60_000
        return generate_series(begin, begin + length * 60_000, "1m")
    series = btc()
    start = start % (len(series) - length)
    return series.slice(start, start + length)


def params_for(strategy_id: str, choice: int, series: CandleSeries) -> dict[str, Any]:
    if strategy_id == "grid":
        low, high = float(np.min(series.low)), float(np.max(series.high))
        levels = (5, 12, 30)[choice % 3]
        spacing = ("arithmetic", "geometric")[choice % 2]
        return {"lower": low * 0.999, "upper": high * 1.001, "levels": levels, "spacing": spacing}
    options = SIGNAL_PARAMS[strategy_id]
    return options[choice % len(options)]


def check_accounting(result: BacktestResult, series: CandleSeries, *, gapless: bool) -> None:
    records = result.trades.to_records()
    realised = sum(r["pnl"] for r in records if r["status"] == "closed")
    unrealised = sum(r["pnl"] for r in records if r["status"] == "open")
    assert realised + unrealised == pytest.approx(float(result.equity[-1]) - CASH, abs=TOLERANCE)
    last_close = float(series.close[-1])
    for r in records:
        exit_price = last_close if r["status"] == "open" else r["exit_price"]
        gross = r["quantity"] * (exit_price - r["entry_price"])
        assert r["pnl"] == pytest.approx(gross - r["fee"], abs=1e-9 * CASH), r
        if r["exit_reason"] == "take_profit":
            assert r["note"] == ledger.exit_note("take_profit", gross, r["pnl"]), r
            if gapless and r["group"] == "main":
                assert gross >= -1e-9 * CASH, r
        else:
            assert r["note"] is None


@pytest.mark.parametrize("strategy_id", CANDLE_STRATEGIES)
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    source=st.sampled_from(["btc", "synthetic"]),
    start=st.integers(0, 20_000),
    length=st.integers(60, 600),
    choice=st.integers(0, 5),
    risk=st.sampled_from(range(len(RISKS))),
    fee=st.sampled_from([0.0, 0.001, 0.0075]),
    slippage=st.sampled_from([0.0, 0.0, 0.0005]),
)
def test_backtest_accounting(
    strategy_id: str, source: str, start: int, length: int, choice: int, risk: int, fee: float, slippage: float
) -> None:
    series = window(source, start, length)
    params = params_for(strategy_id, choice, series)
    result = run_backtest(series, strategy_id, params, RISKS[risk], fee=fee, slippage=slippage, cash=CASH)
    check_accounting(result, series, gapless=source == "synthetic" and slippage == 0.0)
