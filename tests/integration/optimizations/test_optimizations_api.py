"""The optimization API end to end on the embedded AWS: POST -> 202, the coordinator and trial messages
through the real jobs handler, the result with in-sample and out-of-sample metrics, a bot from a trial,
redelivery counted once, cancel, limits, bad spaces, and the CLI printing the same result."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import pytest

from tests.conftest import REPO
from tests.integration.backtests.conftest import Lab
from tests.integration.optimizations.conftest import ETH_5M, body, drain, kinds


def _start(lab: Lab, token: str, **overrides: Any) -> dict[str, Any]:
    status, job = lab.call("POST", "/optimizations", body(**overrides), token)
    assert status == 202, job
    assert job["status"] == "queued" and job["progress"]["total"] == overrides.get("trials", 12)
    return job


def _get(lab: Lab, token: str, job_id: str) -> dict[str, Any]:
    status, job = lab.call("GET", f"/optimizations/{job_id}", token=token)
    assert status == 200, job
    return job


def test_a_search_runs_through_the_queue_to_a_result_and_a_bot(lab: Lab) -> None:
    user = lab.user()
    token = user["access_token"]
    job = _start(lab, token)
    assert drain(lab) > 2  # a coordinator, trial vectors, the next coordinator, ...
    done = _get(lab, token, job["id"])
    assert done["status"] == "done" and done["progress"]["done"] == 12
    result = done["result"]
    assert len(result["trials"]) == 12 and {t["id"] for t in result["trials"]} == set(range(12))
    best = result["best"]
    assert best["in_sample"]["num_trades"] >= 2 and best["out_of_sample"] is not None
    assert best["score"] == max(t["score"] for t in result["trials"] if t["score"] is not None)
    assert result["top"][0]["trial"] == best["id"] and len(result["top"]) <= 5
    assert all(t["params"]["fast"] < t["params"]["slow"] or t["state"] == "infeasible" for t in result["trials"])

    status, bot = lab.call("POST", f"/optimizations/{job['id']}/bots", {"trial": best["id"]}, token)
    assert status == 201, bot
    assert bot["params"] == best["params"] and bot["mode"] == "paper" and bot["status"] == "stopped"
    assert bot["symbol"] == "ETHBTC" and bot["interval"] == "5m"

    status, listed = lab.call("GET", "/optimizations", token=token)
    assert status == 200 and [j["id"] for j in listed["items"]] == [job["id"]]


def test_the_cli_prints_the_same_result_as_the_api(lab: Lab) -> None:
    token = lab.user()["access_token"]
    job = _start(lab, token, sampler="random", trials=10, validation={"walk_forward_folds": 2})
    drain(lab)
    api = _get(lab, token, job["id"])
    space = json.dumps(body()["space"])
    run = subprocess.run(
        [sys.executable, "-m", "chalicelib.cli", "optimize", "--csv", str(ETH_5M), "--strategy", "sma_cross",
         "--space", space, "--trials", "10", "--sampler", "random", "--seed", "7", "--objective", "total_return",
         "--min-trades", "2", "--walk-forward-folds", "2", "--symbol", "ETHBTC"],
        cwd=REPO, capture_output=True, text=True, timeout=300, check=False,
    )
    assert run.returncode == 0, run.stderr
    cli = json.loads(run.stdout)
    assert cli["status"] == api["status"] == "done"
    assert cli["result"] == api["result"]
    assert len(api["result"]["walk_forward"]) == 2


def test_a_redelivered_trial_message_is_counted_once(lab: Lab) -> None:
    token = lab.user()["access_token"]
    job = _start(lab, token, trials=8)
    coordinator = lab.receive()
    assert kinds(coordinator) == ["coordinate"]
    lab.deliver(coordinator)
    lab.deliver(coordinator, receive_count=2)  # a copy of the coordinator: no second batch
    for m in coordinator:
        lab.sqs.delete_message(QueueUrl=lab.queue_url, ReceiptHandle=m["ReceiptHandle"])
    trials = lab.receive()
    assert set(kinds(trials)) == {"trials"}
    for m in trials:
        lab.deliver([m])
        lab.deliver([m], receive_count=2)  # redelivered after its first run recorded it
    current = _get(lab, token, job["id"])
    assert current["progress"]["done"] == 8
    drain(lab)
    done = _get(lab, token, job["id"])
    assert done["status"] == "done" and done["progress"]["done"] == 8 and len(done["result"]["trials"]) == 8


def test_cancel_stops_dispatching_and_leaves_a_consistent_result(lab: Lab) -> None:
    token = lab.user()["access_token"]
    job = _start(lab, token, trials=40)
    first = lab.receive()
    lab.deliver(first)  # the coordinator: batch 0 dispatched as trial vectors
    for m in first:
        lab.sqs.delete_message(QueueUrl=lab.queue_url, ReceiptHandle=m["ReceiptHandle"])
    vectors = lab.receive()
    lab.deliver(vectors[:1])  # one vector evaluated before the cancel
    status, cancelled = lab.call("DELETE", f"/optimizations/{job['id']}", token=token)
    assert status == 200 and cancelled["status"] == "cancelled"
    recorded = cancelled["progress"]["done"]
    assert recorded > 0
    drain(lab)  # the other vectors arrive after the cancel: nothing recorded, no next batch
    after = _get(lab, token, job["id"])
    assert after["status"] == "cancelled" and after["progress"]["done"] == recorded
    assert len(after["result"]["trials"]) == recorded
    assert after["result"]["unfinished_trials"] > 0 and after["result"]["top"] == []
    assert lab.receive() == []


def test_another_user_sees_nothing(lab: Lab) -> None:
    owner, other = lab.user()["access_token"], lab.user()["access_token"]
    job = _start(lab, owner, trials=4)
    for method, path, payload in (("GET", "", None), ("DELETE", "", None), ("POST", "/bots", {"trial": 0})):
        status, err = lab.call(method, f"/optimizations/{job['id']}{path}", payload, other)
        assert status == 404 and err["error"]["code"], err
    status, listed = lab.call("GET", "/optimizations", token=other)
    assert status == 200 and listed["items"] == []
    status, _ = lab.call("GET", f"/optimizations/{job['id']}")
    assert status == 401


def test_concurrent_jobs_are_limited_per_user(lab: Lab) -> None:
    token = lab.user()["access_token"]
    _start(lab, token, trials=2)
    _start(lab, token, trials=2)
    status, err = lab.call("POST", "/optimizations", body(trials=2), token)
    assert status == 409 and err["error"]["code"] == "too_many_optimizations", err


@pytest.mark.parametrize(
    ("overrides", "status", "code", "field"),
    [
        ({"space": {"nope": {"low": 1, "high": 3}}}, 422, "invalid_space", "space.nope"),
        ({"space": {"fast": {"low": 20, "high": 5}}}, 422, "invalid_space", "space.fast"),
        ({"space": {"fast": {"low": 40, "high": 60}, "slow": {"low": 10, "high": 30}}}, 422, "invalid_space",
         "space.fast"),
        ({"trials": 5000}, 422, "too_many_trials", "trials"),
        ({"sampler": "grid", "space": {"fast": {"low": 2, "high": 200}, "slow": {"low": 210, "high": 1000}}}, 422,
         "too_many_trials", "trials"),
        ({"validation": {"test_pct": 80}}, 422, "invalid_validation", "validation"),
        ({"space": {}}, 422, None, "space"),
    ],
)
def test_bad_requests_answer_clear_4xx(lab: Lab, overrides: dict[str, Any], status: int, code: str | None,
                                       field: str) -> None:
    token = lab.user()["access_token"]
    got, err = lab.call("POST", "/optimizations", body(**overrides), token)
    assert got == status, err
    assert set(err["error"]) >= {"code", "message", "details"}
    if code is not None:
        assert err["error"]["code"] == code
    assert any(d.get("field", "").startswith(field) for d in err["error"]["details"]), err
    assert lab.receive() == []


def test_deleting_the_account_deletes_its_optimizations_and_trials(lab: Lab) -> None:
    from chalicelib.adapters.dynamo.optimizations import OptimizationItem

    user = lab.user()
    token = user["access_token"]
    job = _start(lab, token, trials=4)
    drain(lab)
    assert list(OptimizationItem.query(f"{user['id']}#{job['id']}"))  # the trials are stored
    status, _ = lab.call("DELETE", "/users/me", {"password": user["password"], "confirm": "DELETE"}, token)
    assert status in (200, 202, 204)
    assert list(OptimizationItem.query(user["id"])) == []
    assert list(OptimizationItem.query(f"{user['id']}#{job['id']}")) == []


def test_a_date_range_job_reads_the_market_source_and_its_bot_trades_that_symbol(lab: Lab) -> None:
    token = lab.user()["access_token"]
    overrides = {"csv": None, "symbol": "BTCUSDT", "interval": "1h", "start": "2025-10-01T00:00:00Z",
                 "end": "2025-11-01T00:00:00Z", "trials": 6, "space": {"fast": {"low": 3, "high": 8},
                                                                      "slow": {"low": 12, "high": 30}}}
    job = _start(lab, token, **overrides)
    assert job["source"] == "range" and job["bars"] == 31 * 24
    drain(lab)
    done = _get(lab, token, job["id"])
    assert done["status"] == "done" and done["result"]["held_out_bars"] > 0, done
    trial = done["result"]["trials"][0]["id"]
    status, bot = lab.call("POST", f"/optimizations/{job['id']}/bots", {"trial": trial, "name": "from trial"}, token)
    assert status == 201 and bot["symbol"] == "BTCUSDT" and bot["interval"] == "1h", bot
