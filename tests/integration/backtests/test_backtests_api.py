"""POST/GET/DELETE /api/v1/backtests end to end on moto."""

from __future__ import annotations

from typing import Any

from tests.integration.backtests.conftest import Lab, range_body

TRADE_FIELDS = {
    "entry_time", "exit_time", "entry_price", "exit_price", "quantity", "fee", "pnl", "return_pct", "exit_reason",
}
METRIC_FIELDS = {
    "final_equity", "total_return_pct", "cagr_pct", "max_drawdown_pct", "sharpe", "sortino", "win_rate_pct",
    "profit_factor", "exposure_pct", "fees_paid", "num_trades",
}


def _check_result(result: dict[str, Any]) -> None:
    assert set(result["metrics"]) >= METRIC_FIELDS
    assert result["trades"], "the synthetic market crosses often enough for a few trades"
    for trade in result["trades"]:
        assert set(trade) >= TRADE_FIELDS
        assert trade["entry_time"].endswith("Z")
    assert result["trades_total"] == len(result["trades"])
    assert 2 <= len(result["equity"]) <= 2000
    assert set(result["equity"][0]) == {"t", "equity"} and result["equity"][0]["t"].endswith("Z")
    closed = [t for t in result["trades"] if t["exit_time"] is not None]
    assert result["metrics"]["num_trades"] == len(closed)


def test_small_job_answers_done_with_the_result(lab: Lab) -> None:
    user = lab.user()
    status, created = lab.call("POST", "/backtests", range_body(), user["access_token"])
    assert status == 201, created
    assert created["status"] == "done" and created["progress"] == 100 and created["error"] is None
    assert created["source"] == "range" and created["bars"] == 720
    assert created["start"] == "2025-11-01T00:00:00Z" and created["end"] == "2025-12-01T00:00:00Z"
    _check_result(created["result"])
    assert created["metrics"] == created["result"]["metrics"]

    status, fetched = lab.call("GET", f"/backtests/{created['id']}", token=user["access_token"])
    assert status == 200
    assert fetched == created

    status, listed = lab.call("GET", "/backtests", token=user["access_token"])
    assert status == 200
    (item,) = listed["items"]
    assert item["id"] == created["id"] and item["status"] == "done"
    assert item["result"] == {"metrics": created["result"]["metrics"]}
    assert "trades" not in item and item["created_at"].endswith("Z")


def test_large_job_goes_through_the_queue(lab: Lab) -> None:
    user = lab.user()
    body = range_body(interval="1m", start="2025-12-01T00:00:00Z", end="2025-12-06T00:00:00Z")  # 7,200 bars
    status, created = lab.call("POST", "/backtests", body, user["access_token"])
    assert status == 202, created
    assert created["status"] == "queued" and created["progress"] == 0 and created["result"] is None

    status, polled = lab.call("GET", f"/backtests/{created['id']}", token=user["access_token"])
    assert (status, polled["status"], polled["result"]) == (200, "queued", None)

    assert lab.drain_jobs() == 1
    status, done = lab.call("GET", f"/backtests/{created['id']}", token=user["access_token"])
    assert status == 200
    assert done["status"] == "done" and done["progress"] == 100 and done["bars"] == 7200
    _check_result(done["result"])
    assert len(done["result"]["equity"]) <= 2000
    assert done["result"]["equity"][0]["t"] == "2025-12-01T00:00:00.000Z"
    assert done["result"]["equity"][-1]["t"] == "2025-12-05T23:59:00.000Z"

    # The same range run at once (a larger sync threshold) gives the same numbers.
    import dataclasses

    from chalicelib.bootstrap import bootstrap, container
    from chalicelib.services.backtests import BacktestRequest

    running = container()
    cfg = running.settings
    larger = dataclasses.replace(cfg, extra={**cfg.extra, "TRADEBOT_BACKTEST_SYNC_BARS": "10000"})
    service = bootstrap(larger, clock=running.clock).backtests
    again = service.create(
        user["id"],
        BacktestRequest(
            "sma_cross", {"fast": 5, "slow": 20}, {}, "BTCUSDT", "1m", 1_764_547_200_000, 1_764_979_200_000
        ),
    )
    assert again.result is not None
    assert again.result["metrics"] == done["result"]["metrics"]
    assert again.result["trades"] == done["result"]["trades"]


def test_another_users_backtest_is_404(lab: Lab) -> None:
    owner, other = lab.user(), lab.user()
    _, created = lab.call("POST", "/backtests", range_body(), owner["access_token"])
    path = f"/backtests/{created['id']}"
    assert lab.call("GET", path, token=other["access_token"])[0] == 404
    assert lab.call("DELETE", path, token=other["access_token"])[0] == 404
    assert lab.call("GET", "/backtests", token=other["access_token"])[1]["items"] == []
    assert lab.call("GET", path, token=owner["access_token"])[0] == 200
    assert lab.call("GET", path)[0] == 401

    assert lab.call("DELETE", path, token=owner["access_token"])[0] == 204
    assert lab.call("GET", path, token=owner["access_token"])[0] == 404
    assert lab.call("DELETE", path, token=owner["access_token"])[0] == 404
    assert lab.call("GET", "/backtests/nope", token=owner["access_token"])[0] == 404


def test_list_is_newest_first_and_pages(lab: Lab) -> None:
    user = lab.user()
    ids = []
    for day in (1, 2, 3):
        lab.clock.advance(1_000)
        body = range_body(start=f"2025-10-0{day}T00:00:00Z", end=f"2025-10-0{day + 1}T00:00:00Z", interval="15m")
        status, created = lab.call("POST", "/backtests", body, user["access_token"])
        assert status == 201, created
        ids.append(created["id"])
    _, page1 = lab.call("GET", "/backtests?limit=2", token=user["access_token"])
    assert [b["id"] for b in page1["items"]] == ids[::-1][:2] and page1["next_cursor"]
    _, page2 = lab.call("GET", f"/backtests?limit=2&cursor={page1['next_cursor']}", token=user["access_token"])
    assert [b["id"] for b in page2["items"]] == ids[:1]
    assert lab.call("GET", "/backtests?cursor=garbage", token=user["access_token"])[0] == 422
