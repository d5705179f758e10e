"""Backtest metrics from an equity curve and a trade list. Definitions (also in docs/backtesting.md, "Metrics"):

* final_equity: equity at the last bar's close: cash + the open position marked to the last close, no exit fee
  (`final_equity_includes_open_position` says whether a position was still open).
* total_return_pct / period_return_pct: (final_equity / initial_cash - 1) x 100, mark-to-market included.
* period_days: bars x interval / 1 day.
* cagr_pct: ((final_equity / initial_cash) ** (365 / period_days) - 1) x 100; null below MIN_ANNUALISED_DAYS,
  where compounding a few days' return over a year means nothing (a 7-day +4% would read as +670%).
* max_drawdown_pct: largest fall of the close-marked equity (open position included) from its running peak
  (initial cash included), in % of the peak.
* sharpe / sortino: on DAILY returns r (equity at the end of each 24-hour window of bars from the first bar,
  the first against the initial cash; bars of a day or longer are used as they are), risk-free 0:
  mean(r) / std(r, ddof=1) and mean(r) / sqrt(mean(min(r, 0)^2)), each x sqrt(365) (crypto trades every day).
  Null below MIN_ANNUALISED_DAYS, and 0 when the denominator is 0.
* win_rate_pct: closed trades with pnl > 0 over closed trades, x 100 (an open position is not a trade yet).
* avg_win / avg_loss: mean pnl of the winning / losing closed trades (null without one);
  expectancy: mean pnl per closed trade = win_rate x avg_win + loss_rate x avg_loss (null without a trade).
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

DAY_MS = 86_400_000
YEAR_MS = 365 * DAY_MS
MIN_ANNUALISED_DAYS = 30
ANNUALISATION = "sqrt(365)"


@dataclass(frozen=True)
class Metrics:
    initial_cash: float
    final_equity: float
    total_return_pct: float
    cagr_pct: float | None
    max_drawdown_pct: float
    sharpe: float | None
    sortino: float | None
    win_rate_pct: float
    profit_factor: float | None
    exposure_pct: float
    fees_paid: float
    num_trades: int
    open_trades: int
    period_days: float = 0.0
    period_return_pct: float = 0.0
    annualised: bool = False  # cagr/sharpe/sortino are given only from MIN_ANNUALISED_DAYS on
    min_annualised_days: int = MIN_ANNUALISED_DAYS
    annualisation: str = ANNUALISATION
    avg_win: float | None = None
    avg_loss: float | None = None
    expectancy: float | None = None
    final_equity_includes_open_position: bool = False

    def to_dict(self) -> dict[str, float | int | str | bool | None]:
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


def daily_equity(equity: FloatArray, interval_ms: int) -> FloatArray:
    """The equity at the end of each 24-hour window of bars counted from the first bar (a last, partial
    window included); bars of a day or longer are returned as they are."""
    per_day = DAY_MS // interval_ms if interval_ms < DAY_MS else 1
    if per_day <= 1:
        return equity
    n = int(equity.shape[0])
    ends = list(range(per_day - 1, n, per_day))
    if n and (not ends or ends[-1] != n - 1):
        ends.append(n - 1)
    result: FloatArray = equity[np.array(ends, dtype=np.int64)]
    return result


def cagr_pct(growth: float, years: float) -> float:
    if growth <= 0:
        return -100.0
    if years > 0:
        return math.expm1(min(math.log(growth) / years, 700.0)) * 100  # capped: overflow guard
    return 0.0


def risk_ratios(daily: FloatArray, initial_cash: float, periods_per_year: float) -> tuple[float, float]:
    """(sharpe, sortino) of the returns of `daily`, annualised by sqrt(periods_per_year)."""
    n = daily.shape[0]
    returns = bar_returns(daily, initial_cash)
    scale = math.sqrt(periods_per_year)
    mean = float(returns.mean()) if n else 0.0
    std = float(returns.std(ddof=1)) if n > 1 else 0.0
    downside = float(np.sqrt(np.mean(np.minimum(returns, 0.0) ** 2))) if n else 0.0
    return (mean / std * scale if std > 0 else 0.0, mean / downside * scale if downside > 0 else 0.0)


def trade_stats(closed_pnl: FloatArray) -> dict[str, float | None]:
    wins = closed_pnl[closed_pnl > 0]
    losses = closed_pnl[closed_pnl < 0]
    closed = closed_pnl.shape[0]
    return {
        "win_rate_pct": wins.shape[0] / closed * 100 if closed else 0.0,
        "avg_win": float(wins.mean()) if wins.shape[0] else None,
        "avg_loss": float(losses.mean()) if losses.shape[0] else None,
        "expectancy": float(closed_pnl.mean()) if closed else None,
        "profit_factor": float(wins.sum() / -losses.sum()) if losses.shape[0] else None,
    }


def _annualised(
    equity: FloatArray, initial_cash: float, interval_ms: int, days: float, growth: float
) -> tuple[float | None, float | None, float | None]:
    """(cagr_pct, sharpe, sortino), or nulls for a period too short to annualise."""
    if days < MIN_ANNUALISED_DAYS:
        return None, None, None
    step_days = max(interval_ms, DAY_MS) / DAY_MS
    sharpe, sortino = risk_ratios(daily_equity(equity, interval_ms), initial_cash, 365 / step_days)
    return cagr_pct(growth, days / 365), sharpe, sortino


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
    days = bars * interval_ms / DAY_MS
    cagr, sharpe, sortino = _annualised(equity, initial_cash, interval_ms, days, growth)
    stats = trade_stats(closed_pnl)
    return Metrics(
        initial_cash=initial_cash,
        final_equity=final,
        total_return_pct=(growth - 1) * 100,
        cagr_pct=cagr,
        max_drawdown_pct=max_drawdown_pct(equity, initial_cash),
        sharpe=sharpe,
        sortino=sortino,
        win_rate_pct=float(stats["win_rate_pct"] or 0.0),
        profit_factor=stats["profit_factor"],
        exposure_pct=bars_in_market / bars * 100 if bars else 0.0,
        fees_paid=fees_paid,
        num_trades=closed_pnl.shape[0],
        open_trades=open_trades,
        period_days=days,
        period_return_pct=(growth - 1) * 100,
        annualised=cagr is not None,
        avg_win=stats["avg_win"],
        avg_loss=stats["avg_loss"],
        expectancy=stats["expectancy"],
        final_equity_includes_open_position=open_trades > 0,
    )
