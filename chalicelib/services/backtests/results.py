"""A finished backtest's stored result: the engine's trades and metrics plus a chart-sized equity curve."""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np

from chalicelib.domain.backtest import BacktestResult, run_backtest
from chalicelib.domain.backtest.trades import iso_ms
from chalicelib.domain.backtest_jobs import Backtest
from chalicelib.domain.candles import CandleSeries, FloatArray, IntArray, interval_ms

EQUITY_POINTS = 2_000


def downsample(open_time: IntArray, equity: FloatArray, points: int = EQUITY_POINTS) -> list[dict[str, Any]]:
    """At most `points` equity points for a chart: all of them when few, otherwise the first and last point
    and, per bucket, the lowest and highest (in time order), so drawdowns and peaks survive."""
    n = int(equity.shape[0])
    if n <= points:
        idx: list[int] = list(range(n))
    else:
        buckets = (points - 2) // 2
        edges = np.linspace(1, n - 1, buckets + 1).astype(np.int64)
        chosen = {0, n - 1}
        for lo, hi in zip(edges[:-1].tolist(), edges[1:].tolist(), strict=True):
            if hi <= lo:
                continue
            part = equity[lo:hi]
            chosen.add(lo + int(np.argmin(part)))
            chosen.add(lo + int(np.argmax(part)))
        idx = sorted(chosen)
    times, values = open_time.tolist(), equity.tolist()
    return [{"t": iso_ms(int(times[i])), "equity": float(values[i])} for i in idx]


def result_payload(result: BacktestResult) -> dict[str, Any]:
    """The stored result: the CLI's `{"trades", "metrics"}` plus the chart's equity curve."""
    out = result.to_dict()
    out["equity"] = downsample(result.open_time, result.equity)
    return out


def _json_safe(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def compute(bt: Backtest, series: CandleSeries) -> dict[str, Any]:
    """The engine's run, the same call the CLI makes, as the payload the result store keeps."""
    result = run_backtest(
        series,
        bt.strategy,
        bt.params,
        bt.risk,
        fee=bt.fee,
        slippage=bt.slippage,
        cash=bt.cash,
        # A CSV's interval is inferred from its bars, exactly as the CLI does.
        interval_ms=interval_ms(bt.interval) if bt.source == "range" else None,
    )
    payload = result_payload(result)
    payload["metrics"] = {k: _json_safe(v) for k, v in payload["metrics"].items()}
    return payload


def encode(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, separators=(",", ":"), allow_nan=False).encode()
