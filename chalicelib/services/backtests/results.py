"""A finished backtest's stored result: the engine's trades and metrics plus a chart-sized equity curve, the
buy-and-hold benchmark over the same bars and the position still open at the end."""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np

from chalicelib.domain.backtest import BacktestResult, run_backtest
from chalicelib.domain.backtest.trades import iso_ms
from chalicelib.domain.backtest_jobs import Backtest
from chalicelib.domain.benchmark import benchmark_dict, buy_and_hold, open_position
from chalicelib.domain.bot_chart import series_plots
from chalicelib.domain.candles import CandleSeries, FloatArray, IntArray, interval_ms
from chalicelib.domain.engine import infer_interval_ms
from chalicelib.domain.risk import validate_risk
from chalicelib.domain.signal_list import TimedSignal
from chalicelib.domain.strategies import validate_params

EQUITY_POINTS = 2_000
CHART_CANDLES = 1_000


def _buckets(n: int, limit: int) -> tuple[IntArray, IntArray]:
    """The [first, last + 1) bar indices of each chart candle: at most `limit` runs of consecutive bars."""
    edges = np.linspace(0, n, min(n, limit) + 1).astype(np.int64) if n else np.zeros(1, dtype=np.int64)
    return edges[:-1], edges[1:]


def chart_candles(series: CandleSeries, limit: int = CHART_CANDLES) -> list[dict[str, Any]]:
    """The run's candles for a chart: all of them when few, otherwise consecutive bars merged into at most
    `limit` candles (first open, highest high, lowest low, last close, at the first bar's open time)."""
    n = len(series)
    lo, hi = _buckets(n, limit)
    highs = np.maximum.reduceat(series.high, lo) if n else series.high
    lows = np.minimum.reduceat(series.low, lo) if n else series.low
    return [
        {"t": iso_ms(int(series.open_time[a])), "open": float(series.open[a]), "high": float(h), "low": float(low),
         "close": float(series.close[b - 1])}
        for a, b, h, low in zip(lo.tolist(), hi.tolist(), highs.tolist(), lows.tolist(), strict=True)
    ]


def chart_plots(strategy: str, params: dict[str, Any], series: CandleSeries) -> list[dict[str, Any]]:
    """The strategy's indicator series (as the bot page's chart declares them), computed over every bar and
    shown on the chart's candles: at a merged candle's time, the value at its last bar (where its close is)."""
    lo, hi = _buckets(len(series), CHART_CANDLES)
    at = [(int(series.open_time[a]), int(b) - 1) for a, b in zip(lo.tolist(), hi.tolist(), strict=True)]
    return [
        {"name": p.name, "pane": p.pane, "points": [{"time": t, "value": v} for t, v in p.points]}
        for p in series_plots(strategy, params, series, at)
    ]


def _extremes(values: FloatArray, points: int) -> set[int]:
    """The first and last index and, per bucket, those of the lowest and highest value."""
    n = int(values.shape[0])
    if n <= points:
        return set(range(n))
    buckets = (points - 2) // 2
    edges = np.linspace(1, n - 1, buckets + 1).astype(np.int64)
    chosen = {0, n - 1}
    for lo, hi in zip(edges[:-1].tolist(), edges[1:].tolist(), strict=True):
        if hi <= lo:
            continue
        part = values[lo:hi]
        chosen.add(lo + int(np.argmin(part)))
        chosen.add(lo + int(np.argmax(part)))
    return chosen


def chart_indices(*curves: FloatArray, points: int = EQUITY_POINTS) -> list[int]:
    """Indices that keep every curve's drawdowns and peaks: all when few, otherwise the union of each curve's
    per-bucket extremes over `points // len(curves)` points (so several curves share one time axis)."""
    share = max(points // max(len(curves), 1), 4)
    chosen: set[int] = set()
    for curve in curves:
        chosen |= _extremes(curve, share)
    return sorted(chosen)


def downsample(open_time: IntArray, equity: FloatArray, points: int = EQUITY_POINTS) -> list[dict[str, Any]]:
    """At most `points` equity points for a chart: all of them when few, otherwise the first and last point
    and, per bucket, the lowest and highest (in time order), so drawdowns and peaks survive."""
    return _points(open_time, equity, chart_indices(equity, points=points))


def _points(open_time: IntArray, values: FloatArray, idx: list[int]) -> list[dict[str, Any]]:
    times, vals = open_time.tolist(), values.tolist()
    return [{"t": iso_ms(int(times[i])), "equity": float(vals[i])} for i in idx]


def result_payload(result: BacktestResult, series: CandleSeries | None = None, *, fee: float = 0.0,
                   slippage: float = 0.0) -> dict[str, Any]:
    """The stored result: the CLI's `{"trades", "metrics"}` plus the chart's equity curve and, given the
    candles, the buy-and-hold benchmark over the same bars (on the same time axis) and the open position."""
    out = result.to_dict()
    if series is None or len(series) == 0:
        out["equity"] = downsample(result.open_time, result.equity)
        return out
    bench, bench_equity = buy_and_hold(
        float(series.open[0]), series.close, cash=result.metrics.initial_cash, fee=fee, slippage=slippage
    )
    idx = chart_indices(result.equity, bench_equity)
    out["equity"] = _points(result.open_time, result.equity, idx)
    out["benchmark"] = {**benchmark_dict(bench), "equity": _points(series.open_time, bench_equity, idx)}
    trades = result.trades
    is_open = trades.is_open
    out["candles"] = chart_candles(series)
    out["open_position"] = open_position(
        trades.quantity[is_open], trades.entry_price[is_open], trades.pnl[is_open], float(series.close[-1])
    )
    return out


def _json_safe(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def compute(bt: Backtest, series: CandleSeries, signals: list[TimedSignal] | None = None) -> dict[str, Any]:
    """The engine's run, the same call the CLI makes, as the payload the result store keeps; a signal bot's
    given signals replayed with the live semantics (domain/signal_backtest.py)."""
    # A CSV's interval is inferred from its bars, exactly as the CLI does.
    step = interval_ms(bt.interval) if bt.source == "range" else None
    if signals is not None:
        return _signal_payload(bt, series, signals, step)
    result = run_backtest(
        series,
        bt.strategy,
        bt.params,
        bt.risk,
        fee=bt.fee,
        slippage=bt.slippage,
        cash=bt.cash,
        interval_ms=step,
    )
    return _finished(bt, series, result_payload(result, series, fee=bt.fee, slippage=bt.slippage))


def _signal_payload(bt: Backtest, series: CandleSeries, signals: list[TimedSignal], step: int | None) -> dict[str, Any]:
    from chalicelib.domain.signal_backtest import run_signal_backtest

    result, outcomes = run_signal_backtest(
        series, validate_params(bt.strategy, bt.params), validate_risk(bt.risk), signals,
        cash=bt.cash, fee=bt.fee, slippage=bt.slippage, interval_ms=step or infer_interval_ms(series),
    )  # fmt: skip
    payload = result_payload(result, series, fee=bt.fee, slippage=bt.slippage)
    payload["signals"] = [o.to_dict() for o in outcomes]
    return _finished(bt, series, payload)


def _finished(bt: Backtest, series: CandleSeries, payload: dict[str, Any]) -> dict[str, Any]:
    payload["metrics"] = {k: _json_safe(v) for k, v in payload["metrics"].items()}
    payload["plots"] = chart_plots(bt.strategy, bt.params, series)
    return payload


def encode_signals(signals: list[TimedSignal]) -> bytes:
    return json.dumps([s.to_dict() for s in signals]).encode()


def decode_signals(blob: bytes | None) -> list[TimedSignal] | None:
    return None if blob is None else [TimedSignal.from_dict(d) for d in json.loads(blob)]


def encode(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, separators=(",", ":"), allow_nan=False).encode()
