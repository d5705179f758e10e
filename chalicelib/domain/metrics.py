"""Backtest metrics from an equity curve and a trade list. Definitions (also in docs/backtesting.md):

* final_equity: equity at the last bar's close (cash + open position marked to the last close, no exit fee).
* total_return_pct: (final_equity / initial_cash - 1) x 100.
* cagr_pct: ((final_equity / initial_cash) ** (1 / years) - 1) x 100, years = bars x interval / 365 days.
* max_drawdown_pct: largest fall of equity from its running peak (initial cash included), in % of the peak.
* sharpe / sortino: per-bar simple returns r (first one against the initial cash), risk-free 0,
  mean(r) / std(r, ddof=1) and mean(r) / sqrt(mean(min(r, 0)^2)), each x sqrt(bars per year)
  (365 x 24/7 markets). 0 when the denominator is 0.
* win_rate_pct: closed trades with pnl > 0 over closed trades, x 100.
* profit_factor: gross profit / gross loss of closed trades (null when there is no losing trade).
* exposure_pct: bars during which a position was held (from its fill bar to the bar before the exit fill)
  over all bars, x 100.
* fees_paid: every fee paid (entries and exits, including an open position's entry fee).
* num_trades: closed trades; open_trades: positions still open at the end.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np

from chalicelib.domain.candles import FloatArray

YEAR_MS = 365 * 86_400_000


@dataclass(frozen=True)
class Metrics:
    initial_cash: float
    final_equity: float
    total_return_pct: float
    cagr_pct: float
    max_drawdown_pct: float
    sharpe: float
    sortino: float
    win_rate_pct: float
    profit_factor: float | None
    exposure_pct: float
    fees_paid: float
    num_trades: int
    open_trades: int

    def to_dict(self) -> dict[str, float | int | None]:
        return asdict(self)


def max_drawdown_pct(equity: FloatArray, initial_cash: float) -> float:
    if equity.shape[0] == 0:
        return 0.0
    peak = np.maximum.accumulate(np.maximum(equity, initial_cash))
    return float(np.max((peak - equity) / peak) * 100)


def bar_returns(equity: FloatArray, initial_cash: float) -> FloatArray:
    previous = np.concatenate(([initial_cash], equity[:-1]))
    result: FloatArray = equity / previous - 1.0
    return result


def cagr_pct(growth: float, years: float) -> float:
    if growth <= 0:
        return -100.0
    if years > 0:
        return math.expm1(min(math.log(growth) / years, 700.0)) * 100  # capped: short spans explode
    return 0.0


def _risk_ratios(equity: FloatArray, initial_cash: float, interval_ms: int) -> tuple[float, float]:
    """(sharpe, sortino), annualised."""
    bars = equity.shape[0]
    returns = bar_returns(equity, initial_cash)
    scale = math.sqrt(YEAR_MS / interval_ms)
    mean = float(returns.mean()) if bars else 0.0
    std = float(returns.std(ddof=1)) if bars > 1 else 0.0
    downside = float(np.sqrt(np.mean(np.minimum(returns, 0.0) ** 2))) if bars else 0.0
    return (mean / std * scale if std > 0 else 0.0, mean / downside * scale if downside > 0 else 0.0)


def compute_metrics(
    *,
    equity: FloatArray,
    initial_cash: float,
    interval_ms: int,
    closed_pnl: FloatArray,
    fees_paid: float,
    bars_in_market: int,
    open_trades: int,
) -> Metrics:
    bars = equity.shape[0]
    final = float(equity[-1]) if bars else initial_cash
    growth = final / initial_cash
    sharpe, sortino = _risk_ratios(equity, initial_cash, interval_ms)
    wins = closed_pnl[closed_pnl > 0]
    losses = closed_pnl[closed_pnl < 0]
    closed = closed_pnl.shape[0]
    return Metrics(
        initial_cash=initial_cash,
        final_equity=final,
        total_return_pct=(growth - 1) * 100,
        cagr_pct=cagr_pct(growth, bars * interval_ms / YEAR_MS),
        max_drawdown_pct=max_drawdown_pct(equity, initial_cash),
        sharpe=sharpe,
        sortino=sortino,
        win_rate_pct=wins.shape[0] / closed * 100 if closed else 0.0,
        profit_factor=float(wins.sum() / -losses.sum()) if losses.shape[0] else None,
        exposure_pct=bars_in_market / bars * 100 if bars else 0.0,
        fees_paid=fees_paid,
        num_trades=closed,
        open_trades=open_trades,
    )
