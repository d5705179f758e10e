from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from chalicelib.domain.backtest import run_backtest
from chalicelib.domain.candles import CandleSeries
from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.kline_csv import load_series, parse_kline_csv
from chalicelib.domain.synthetic import generate_candles, generate_series
from tests.unit.domain.conftest import BTC_1M, ETH_5M, REPO


def test_parse_and_load_agree_on_real_files(btc_1m: CandleSeries) -> None:
    candles = parse_kline_csv(BTC_1M.read_text())
    assert len(candles) == len(btc_1m) == 30_240
    assert candles[0].open_time == 1677628800000 and str(candles[0].open) == "23140.48"
    assert candles[0].close_time == 1677628859999
    assert np.array_equal(CandleSeries.from_candles(candles).close, btc_1m.close)


def test_file_with_gaps_keeps_them(gappy_1m: CandleSeries) -> None:
    steps = np.diff(gappy_1m.open_time)
    assert len(gappy_1m) == 13_681
    # 538 gaps (the README's "missing minutes"), 717 minutes missing in all, all kept as gaps
    assert int(steps.min()) == 60_000 and int(np.sum(steps > 60_000)) == 538
    assert int(np.sum(steps // 60_000 - 1)) == 717
    result = run_backtest(gappy_1m, "sma_cross", {"fast": 5, "slow": 20})
    assert result.metrics.num_trades > 0


def test_headerless_microsecond_rows_and_bad_lines() -> None:
    rows = ["1735689600000000,1.0,2.0,0.5,1.5,10,1735689659999999,0,0,0,0,0",
            "1735689660000000,1.5,2.5,1.0,2.0,11,1735689719999999,0,0,0,0,0"]
    candles = parse_kline_csv(rows)
    assert [c.open_time for c in candles] == [1735689600000, 1735689660000]
    assert candles[1].close_time == 1735689719999
    with pytest.raises(InvalidInput):
        parse_kline_csv(rows[::-1])
    with pytest.raises(InvalidInput):
        parse_kline_csv(["1,2,3"])


def test_cli_prints_trades_and_metrics_as_json() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "chalicelib.cli", "backtest", "--csv", str(ETH_5M), "--strategy", "sma_cross",
         "--params", '{"fast": 10, "slow": 30}', "--fee", "0.001", "--cash", "10000", "--format", "json"],
        cwd=REPO, capture_output=True, text=True, check=True,
    ).stdout
    result = json.loads(out)
    expected = run_backtest(load_series(ETH_5M), "sma_cross", {"fast": 10, "slow": 30}, fee=0.001, cash=10_000)
    assert result == json.loads(json.dumps(expected.to_dict()))
    assert result["trades"][0]["entry_time"].endswith("Z") and "sharpe" in result["metrics"]


def test_cli_reports_bad_params_on_stderr() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "chalicelib.cli", "backtest", "--csv", str(ETH_5M), "--strategy", "sma_cross",
         "--params", '{"fast": 40, "slow": 30}'],
        cwd=REPO, capture_output=True, text=True,
    )
    assert proc.returncode == 2 and json.loads(proc.stderr)["details"][0]["field"] == "fast"


def test_synthetic_windows_regenerate_identically() -> None:
    start = 1_704_067_200_000
    day = generate_series(start, start + 86_400_000, "1m", seed=3, symbol="ETHUSDT")
    part = generate_series(start + 600 * 60_000 + 1, start + 700 * 60_000, "1m", seed=3, symbol="ETHUSDT")
    assert len(day) == 1440 and len(part) == 99
    offset = int(np.searchsorted(day.open_time, part.open_time[0]))
    assert np.array_equal(day.close[offset : offset + 99], part.close)
    assert np.array_equal(day.high[offset : offset + 99], part.high)
    assert not np.array_equal(generate_series(start, start + 86_400_000, seed=4, symbol="ETHUSDT").close, day.close)
    hourly = generate_series(start, start + 86_400_000, "1h", seed=3, symbol="ETHUSDT")
    assert len(hourly) == 24 and hourly.close[0] == day.close[59] and hourly.high[0] == day.high[:60].max()
    assert np.all(day.high >= np.maximum(day.open, day.close)) and np.all(day.low <= np.minimum(day.open, day.close))
    candles = generate_candles(start, start + 5 * 60_000, seed=3, symbol="ETHUSDT")
    assert len(candles) == 5 and candles[0].close_time == start + 59_999
