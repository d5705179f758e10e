"""The top trials' in-sample and out-of-sample equity curves in GET /optimizations/{id}: present, chart-sized,
time-ordered, the held-out curve after the in-sample one, and the in-sample curve ending where the trial's
in-sample metrics say it does."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest

from tests.integration.backtests.conftest import Lab
from tests.integration.optimizations.conftest import body, drain

CASH = 10_000.0


def _done(lab: Lab, **overrides: Any) -> dict[str, Any]:
    token = lab.user()["access_token"]
    status, job = lab.call("POST", "/optimizations", body(**overrides), token)
    assert status == 202, job
    drain(lab)
    status, done = lab.call("GET", f"/optimizations/{job['id']}", token=token)
    assert status == 200 and done["status"] == "done", done
    return done["result"]


def _times(curve: list[dict[str, Any]]) -> list[int]:
    return [p["time"] for p in curve]


@pytest.mark.parametrize("validation", [{"test_pct": 30}, {"walk_forward_folds": 2}])
def test_top_trials_carry_in_sample_and_out_of_sample_equity(lab: Lab, validation: dict[str, int]) -> None:
    result = _done(lab, validation=validation, cash=CASH)
    trials = {t["id"]: t for t in result["trials"]}
    assert result["top"], "no trial scored"
    for row in result["top"]:
        ins, oos = row["equity"]["in_sample"], row["equity"]["out_of_sample"]
        assert 2 <= len(ins) <= 300 and 2 <= len(oos) <= 300
        for curve in (ins, oos):
            assert _times(curve) == sorted(set(_times(curve)))  # strictly increasing
            assert all(isinstance(p["time"], int) and math.isfinite(p["equity"]) for p in curve)
        assert oos[0]["time"] > ins[-1]["time"]
        metrics = trials[row["trial"]]["in_sample"]
        expected = CASH * (1 + metrics["total_return_pct"] / 100)
        assert ins[-1]["equity"] == pytest.approx(expected, rel=1e-6)
        assert ins[-1]["equity"] == pytest.approx(metrics["final_equity"], rel=1e-9)
        assert oos[-1]["equity"] == pytest.approx(row["out_of_sample"]["final_equity"], rel=1e-9)
    # Five trials' curves stay far below DynamoDB's 400 KB item limit, even as the API's wider JSON.
    assert len(json.dumps(result["top"])) < 200_000
