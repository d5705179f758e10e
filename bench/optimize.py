"""Benchmark of the optimizer (issue #19), side by side in one run:

(a) a grid of 100 SMA (fast, slow) pairs on a year of 1m synthetic candles (525,600 bars, fixed seed, as
    bench/backtest.py), our batch evaluation (domain/optimization/batch.py: every trade and metric of every
    pair, equal to the single backtest) against vectorbt's parameter broadcasting (MA.run over 100 window
    columns, crossings, Portfolio.from_signals on 100 columns), its first call (JIT compiling) and its
    median after the JIT; the trade count of every pair must be identical;
(b) a TPE search of --trials trials (default 2,000) on the 30,240-bar BTCUSDT 1m file in
    ../shared/data/market/ through the embedded AWS (moto's server), the jobs queue and the real `run_jobs`
    handler, as `make run` runs it: time to finish and trials per second;
(c) the peak memory (tracemalloc) of one worker evaluating one trial message's vector on that file.

    .venv/bin/pip install -r requirements-bench.txt
    .venv/bin/python bench/optimize.py [--trials 2000] [--runs 3] [--skip-vectorbt] [--skip-search]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import tracemalloc
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from chalicelib.domain.candles import CandleSeries  # noqa: E402
from chalicelib.domain.optimization import evaluate_batch  # noqa: E402
from chalicelib.domain.synthetic import generate_series  # noqa: E402

START_MS, BARS, SEED, FEE, CASH = 1_704_067_200_000, 525_600, 20240101, 0.001, 1e10
PAIRS = [(f, s) for f in range(5, 55, 5) for s in range(60, 160, 10)]  # 10 x 10 = 100, every fast < slow
BTC_1M = REPO.parent / "shared" / "data" / "market" / "binanceus_BTCUSDT_1m_20230301_20230321.csv"
SPACE = {"fast": {"low": 3, "high": 60}, "slow": {"low": 10, "high": 240}}


def ours(series: CandleSeries) -> list[int]:
    trials: list[tuple[dict[str, Any], dict[str, Any] | None]] = [({"fast": f, "slow": s}, None) for f, s in PAIRS]
    return [len(r.trades) for r in evaluate_batch(series, "sma_cross", trials, fee=FEE, cash=CASH)]


def vectorbt_grid(series: CandleSeries) -> list[int]:
    import pandas as pd
    import vectorbt as vbt

    close, open_ = pd.Series(series.close), pd.Series(series.open)
    fast = vbt.MA.run(close, [f for f, _ in PAIRS]).ma.to_numpy()
    slow = vbt.MA.run(close, [s for _, s in PAIRS]).ma.to_numpy()
    up = np.zeros_like(fast, dtype=bool)
    down = np.zeros_like(fast, dtype=bool)
    with np.errstate(invalid="ignore"):
        up[1:] = (fast[1:] > slow[1:]) & (fast[:-1] <= slow[:-1])
        down[1:] = (fast[1:] < slow[1:]) & (fast[:-1] >= slow[:-1])
    # decided on bar i's close, filled at bar i+1's open (as our engine): shift the flags by one bar
    entries, exits = np.zeros_like(up), np.zeros_like(down)
    entries[1:], exits[1:] = up[:-1], down[:-1]
    pf = vbt.Portfolio.from_signals(
        close, entries=entries, exits=exits, price=open_.to_numpy()[:, None], fees=FEE, init_cash=CASH, freq="1min"
    )
    counts = pf.trades.count()
    return [int(c) for c in np.asarray(counts)]


def timed(fn: Any, runs: int) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(runs):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), result


def grid(runs: int, with_vectorbt: bool) -> None:
    series = generate_series(START_MS, START_MS + BARS * 60_000, "1m", seed=SEED)
    ours_s, counts = timed(lambda: ours(series), runs)
    print(
        f"(a) 100 SMA pairs x {BARS:,} 1m bars: ours {ours_s:.2f} s (median of {runs}), {sum(counts):,} trades in all"
    )
    if not with_vectorbt:
        return
    first_s, _ = timed(lambda: vectorbt_grid(series), 1)
    vbt_s, vbt_counts = timed(lambda: vectorbt_grid(series), runs)
    same = sum(a == b for a, b in zip(counts, vbt_counts, strict=True))
    print(
        f"    vectorbt first call (JIT) {first_s:.2f} s, after the JIT {vbt_s:.2f} s (median of {runs}); "
        f"ours is {vbt_s / ours_s:.2f}x vectorbt after its JIT"
    )
    print(f"    identical trade counts: {same}/100 pairs")
    for (f, s), a, b in zip(PAIRS, counts, vbt_counts, strict=True):
        print(f"      fast {f:>2} slow {s:>3}: ours {a:>6}  vectorbt {b:>6}{'' if a == b else '  DIFFERENT'}")


def worker_memory(vector: int) -> None:
    from chalicelib.domain.kline_csv import load_series

    series = load_series(BTC_1M)
    trials: list[tuple[dict[str, Any], dict[str, Any] | None]] = [
        ({"fast": 5 + k, "slow": 50 + 7 * k}, None) for k in range(vector)
    ]
    tracemalloc.start()
    evaluate_batch(series.slice(0, int(len(series) * 0.7)), "sma_cross", trials, fee=FEE)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(
        f"(c) one worker evaluating a {vector}-trial vector on {len(series):,} bars: peak {peak / 2**20:.1f} MiB "
        "allocated by Python/numpy (tracemalloc)"
    )


def search(trials: int) -> None:
    from bench._embedded import start

    start("bench")
    import boto3

    from app import app
    from chalicelib.bootstrap import container
    from infra.local.functions import ContextFactory
    from infra.local.sqs_poller import SqsPoller, sqs_sources

    source = next(s for s in sqs_sources(app) if s.name == "run_jobs")
    poller = SqsPoller(boto3.client("sqs"), source, ContextFactory("tradebot", "bench"), wait_s=0)
    service = container().optimizations
    body = {
        "strategy": "sma_cross",
        "space": SPACE,
        "trials": trials,
        "sampler": "tpe",
        "seed": 1,
        "objective": "total_return",
        "min_trades": 5,
        "csv": BTC_1M.read_text(),
        "symbol": "BTCUSDT",
    }
    t0 = time.perf_counter()
    job = service.create("bench-user", body)
    while (current := service.get("bench-user", job.id)).status in ("queued", "running"):
        poller.poll_once(wait_s=0)
    elapsed = time.perf_counter() - t0
    best = (current.summary or {}).get("top") or [{}]
    print(
        f"(b) TPE search, {trials:,} trials on {current.bars:,} bars through the embedded queue and run_jobs: "
        f"{elapsed:.1f} s, {trials / elapsed:.1f} trials/s, status {current.status}, best {best[0].get('params')}"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--trials", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--vector", type=int, default=16)
    parser.add_argument("--skip-vectorbt", action="store_true")
    parser.add_argument("--skip-search", action="store_true")
    args = parser.parse_args()
    grid(args.runs, not args.skip_vectorbt)
    worker_memory(args.vector)
    if not args.skip_search:
        search(args.trials)


if __name__ == "__main__":
    main()
