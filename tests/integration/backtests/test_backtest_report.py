"""Issue #20: a result carries what it ran with, a buy-and-hold benchmark and its open position."""

from __future__ import annotations

import pytest

from chalicelib.domain.backtest.trades import iso_ms
from tests.integration.backtests.conftest import Lab, range_body


def test_result_has_benchmark_open_position_and_its_inputs(lab: Lab) -> None:
    user = lab.user()
    status, created = lab.call("POST", "/backtests", range_body(), user["access_token"])
    assert status == 201, created
    result = created["result"]
    bench = result["benchmark"]
    assert bench["strategy"] == "buy_and_hold"
    assert [p["t"] for p in bench["equity"]] == [p["t"] for p in result["equity"]]
    assert bench["return_pct"] == pytest.approx((bench["equity"][-1]["equity"] / 10_000 - 1) * 100)
    assert bench["quantity"] == pytest.approx(10_000 / (bench["entry_price"] * 1.001))
    assert len(result["candles"]) == 720  # 30 days of 1h bars, under the chart's 1,000
    assert result["candles"][0]["t"] == "2025-11-01T00:00:00.000Z"
    metrics = result["metrics"]
    assert metrics["period_days"] == 30.0 and metrics["annualised"] is True and metrics["cagr_pct"] is not None
    open_trades = [t for t in result["trades"] if t["status"] == "open"]
    if open_trades:
        assert result["open_position"]["unrealised_pnl"] == pytest.approx(sum(t["pnl"] for t in open_trades))
        assert metrics["final_equity_includes_open_position"] is True
    else:
        assert result["open_position"] is None

    status, listed = lab.call("GET", "/backtests", token=user["access_token"])
    assert status == 200
    (item,) = listed["items"]
    assert item["params"] == {"fast": 5, "slow": 20} and item["fee"] == 0.001 and item["cash"] == 10_000
    assert item["start"] == "2025-11-01T00:00:00Z" and item["risk"] == created["risk"]


def test_a_week_long_run_has_no_annualised_figures(lab: Lab) -> None:
    user = lab.user()
    body = range_body(start="2025-11-01T00:00:00Z", end="2025-11-08T00:00:00Z")
    status, created = lab.call("POST", "/backtests", body, user["access_token"])
    assert status == 201, created
    metrics = created["result"]["metrics"]
    assert metrics["period_days"] == 7.0 and metrics["annualised"] is False
    assert metrics["cagr_pct"] is None and metrics["sharpe"] is None and metrics["sortino"] is None
    assert metrics["period_return_pct"] == metrics["total_return_pct"]


def _sma(closes: list[float], n: int, i: int) -> float:
    return sum(closes[i - n + 1 : i + 1]) / n


def test_an_sma_cross_result_carries_its_fast_and_slow_sma_for_the_candle_chart(lab: Lab) -> None:
    user = lab.user()
    status, created = lab.call("POST", "/backtests", range_body(), user["access_token"])
    assert status == 201, created
    status, fetched = lab.call("GET", f"/backtests/{created['id']}", token=user["access_token"])
    assert status == 200 and fetched["result"]["plots"] == created["result"]["plots"]
    candles, plots = created["result"]["candles"], created["result"]["plots"]
    assert [(p["name"], p["pane"]) for p in plots] == [("SMA 5", "price"), ("SMA 20", "price")]
    closes = [c["close"] for c in candles]
    times = [c["t"] for c in candles]
    for plot, n in zip(plots, (5, 20), strict=True):
        # Warm-up bars have no value; from then on one point per candle, at its time, the SMA of the closes.
        assert len(plot["points"]) == len(candles) - (n - 1)
        first = plot["points"][0]
        assert iso_ms(first["time"]) == times[n - 1]
        for k, point in enumerate(plot["points"]):
            assert point["value"] == pytest.approx(_sma(closes, n, n - 1 + k))
