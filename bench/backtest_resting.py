"""What a grid on resting limit orders costs the backtester next to the same grid at market: 100,000 1m bars of a
price swinging through a 21-level grid (20 resting orders), CPU time of this process, median of 5 runs each.

    .venv/bin/python bench/backtest_resting.py [--bars N] [--runs N]

The figure the resting book is held to (docs/orders.md): a few times the market grid, not orders of magnitude."""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from chalicelib.domain.backtest import run_backtest
from chalicelib.domain.candles import CandleSeries

MINUTE = 60_000
PARAMS = {"lower": 21000, "upper": 23000, "levels": 21}


def wave(n: int) -> CandleSeries:
    close = 22_000 + 900 * np.sin(np.arange(n) / 40.0)
    open_ = np.concatenate(([close[0]], close[:-1]))
    return CandleSeries(
        open_time=1_677_628_800_000 + MINUTE * np.arange(n, dtype=np.int64),
        open=open_, high=np.maximum(open_, close) + 5, low=np.minimum(open_, close) - 5, close=close,
        volume=np.full(n, 1e6),
    )  # fmt: skip


def timed(series: CandleSeries, params: dict[str, object], runs: int) -> tuple[float, int]:
    times, trades = [], 0
    for _ in range(runs):
        started = time.process_time()
        result = run_backtest(series, "grid", params, interval_ms=MINUTE)
        times.append(time.process_time() - started)
        trades = len(result.trades)
    return statistics.median(times), trades


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bars", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    series = wave(args.bars)
    market_s, market_trades = timed(series, PARAMS, args.runs)
    resting_s, resting_trades = timed(series, {**PARAMS, "order_type": "limit"}, args.runs)
    print(f"Grid backtest, {args.bars:,} 1m bars, 21 levels, CPU s (median of {args.runs})")
    print(f"  {'grid':<24}{'CPU s':>8}{'trades':>9}")
    print(f"  {'at market':<24}{market_s:>8.3f}{market_trades:>9,}")
    print(f"  {'20 resting limit orders':<24}{resting_s:>8.3f}{resting_trades:>9,}")
    print(f"  resting / market: {resting_s / market_s:.2f} x")


if __name__ == "__main__":
    main()
