"""Bad requests answer 422 with field details; nothing is stored or queued for them."""

from __future__ import annotations

from typing import Any

from tests.integration.backtests.conftest import Lab, range_body


def _fields(data: dict[str, Any]) -> set[str]:
    return {d["field"] for d in data["error"]["details"] or []}


BAD_INPUT: list[tuple[dict[str, Any], str]] = [
    ({"strategy": "nope"}, "strategy"),
    ({"params": {"fast": 50, "slow": 10}}, "params.fast"),
    ({"params": {"fast": "x"}}, "params.fast"),
    ({"params": {"bogus": 1}}, "params.bogus"),
    ({"risk": {"stop_loss_pct": -1}}, "risk.stop_loss_pct"),
    ({"risk": {"trailing_activation_pct": 1}}, "risk.trailing_activation_pct"),
    ({"risk": {"position_size": {"mode": "percent", "value": 150}}}, "risk.position_size.value"),
    ({"fee": 0.7}, "fee"),
    ({"cash": 0}, "cash"),
    ({"interval": "2m"}, "interval"),
    ({"start": "yesterday"}, "start"),
    ({"start": "2025-11-01T00:00:00"}, "start"),
    ({"end": "2025-10-01T00:00:00Z"}, "end"),
    ({"start": "2027-01-01T00:00:00Z", "end": "2027-02-01T00:00:00Z"}, "start"),
    ({"interval": "1m", "start": "2025-01-01T00:00:00Z"}, "end"),  # 480k bars > 200k
    ({"csv": "open_time,open\n"}, "csv"),
    ({"extra": 1}, "extra"),
]


def test_bad_input_is_422_with_the_field(lab: Lab) -> None:
    user = lab.user()
    for overrides, field in BAD_INPUT:
        body = range_body(**overrides)
        if "csv" in overrides:
            body.pop("start"), body.pop("end")
        status, data = lab.call("POST", "/backtests", body, user["access_token"])
        assert status == 422, (overrides, data)
        assert field in _fields(data), (overrides, data)
    assert lab.call("GET", "/backtests", token=user["access_token"])[1]["items"] == []
    assert lab.receive() == []


def test_source_must_be_a_range_or_a_csv(lab: Lab) -> None:
    user = lab.user()
    body = range_body()
    del body["start"], body["end"], body["symbol"]
    status, data = lab.call("POST", "/backtests", body, user["access_token"])
    assert status == 422 and {"start", "end", "symbol"} <= _fields(data)

    status, data = lab.call("POST", "/backtests", range_body(csv="1,2,3,4,5,6,7\n2,2,3,4,5,6,7"), user["access_token"])
    assert status == 422 and "csv" in _fields(data)


def test_bad_csv_names_the_line(lab: Lab) -> None:
    user = lab.user()
    csv = "1700000000000,1,2,0.5,1.5,10,1700000059999\n1700000060000,1,x,0.5,1.5,10,1700000119999\n"
    status, data = lab.call("POST", "/backtests", {"strategy": "sma_cross", "csv": csv}, user["access_token"])
    assert status == 422
    assert data["error"]["details"] == [{"field": "csv (line 2)", "message": "not a number"}]


def test_range_before_any_data_is_422_when_run_at_once(lab: Lab) -> None:
    user = lab.user()
    body = range_body(start="2016-01-01T00:00:00Z", end="2016-01-05T00:00:00Z")
    status, data = lab.call("POST", "/backtests", body, user["access_token"])
    assert status == 422
    assert data["error"]["message"] == "No candles for BTCUSDT 1h in that range"


def test_oversized_body_is_413(lab: Lab) -> None:
    user = lab.user()
    status, data = lab.call("POST", "/backtests", range_body(csv="x" * (7 * 1024 * 1024)), user["access_token"])
    assert status == 413, data
