"""Backtests: the engine's decision logic over a CandleSeries, with fills at the next bar's open.

`run_backtest` picks the vectorised fast path when it is provably the same computation (a signal strategy
with no stop/trailing/take-profit and no protections) and the bar-by-bar loop through the engine otherwise.
Both produce identical trades (tests replay every strategy through `engine.decide`/`apply_fill` too).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from chalicelib.domain.backtest.loop import RunOutput, run_loop
from chalicelib.domain.backtest.trades import TradeTable, iso_ms
from chalicelib.domain.backtest.vectorized import applies, run_vectorized
from chalicelib.domain.candles import CandleSeries, FloatArray, IntArray
from chalicelib.domain.engine import infer_interval_ms
from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.metrics import Metrics, compute_metrics
from chalicelib.domain.risk import RiskRules, validate_risk
from chalicelib.domain.strategies import get_strategy, validate_params
from chalicelib.domain.strategies.base import SignalStrategy, Strategy

DEFAULT_FEE = 0.001


@dataclass(frozen=True)
class BacktestResult:
    strategy_id: str
    params: dict[str, Any]
    risk: RiskRules
    trades: TradeTable
    open_time: IntArray  # of each equity point (bar closes)
    equity: FloatArray
    metrics: Metrics
    path: str  # "vectorized" or "loop"

    def to_dict(self, *, include_equity: bool = False) -> dict[str, Any]:
        out: dict[str, Any] = {"trades": self.trades.to_records(), "metrics": self.metrics.to_dict()}
        if include_equity:
            out["equity"] = [
                {"time": iso_ms(int(t)), "equity": float(e)}
                for t, e in zip(self.open_time.tolist(), self.equity.tolist(), strict=True)
            ]
        return out


def run_backtest(
    series: CandleSeries,
    strategy_id: str,
    params: dict[str, Any] | None = None,
    risk: RiskRules | dict[str, Any] | None = None,
    *,
    fee: float = DEFAULT_FEE,
    slippage: float = 0.0,
    cash: float = 10_000.0,
    interval_ms: int | None = None,
    path: str = "auto",
) -> BacktestResult:
    """Backtest `strategy_id` over `series`. `fee` and `slippage` are fractions (0.001 = 0.1%).
    `path` forces "loop" or "vectorized" (for tests); "auto" chooses."""
    checked = validate_params(strategy_id, params)
    rules = risk if isinstance(risk, RiskRules) else validate_risk(risk)
    check_inputs(series, fee, slippage, cash)
    strategy = get_strategy(strategy_id)
    step = interval_ms if interval_ms is not None else infer_interval_ms(series)
    use_fast = applies(strategy, rules) if path == "auto" else path == "vectorized"
    run = _run(series, strategy, checked, rules, use_fast, cash=cash, fee=fee, slippage=slippage, step=step)
    return result_of(series, strategy_id, checked, rules, run, cash=cash, step=step,
                     path="vectorized" if use_fast else "loop")


def result_of(
    series: CandleSeries,
    strategy_id: str,
    params: dict[str, Any],
    rules: RiskRules,
    run: RunOutput,
    *,
    cash: float,
    step: int,
    path: str,
) -> BacktestResult:
    """A run's trades, equity and metrics as a result (the optimizer's batch evaluation ends here too)."""
    is_open = run.trades.is_open
    metrics = compute_metrics(
        equity=run.equity,
        initial_cash=cash,
        interval_ms=step,
        closed_pnl=run.trades.pnl[~is_open],
        fees_paid=run.fees_paid,
        bars_in_market=run.bars_in_market,
        open_trades=int(np.count_nonzero(is_open)),
    )
    return BacktestResult(strategy_id, params, rules, run.trades, series.open_time, run.equity, metrics, path)


def _run(
    series: CandleSeries,
    strategy: Strategy,
    params: dict[str, Any],
    rules: RiskRules,
    use_fast: bool,
    *,
    cash: float,
    fee: float,
    slippage: float,
    step: int,
) -> RunOutput:
    if not use_fast:
        return run_loop(series, strategy, params, rules, cash=cash, fee_rate=fee, slippage=slippage, interval_ms=step)
    if not isinstance(strategy, SignalStrategy) or not applies(strategy, rules):
        raise ValueError("the vectorized path only covers signal strategies without stops or protections")
    return run_vectorized(series, strategy, params, rules, cash=cash, fee_rate=fee, slippage=slippage)


def check_inputs(series: CandleSeries, fee: float, slippage: float, cash: float) -> None:
    errors = []
    if len(series) < 2:
        errors.append({"field": "candles", "message": "need at least 2 candles"})
    if not 0 <= fee < 0.5:
        errors.append({"field": "fee", "message": "must be a fraction in [0, 0.5)"})
    if not 0 <= slippage < 0.5:
        errors.append({"field": "slippage", "message": "must be a fraction in [0, 0.5)"})
    if not cash > 0:
        errors.append({"field": "cash", "message": "must be > 0"})
    if errors:
        raise InvalidInput("invalid backtest input", details=errors)


__all__ = ["DEFAULT_FEE", "BacktestResult", "check_inputs", "result_of", "run_backtest"]
