"""Batch evaluation: many parameter sets of one strategy over the same candles in one pass.

For the signal strategies (the crossovers, RSI, Bollinger, MACD) the indicators the parameter sets share are
computed once: every SMA of the batch from one running sum (the window of n+1 bars continues the
left-to-right sum of n, so each average is bit-for-bit `indicators.sma`), Bollinger's mean and deviation
per period, each windowed EMA/RSI/MACD once per distinct key. Each set's entry/exit flags then go through
`run_flags`, the execution of a single vectorised backtest, and `result_of`, its metrics, so a batch
result equals `run_backtest` of those parameters trade for trade (tests/unit/domain/test_optimization_batch).
Parameter sets whose risk rules need the bar-by-bar loop (stops, protections) run through `run_backtest`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from chalicelib.domain import indicators
from chalicelib.domain.backtest import BacktestResult, check_inputs, result_of, run_backtest
from chalicelib.domain.backtest.vectorized import applies, run_flags
from chalicelib.domain.candles import CandleSeries, FloatArray
from chalicelib.domain.engine import infer_interval_ms
from chalicelib.domain.risk import validate_risk
from chalicelib.domain.strategies import get_strategy, validate_params
from chalicelib.domain.strategies.base import BoolArray, Params, SignalStrategy, crosses_above, crosses_below
from chalicelib.domain.strategies.ema_cross import WINDOW_FACTOR as EMA_FACTOR
from chalicelib.domain.strategies.macd_cross import WINDOW_FACTOR as MACD_FACTOR
from chalicelib.domain.strategies.rsi_reversion import WINDOW_FACTOR as RSI_FACTOR

Flags = tuple[BoolArray, BoolArray]


class Indicators:
    """The indicators of one candle series, each computed once however many parameter sets ask for it."""

    def __init__(self, series: CandleSeries) -> None:
        self.close = np.asarray(series.close, dtype=np.float64)
        self._memo: dict[tuple[Any, ...], Any] = {}

    def prepare_sma(self, windows: set[int]) -> None:
        """Every SMA of `windows` from one running left-to-right sum (bit-identical to indicators.sma)."""
        x, n_bars = self.close, self.close.shape[0]
        todo = sorted(w for w in windows if ("sma", w) not in self._memo and w <= n_bars)
        total: FloatArray | None = None
        done = 1
        for w in todo:
            m = n_bars - w + 1
            total = x[0:m].copy() if total is None else total[:m]
            for k in range(done, w):
                total += x[k : k + m]
            done = w
            out = np.full(n_bars, np.nan)
            out[w - 1 :] = total / w
            self._memo[("sma", w)] = out

    def sma(self, n: int) -> FloatArray:
        if ("sma", n) not in self._memo:
            self.prepare_sma({n})
        if ("sma", n) not in self._memo:  # longer than the series: all NaN, as indicators.sma gives it
            self._memo[("sma", n)] = indicators.sma(self.close, n)
        return self._memo[("sma", n)]  # type: ignore[no-any-return]

    def bands(self, n: int, k: float) -> tuple[FloatArray, FloatArray, FloatArray]:
        """Bollinger (upper, middle, lower) as `indicators.bollinger` computes them, mean and deviation shared."""
        key = ("pstd", n)
        if key not in self._memo:
            mid = self.sma(n)[n - 1 :] if self.close.shape[0] >= n else None
            self._memo[key] = None if mid is None else (mid, indicators._rolling_pstd(self.close, n, mid))
        upper, middle, lower = (np.full(self.close.shape[0], np.nan) for _ in range(3))
        if self._memo[key] is not None:
            mid, pstd = self._memo[key]
            dev = k * pstd
            middle[n - 1 :], upper[n - 1 :], lower[n - 1 :] = mid, mid + dev, mid - dev
        return upper, middle, lower

    def cached(self, key: tuple[Any, ...], compute: Callable[[], Any]) -> Any:
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]


def _sma_cross(ind: Indicators, p: Params) -> Flags:
    fast, slow = ind.sma(p["fast"]), ind.sma(p["slow"])
    return crosses_above(fast, slow), crosses_below(fast, slow)


def _ema_cross(ind: Indicators, p: Params) -> Flags:
    window = EMA_FACTOR * int(p["slow"])

    def ema(n: int) -> FloatArray:
        return ind.cached(("ema", n, window), lambda: indicators.ema_windowed(ind.close, n, window))  # type: ignore[no-any-return]

    fast, slow = ema(int(p["fast"])), ema(int(p["slow"]))
    return crosses_above(fast, slow), crosses_below(fast, slow)


def _rsi(ind: Indicators, p: Params) -> Flags:
    n = int(p["period"])
    value = ind.cached(("rsi", n), lambda: indicators.rsi_windowed(ind.close, n, RSI_FACTOR * n + 1))
    lower, upper = np.full(value.shape[0], float(p["lower"])), np.full(value.shape[0], float(p["upper"]))
    return crosses_above(value, lower), crosses_below(value, upper)


def _bollinger(ind: Indicators, p: Params) -> Flags:
    upper, middle, lower = ind.bands(int(p["period"]), p["stddev"])
    target = middle if p["exit_band"] == "middle" else upper
    return crosses_below(ind.close, lower), crosses_above(ind.close, target)


def _macd(ind: Indicators, p: Params) -> Flags:
    fast, slow, signal = int(p["fast"]), int(p["slow"]), int(p["signal"])
    window = MACD_FACTOR * slow + signal
    line, sig = ind.cached(("macd", fast, slow, signal),
                           lambda: indicators.macd_windowed(ind.close, fast, slow, signal, window))
    return crosses_above(line, sig), crosses_below(line, sig)


VECTOR_FLAGS: dict[str, Callable[[Indicators, Params], Flags]] = {
    "sma_cross": _sma_cross,
    "ema_cross": _ema_cross,
    "rsi_reversion": _rsi,
    "bollinger_reversion": _bollinger,
    "macd_cross": _macd,
}


def evaluate_batch(
    series: CandleSeries,
    strategy_id: str,
    trials: list[tuple[dict[str, Any], dict[str, Any] | None]],
    *,
    fee: float,
    slippage: float = 0.0,
    cash: float = 10_000.0,
    interval_ms: int | None = None,
) -> list[BacktestResult]:
    """The backtest of each (params, risk) over `series`, in order; equal to `run_backtest` of each."""
    check_inputs(series, fee, slippage, cash)
    strategy = get_strategy(strategy_id)
    step = interval_ms if interval_ms is not None else infer_interval_ms(series)
    checked = [(validate_params(strategy_id, p), validate_risk(r)) for p, r in trials]
    flags_of = VECTOR_FLAGS.get(strategy_id)
    ind = Indicators(series)
    if strategy_id == "sma_cross":
        ind.prepare_sma({int(p[k]) for p, _ in checked for k in ("fast", "slow")})
    out: list[BacktestResult] = []
    for params, rules in checked:
        if flags_of is None or not isinstance(strategy, SignalStrategy) or not applies(strategy, rules):
            out.append(run_backtest(series, strategy_id, params, rules, fee=fee, slippage=slippage, cash=cash,
                                    interval_ms=step))
            continue
        entries, exits = flags_of(ind, params)
        run = run_flags(series, entries, exits, strategy.warmup_bars(params) - 1, rules,
                        cash=cash, fee_rate=fee, slippage=slippage)
        out.append(result_of(series, strategy_id, params, rules, run, cash=cash, step=step, path="batch"))
    return out
