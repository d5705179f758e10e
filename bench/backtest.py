"""Benchmark: a year of 1m synthetic candles (525,600 bars, fixed seed) through an SMA crossover 10/30 with
a 0.1% fee per side, in our backtester, backtesting.py and vectorbt, on the same bars and the same rules:
decide on the close of bar i (fast SMA crosses above / below the slow SMA: prev fast <= prev slow and
fast > slow, and the mirror), fill at the open of bar i+1, all-in buys (fee included), long only, an
open position at the end marked to the last close.

    .venv/bin/pip install -r requirements-bench.txt
    .venv/bin/python bench/backtest.py [--runs 5] [--bt-runs 3]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from chalicelib.domain.backtest import run_backtest
from chalicelib.domain.candles import CandleSeries
from chalicelib.domain.synthetic import generate_series

START_MS = 1_704_067_200_000  # 2024-01-01T00:00:00Z
BARS = 525_600
SEED = 20240101
FAST, SLOW, FEE = 10, 30, 0.001
# ~10,000 all-in round trips at 0.2% fees shrink equity by ~1e-9: a large start keeps every amount far from
# vectorbt's numerical tolerances and from backtesting.py's whole-unit rounding (1e-8 BTC units here).
CASH = 1e10


def timed(fn: Callable[[], Any], runs: int) -> tuple[float, list[float], Any]:
    times, result = [], None
    for _ in range(runs):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), times, result


def ours(series: CandleSeries) -> dict[str, Any]:
    result = run_backtest(series, "sma_cross", {"fast": FAST, "slow": SLOW}, fee=FEE, cash=CASH)
    t = result.trades
    return {
        "trades": len(t),
        "closed": int(result.metrics.num_trades),
        "final_equity": result.metrics.final_equity,
        "entry_times": t.entry_time,
        "exit_times": t.exit_time[t.exit_time >= 0],
    }


def frame(series: CandleSeries) -> Any:
    import pandas as pd

    index = pd.to_datetime(series.open_time, unit="ms", utc=True)
    return pd.DataFrame(
        {"Open": series.open, "High": series.high, "Low": series.low, "Close": series.close, "Volume": series.volume},
        index=index,
    )


def backtesting_py(df: Any) -> dict[str, Any]:
    import pandas as pd
    from backtesting import Strategy
    from backtesting.lib import FractionalBacktest

    def sma(values: Any, n: int) -> Any:
        return pd.Series(values).rolling(n).mean().to_numpy()

    class SmaCross(Strategy):  # type: ignore[misc]
        def init(self) -> None:
            self.fast = self.I(sma, self.data.Close, FAST)
            self.slow = self.I(sma, self.data.Close, SLOW)

        def next(self) -> None:
            f0, f1, s0, s1 = self.fast[-2], self.fast[-1], self.slow[-2], self.slow[-1]
            if not self.position and f0 <= s0 and f1 > s1:
                self.buy()
            elif self.position and f0 >= s0 and f1 < s1:
                self.position.close()

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        # whole 1e-8 BTC units, i.e. fractional all-in buys
        bt = FractionalBacktest(df, SmaCross, cash=CASH, commission=FEE, fractional_unit=1e-8, finalize_trades=False)
        stats = bt.run()
    trades = stats["_trades"]  # closed trades only (finalize_trades=False)
    return {
        "trades": len(trades) + (1 if stats["_strategy"].position else 0),
        "closed": len(trades),
        "final_equity": float(stats["Equity Final [$]"]),
        "entry_times": trades["EntryTime"].astype("int64").to_numpy() // 1_000_000,
        "exit_times": trades["ExitTime"].astype("int64").to_numpy() // 1_000_000,
    }


def vectorbt_run(df: Any) -> dict[str, Any]:
    import pandas as pd
    import vectorbt as vbt

    # a plain RangeIndex: with the DatetimeIndex vectorbt spends seconds per call in pandas index handling
    close, open_ = pd.Series(df["Close"].to_numpy()), pd.Series(df["Open"].to_numpy())
    fast = vbt.MA.run(close, FAST).ma
    slow = vbt.MA.run(close, SLOW).ma
    up = (fast > slow) & (fast.shift(1) <= slow.shift(1))
    down = (fast < slow) & (fast.shift(1) >= slow.shift(1))
    pf = vbt.Portfolio.from_signals(
        close,
        entries=up.shift(1, fill_value=False),  # decided on bar i's close, executed at bar i+1's open
        exits=down.shift(1, fill_value=False),
        price=open_,
        fees=FEE,
        init_cash=CASH,
        freq="1min",
    )
    records = pf.trades.values
    closed = records[records["status"] == 1]
    times = df.index.asi8 // 1_000_000
    return {
        "trades": len(records),
        "closed": len(closed),
        "final_equity": float(pf.final_value()),
        "entry_times": times[records["entry_idx"]],
        "exit_times": times[closed["exit_idx"]],
    }


def same_times(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Same exit times, and same entry times (backtesting.py lists only closed trades)."""
    entries = min(len(a["entry_times"]), len(b["entry_times"]))
    return bool(
        len(a["exit_times"]) == len(b["exit_times"])
        and np.array_equal(a["entry_times"][:entries], b["entry_times"][:entries])
        and np.array_equal(a["exit_times"], b["exit_times"])
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5, help="runs of ours and vectorbt (median reported)")
    parser.add_argument("--bt-runs", type=int, default=3, help="runs of backtesting.py (slow)")
    args = parser.parse_args()

    series = generate_series(START_MS, START_MS + BARS * 60_000, "1m", seed=SEED, symbol="BTCUSDT")
    assert len(series) == BARS
    df = frame(series)
    print(
        f"{BARS:,} bars of 1m synthetic BTCUSDT (seed {SEED}), SMA cross {FAST}/{SLOW}, "
        f"fee {FEE:.1%} per side, cash {CASH:g}\n"
    )

    ours_t, _, ours_r = timed(lambda: ours(series), args.runs)
    t0 = time.perf_counter()
    vbt_first_r = vectorbt_run(df)
    vbt_first = time.perf_counter() - t0
    vbt_t, _, vbt_r = timed(lambda: vectorbt_run(df), args.runs)
    bt_t, _, bt_r = timed(lambda: backtesting_py(df), args.bt_runs)
    assert vbt_first_r["trades"] == vbt_r["trades"]

    rows = [
        ("ours (chalicelib.domain)", ours_t, ours_r),
        ("vectorbt (first call, JIT compile)", vbt_first, vbt_r),
        ("vectorbt (compiled)", vbt_t, vbt_r),
        ("backtesting.py (FractionalBacktest)", bt_t, bt_r),
    ]
    print(f"{'tool':38} {'wall s':>9} {'vs ours':>9} {'trades':>7} {'closed':>7} {'final equity':>16}")
    for name, seconds, r in rows:
        print(
            f"{name:38} {seconds:9.3f} {seconds / ours_t:8.1f}x {r['trades']:7d} {r['closed']:7d} "
            f"{r['final_equity']:16.6f}"
        )
    print()
    for name, r in (("vectorbt", vbt_r), ("backtesting.py", bt_r)):
        diff = (r["final_equity"] / ours_r["final_equity"] - 1) * 100
        print(
            f"vs {name:15}: same entry/exit times: {same_times(ours_r, r)}; "
            f"trades {r['trades']} vs {ours_r['trades']}; final equity differs by {diff:+.6f}%"
        )
    print(f"\nspeed-up: {vbt_t / ours_t:.1f}x vs compiled vectorbt, {bt_t / ours_t:.1f}x vs backtesting.py")


if __name__ == "__main__":
    main()
