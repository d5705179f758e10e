"""POST /backtests for a signal bot with timestamped signals (issue 15 item 6): a list and the same signals as
CSV give the same trades, each at the open of the bar after its signal arrived; bad signals answer 4xx."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.backtests.conftest import Lab, range_body

SIGNALS = [
    {"time": "2025-11-03T05:20:00Z", "action": "buy"},
    {"time": "2025-11-04T10:59:59Z", "action": "close"},
    {"time": "2025-11-10T00:00:00Z", "action": "buy", "amount": "2500"},
    {"time": "2025-11-12T13:30:00Z", "action": "sell"},
    {"time": "2025-11-20T08:00:00Z", "action": "close"},  # nothing held: refused as live
]
CSV = """time,action,amount
2025-11-03T05:20:00Z,buy,
2025-11-04T10:59:59Z,close,
1762732800,buy,2500
2025-11-12T13:30:00Z,sell,
2025-11-20T08:00:00Z,close,
"""


def _body(signals: Any, **overrides: Any) -> dict[str, Any]:
    return range_body(strategy="signal", params={"size_mode": "percent", "size_value": 50}, signals=signals,
                      **overrides)  # fmt: skip


def _opens(result: dict[str, Any]) -> dict[str, float]:
    return {c["t"]: c["open"] for c in result["candles"]}


def test_signals_trade_at_the_next_bars_open_and_a_csv_gives_the_same(lab: Lab) -> None:
    token = lab.user()["access_token"]
    status, listed = lab.call("POST", "/backtests", _body(SIGNALS), token)
    assert status == 201, listed
    result = listed["result"]
    opens = _opens(result)
    first, second = sorted(result["trades"], key=lambda t: t["entry_time"])
    assert (first["entry_time"], first["exit_time"]) == ("2025-11-03T06:00:00.000Z", "2025-11-04T11:00:00.000Z")
    assert (second["entry_time"], second["exit_time"]) == ("2025-11-10T01:00:00.000Z", "2025-11-12T14:00:00.000Z")
    assert (
        first["entry_price"] == opens["2025-11-03T06:00:00.000Z"]
        and first["exit_price"] == opens["2025-11-04T11:00:00.000Z"]
    )
    # 50% of the 10,000 budget, then the amount given (fee included in what a buy spends)
    assert first["quantity"] * first["entry_price"] * 1.001 == pytest.approx(5000)
    assert second["quantity"] * second["entry_price"] * 1.001 == pytest.approx(2500)
    assert [(s["status"], s["reason"]) for s in result["signals"]] == [("executed", None)] * 4 + [
        ("refused", "no_position")
    ]
    assert result["metrics"]["num_trades"] == 2

    status, from_csv = lab.call("POST", "/backtests", _body(CSV), token)
    assert status == 201, from_csv
    assert from_csv["result"]["trades"] == result["trades"]
    assert from_csv["result"]["signals"] == result["signals"]
    assert from_csv["metrics"] == listed["metrics"]


def test_a_queued_signal_backtest_gives_the_same_as_one_run_at_once(lab: Lab) -> None:
    token = lab.user()["access_token"]
    at_once = _body(SIGNALS[:2], interval="1m", start="2025-11-03T00:00:00Z", end="2025-11-05T00:00:00Z")  # 2,880
    status, done = lab.call("POST", "/backtests", at_once, token)
    assert status == 201, done
    queued = {**at_once, "start": "2025-11-01T00:00:00Z", "end": "2025-11-06T00:00:00Z"}  # 7,200 bars: queued
    status, created = lab.call("POST", "/backtests", queued, token)
    assert status == 202, created
    assert lab.drain_jobs() == 1
    status, finished = lab.call("GET", f"/backtests/{created['id']}", token=token)
    assert finished["status"] == "done", finished
    assert finished["result"]["signals"] == done["result"]["signals"]
    assert [s["status"] for s in done["result"]["signals"]] == ["executed", "executed"]
    assert finished["result"]["trades"] == done["result"]["trades"] and len(done["result"]["trades"]) == 1
    assert lab.call("DELETE", f"/backtests/{created['id']}", token=token)[0] == 204


def test_bad_signals_answer_clear_4xx(lab: Lab) -> None:
    token = lab.user()["access_token"]
    cases = {
        "not a signal bot": (range_body(signals=SIGNALS), "signals"),
        "unknown action": (_body([{"time": "2025-11-03T05:20:00Z", "action": "moon"}]), "signals[0].action"),
        "bad time": (_body([{"time": "soon", "action": "buy"}]), "signals[0].time"),
        "before the period": (_body([{"time": "2025-10-31T23:00:00Z", "action": "buy"}]), "signals"),
        "after the period": (_body("2025-12-01T00:00:00Z,buy"), "signals"),
        "amount on a sell": (_body("2025-11-03T05:20:00Z,sell,10"), "signals[0].amount"),
        "bad csv row": (_body("2025-11-03T05:20:00Z"), "signals[0]"),
        "empty list": (_body([]), "signals"),
        "too many": (_body([SIGNALS[0]] * 1001), "signals"),
        "unknown field": (_body([{**SIGNALS[0], "price": 1}]), "signals"),
    }
    for name, (body, field) in cases.items():
        status, answer = lab.call("POST", "/backtests", body, token)
        assert status == 422, (name, answer)
        assert set(answer["error"]) == {"code", "message", "details"}, name
        fields = [d.get("field", "") for d in answer["error"]["details"]]
        assert any(f.startswith(field) for f in fields), (name, answer)
    status, listed = lab.call("GET", "/backtests", token=token)
    assert listed["items"] == []  # nothing ran, nothing stored
