"""What a search maximises, computed from a backtest's metrics (chalicelib/domain/metrics.py).

* sharpe, sortino: as the metrics define them (null below 30 days: such a trial has no score);
* calmar: cagr_pct / max_drawdown_pct (null below 30 days, or without any drawdown);
* total_return: total_return_pct;
* profit_factor: gross profit / gross loss of closed trades (null without a losing trade);
* return_over_max_drawdown: total_return_pct / max_drawdown_pct (null without any drawdown).

A trial with fewer closed trades than `min_trades`, or whose objective is null, has no score: it is recorded
(with its metrics) but never the best, and the sampler is told it failed so it does not steer towards it."""

from __future__ import annotations

from typing import Any

OBJECTIVES = ("sharpe", "sortino", "calmar", "total_return", "profit_factor", "return_over_max_drawdown")
DEFAULT_OBJECTIVE = "sharpe"


def _ratio(top: Any, bottom: Any) -> float | None:
    if top is None or bottom is None or bottom <= 0:
        return None
    return float(top) / float(bottom)


def objective_value(metrics: dict[str, Any], objective: str) -> float | None:
    if objective in ("sharpe", "sortino"):
        value = metrics.get(objective)
        return None if value is None else float(value)
    if objective == "calmar":
        return _ratio(metrics.get("cagr_pct"), metrics.get("max_drawdown_pct"))
    if objective == "total_return":
        return float(metrics["total_return_pct"])
    if objective == "profit_factor":
        value = metrics.get("profit_factor")
        return None if value is None else float(value)
    if objective == "return_over_max_drawdown":
        return _ratio(metrics.get("total_return_pct"), metrics.get("max_drawdown_pct"))
    raise ValueError(f"unknown objective {objective!r}")


def score(metrics: dict[str, Any], objective: str, min_trades: int) -> float | None:
    """The objective, or None when the trial does not qualify (too few closed trades, or no value)."""
    if int(metrics.get("num_trades", 0)) < min_trades:
        return None
    return objective_value(metrics, objective)
