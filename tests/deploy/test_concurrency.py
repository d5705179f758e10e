"""Reserved concurrency keeps the API responsive under tick and job load: the background consumers are capped,
the API has a reservation of its own at least as large as theirs together, and every stage's reservations fit
an account with Lambda's default concurrency quota (1,000) while leaving the 100 that AWS keeps unreserved."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.deploy.conftest import REPO

CONFIG = json.loads((REPO / ".chalice" / "config.json").read_text())
STAGES = sorted(CONFIG["stages"])
ACCOUNT_DEFAULT = 1000  # Lambda's default concurrent executions per account and region
AWS_UNRESERVED_MINIMUM = 100  # AWS refuses reservations that leave fewer than this unreserved
CAPPED = ("run_ticks", "run_jobs")  # SQS consumers that scale with users' load: ticks and backtest jobs


def _reserved(stage: str) -> dict[str, int]:
    functions = CONFIG["stages"][stage]["lambda_functions"]
    return {name: f["reserved_concurrency"] for name, f in functions.items() if "reserved_concurrency" in f}


@pytest.mark.parametrize("stage", STAGES)
def test_ticks_and_jobs_are_capped_and_the_api_has_its_own_larger_reservation(stage: str) -> None:
    reserved = _reserved(stage)
    for name in CAPPED:
        assert reserved.get(name, 0) >= 1, f"{stage}: {name} has no reserved concurrency"
    background = sum(reserved[name] for name in CAPPED)
    # Even with every tick and job worker busy, the API can run at least as many requests at once.
    assert reserved.get("api_handler", 0) >= background, (stage, reserved)


@pytest.mark.parametrize("stage", STAGES)
def test_reservations_fit_the_default_account_quota(stage: str) -> None:
    total = sum(_reserved(stage).values())
    assert total <= ACCOUNT_DEFAULT - AWS_UNRESERVED_MINIMUM, (stage, total)


def test_prod_jobs_cannot_take_more_than_a_fraction_of_the_ticks_capacity() -> None:
    # Backtests are research; ticks manage positions. Jobs (2 GB, up to 150 s) get a smaller share.
    reserved = _reserved("prod")
    assert reserved["run_jobs"] <= reserved["run_ticks"] // 2


def test_the_packaged_template_carries_each_reservation(sam: dict[str, Any]) -> None:
    functions = {
        r["Properties"]["FunctionName"].removeprefix("tradebot-prod-"): r["Properties"]
        for r in sam["Resources"].values()
        if r["Type"] == "AWS::Serverless::Function"
    }
    for name, value in _reserved("prod").items():
        assert functions[name]["ReservedConcurrentExecutions"] == value, name
