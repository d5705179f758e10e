"""A batch-evaluated parameter set equals the single backtest of those parameters, trade for trade and metric
for metric, for every vectorizable strategy (and the loop path for risk rules the batch cannot vectorize)."""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pytest

from chalicelib.domain.backtest import BacktestResult, run_backtest
from chalicelib.domain.candles import CandleSeries
from chalicelib.domain.optimization import VECTOR_FLAGS, evaluate_batch

SETS: dict[str, list[dict[str, Any]]] = {
    "sma_cross": [{"fast": f, "slow": s} for f, s in itertools.product((3, 5, 8, 13), (9, 21, 34)) if f < s],
    "ema_cross": [{"fast": f, "slow": s} for f, s in ((5, 12), (8, 12), (8, 26), (12, 26))],
    "rsi_reversion": [{"period": p, "lower": lo, "upper": hi} for p, lo, hi in
                      ((7, 30, 70), (7, 25, 75), (14, 30, 70), (14, 35, 60))],
    "bollinger_reversion": [{"period": p, "stddev": k, "exit_band": b} for p, k, b in
                            ((10, 1.5, "middle"), (10, 2.0, "upper"), (20, 2.0, "middle"), (20, 1.0, "upper"))],
    "macd_cross": [{"fast": f, "slow": s, "signal": g} for f, s, g in ((6, 13, 5), (12, 26, 9), (8, 26, 9))],
}


def _trades(result: BacktestResult) -> list[dict[str, Any]]:
    return result.trades.to_records()


def _same(batch: BacktestResult, single: BacktestResult) -> None:
    assert _trades(batch) == _trades(single)
    assert batch.metrics == single.metrics
    np.testing.assert_array_equal(batch.equity, single.equity)


@pytest.fixture(scope="module")
def series(btc_1m: CandleSeries) -> CandleSeries:
    return btc_1m.slice(0, 6000)


def test_every_vectorizable_strategy_is_covered() -> None:
    assert set(SETS) == set(VECTOR_FLAGS)


@pytest.mark.parametrize("strategy_id", sorted(SETS))
def test_batch_equals_single_backtest_trade_for_trade(series: CandleSeries, strategy_id: str) -> None:
    sets = SETS[strategy_id]
    batch = evaluate_batch(series, strategy_id, [(p, None) for p in sets], fee=0.001, slippage=0.0005)
    assert [r.path for r in batch] == ["batch"] * len(sets)
    traded = 0
    for params, result in zip(sets, batch, strict=True):
        single = run_backtest(series, strategy_id, params, fee=0.001, slippage=0.0005)
        _same(result, single)
        traded += len(_trades(single))
    assert traded > 0  # the comparison is about real trades, not empty tables


def test_risk_rules_with_stops_take_the_loop_and_still_match(series: CandleSeries) -> None:
    risk = {"stop_loss_pct": 1.0, "take_profit_pct": 2.0}
    trials = [({"fast": 5, "slow": 21}, risk), ({"fast": 5, "slow": 21}, {"position_size": {"mode": "percent",
                                                                                               "value": 50}})]
    batch = evaluate_batch(series, "sma_cross", trials, fee=0.001)
    assert batch[0].path == "loop" and batch[1].path == "batch"
    for (params, r), result in zip(trials, batch, strict=True):
        _same(result, run_backtest(series, "sma_cross", params, r, fee=0.001))


def test_a_stateful_strategy_runs_one_by_one(series: CandleSeries) -> None:
    batch = evaluate_batch(series, "dca", [({}, None)], fee=0.001)
    _same(batch[0], run_backtest(series, "dca", {}, fee=0.001))
