"""The issue's rule: the CLI and the API return the same result for the same input. A real Binance kline
CSV from shared/data/market is uploaded to the API and given to `python -m chalicelib.cli backtest`."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REPO, SHARED_MARKET
from tests.integration.backtests.conftest import Lab

CASES = [
    # 5,760 5m bars: answered at once; signal strategy without stops (the vectorised path).
    ("freqtrade_ETH_BTC_5m_20180110_20180130.csv", "ema_cross", {"fast": 9, "slow": 21}, {}, 201),
    # 30,240 1m bars: queued; stops and a trailing stop (the bar-by-bar loop).
    (
        "binanceus_BTCUSDT_1m_20230301_20230321.csv",
        "sma_cross",
        {"fast": 10, "slow": 30},
        {"stop_loss_pct": 1.5, "trailing_stop_pct": 2, "trailing_activation_pct": 1},
        202,
    ),
]


def _cli(path: Path, strategy: str, params: dict[str, Any], risk: dict[str, Any]) -> dict[str, Any]:
    out = subprocess.run(
        [
            sys.executable, "-m", "chalicelib.cli", "backtest", "--csv", str(path), "--strategy", strategy,
            "--params", json.dumps(params), "--risk", json.dumps(risk), "--fee", "0.001", "--cash", "10000",
            "--format", "json",
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    result: dict[str, Any] = json.loads(out.stdout)
    return result


@pytest.mark.parametrize(("name", "strategy", "params", "risk", "expected_status"), CASES)
def test_csv_upload_gives_the_cli_result(
    lab: Lab, name: str, strategy: str, params: dict[str, Any], risk: dict[str, Any], expected_status: int
) -> None:
    path = SHARED_MARKET / name
    assert path.exists(), f"{path} is missing: the shared market data must sit beside the checkout"
    user = lab.user()
    body = {"strategy": strategy, "params": params, "risk": risk, "csv": path.read_text(), "fee": 0.001, "cash": 10000}
    status, created = lab.call("POST", "/backtests", body, user["access_token"])
    assert status == expected_status, created
    if status == 202:
        assert lab.drain_jobs() == 1
    status, got = lab.call("GET", f"/backtests/{created['id']}", token=user["access_token"])
    assert status == 200 and got["status"] == "done", got
    assert got["source"] == "csv" and got["interval"] in ("1m", "5m")

    expected = _cli(path, strategy, params, risk)
    assert expected["trades"], "the case should trade"
    assert got["result"]["trades"] == expected["trades"]
    assert got["result"]["metrics"] == expected["metrics"]


def test_csv_with_symbol_and_interval_labels(lab: Lab) -> None:
    user = lab.user()
    rows = [
        f"{1_700_000_000_000 + i * 60_000},{100 + i % 7},{101 + i % 7},{99 + i % 7},{100 + i % 5},1" for i in range(60)
    ]
    body = {"strategy": "sma_cross", "params": {"fast": 2, "slow": 5}, "csv": "\n".join(rows), "symbol": "ethusdt"}
    status, created = lab.call("POST", "/backtests", body, user["access_token"])
    assert status == 201, created
    assert (created["symbol"], created["interval"], created["bars"]) == ("ETHUSDT", "1m", 60)
