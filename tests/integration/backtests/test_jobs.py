"""The asynchronous job: idempotent on redelivery, conditional state changes, readable failures."""

from __future__ import annotations

import json
from typing import Any

import pytest

from chalicelib.bootstrap import container
from chalicelib.services.backtests import results as backtests_module
from tests.integration.backtests.conftest import Lab, range_body

LARGE = {"interval": "1m", "start": "2025-12-01T00:00:00Z", "end": "2025-12-06T00:00:00Z"}  # 7,200 bars


@pytest.fixture()
def engine_calls(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls: list[int] = []
    real = backtests_module.run_backtest

    def counting(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(backtests_module, "run_backtest", counting)
    return calls


def test_redelivered_job_does_nothing(lab: Lab, engine_calls: list[int]) -> None:
    user = lab.user()
    status, created = lab.call("POST", "/backtests", range_body(**LARGE), user["access_token"])
    assert status == 202
    (message,) = lab.receive()
    # Delivered twice before anyone deletes it (at-least-once), then once more later.
    assert lab.deliver([message])["batchItemFailures"] == []
    _, first = lab.call("GET", f"/backtests/{created['id']}", token=user["access_token"])
    assert first["status"] == "done" and len(engine_calls) == 1

    assert lab.deliver([message])["batchItemFailures"] == []
    lab.send_raw({"kind": "backtest", "user_id": user["id"], "backtest_id": created["id"]})
    assert lab.drain_jobs() == 2  # the original message and the copy
    _, again = lab.call("GET", f"/backtests/{created['id']}", token=user["access_token"])
    assert again == first
    assert len(engine_calls) == 1

    service = container().backtests
    assert service.run_job(user["id"], created["id"]) == "skipped"
    store = container().ports.backtests
    assert store.finish(user["id"], created["id"], 1, {}, 0) is False  # done -> done is refused
    assert store.fail(user["id"], created["id"], "late", 0) is False
    assert store.start(user["id"], created["id"], 0) is None


def test_job_for_a_deleted_backtest_is_dropped(lab: Lab, engine_calls: list[int]) -> None:
    user = lab.user()
    _, created = lab.call("POST", "/backtests", range_body(**LARGE), user["access_token"])
    assert lab.call("DELETE", f"/backtests/{created['id']}", token=user["access_token"])[0] == 204
    assert lab.drain_jobs() == 1
    assert engine_calls == []


def test_no_candles_fails_the_job_with_a_readable_error(lab: Lab) -> None:
    user = lab.user()
    body = range_body(interval="1m", start="2016-01-01T00:00:00Z", end="2016-01-06T00:00:00Z")
    status, created = lab.call("POST", "/backtests", body, user["access_token"])
    assert status == 202
    assert lab.drain_jobs() == 1  # a deterministic failure is not retried
    _, got = lab.call("GET", f"/backtests/{created['id']}", token=user["access_token"])
    assert got["status"] == "failed" and got["result"] is None
    assert got["error"] == "No candles for BTCUSDT 1m in that range"
    _, listed = lab.call("GET", "/backtests", token=user["access_token"])
    assert listed["items"][0]["status"] == "failed" and listed["items"][0]["result"] is None


def test_transient_error_is_retried_then_fails_on_the_last_receive(lab: Lab, monkeypatch: pytest.MonkeyPatch) -> None:
    user = lab.user()
    _, created = lab.call("POST", "/backtests", range_body(**LARGE), user["access_token"])

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise ConnectionError("market source timed out")

    monkeypatch.setattr(container().market, "closed_candles", broken)
    (message,) = lab.receive()
    assert len(lab.deliver([message], receive_count=1)["batchItemFailures"]) == 1
    _, got = lab.call("GET", f"/backtests/{created['id']}", token=user["access_token"])
    assert got["status"] == "running" and got["error"] is None

    assert len(lab.deliver([message], receive_count=3)["batchItemFailures"]) == 1
    _, got = lab.call("GET", f"/backtests/{created['id']}", token=user["access_token"])
    assert got["status"] == "failed"
    # The exception's text stays in the log; the user sees a generic message naming the backtest.
    assert got["error"] == f"An internal error stopped this backtest (reference {created['id']})."
    assert "ConnectionError" not in json.dumps(got) and "timed out" not in json.dumps(got)

    monkeypatch.undo()
    lab.purge()


def test_a_crashed_running_job_is_finished_by_the_retry(lab: Lab) -> None:
    user = lab.user()
    _, created = lab.call("POST", "/backtests", range_body(**LARGE), user["access_token"])
    store = container().ports.backtests
    assert store.start(user["id"], created["id"], 0) is not None  # a copy started, then its Lambda died
    assert lab.drain_jobs() == 1
    _, got = lab.call("GET", f"/backtests/{created['id']}", token=user["access_token"])
    assert got["status"] == "done" and got["progress"] == 100
