"""GET /bots/{id}/drift under schemathesis, from the served OpenAPI document, on a RUNNING bot of the caller (the
suite-wide fuzz in test_fuzz_api.py reaches it with a bot that never ran): generated `from`/`to` in both modes,
plus periods chosen to be valid (200, the documented schema) and invalid (4xx with the error shape). Another
user's bot id is a 404 whatever the period."""

from __future__ import annotations

import time
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode

from tests.security.conftest import LiveApi
from tests.security.test_fuzz_api import CHECKS

PATH = "/api/v1/bots/{bot_id}/drift"
HOUR = 3_600_000
BOT = {"name": "drift fuzz", "strategy": "sma_cross", "params": {"fast": 2, "slow": 5}, "symbol": "BTCUSDT",
       "interval": "1m", "mode": "paper", "budget": "1000", "risk": {}}  # fmt: skip


@pytest.fixture(scope="module")
def owner(live_api: LiveApi) -> dict[str, Any]:
    user = live_api.signup()
    user["headers"] = {"Authorization": f"Bearer {user['access_token']}"}
    r = live_api.session.post(live_api.url("/bots"), json=BOT, headers=user["headers"], timeout=30)
    assert r.status_code == 201, r.text
    user["bot_id"] = r.json()["id"]
    r = live_api.session.post(live_api.url(f"/bots/{user['bot_id']}/start"), headers=user["headers"], timeout=30)
    assert r.status_code == 200, r.text
    return user


@pytest.fixture(scope="module")
def operation(live_api: LiveApi) -> Any:
    return schemathesis.openapi.from_url(live_api.url("/openapi.json"))[PATH]["GET"]


def _statuses(operation: Any, mode: GenerationMode, live_api: LiveApi, owner: dict[str, Any]) -> list[int]:
    seen: list[int] = []

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=40, deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck))
    def run(case: Any) -> None:
        if mode is GenerationMode.POSITIVE:
            case.path_parameters = {"bot_id": owner["bot_id"]}  # past the 404: the period is what is fuzzed
        response = case.call_and_validate(session=live_api.session, headers=owner["headers"], checks=CHECKS,
                                          timeout=60)  # fmt: skip
        seen.append(response.status_code)

    run()
    return seen


def test_generated_periods_conform_and_invalid_ones_are_refused(
    operation: Any, live_api: LiveApi, owner: dict[str, Any]
) -> None:
    positive = _statuses(operation, GenerationMode.POSITIVE, live_api, owner)
    negative = _statuses(operation, GenerationMode.NEGATIVE, live_api, owner)
    assert positive and all(s in (200, 202, 422) for s in positive), positive
    assert 422 in positive  # generated periods the route refuses (reversed, too long, in the future)
    assert negative and all(400 <= s < 500 for s in negative), negative


def test_chosen_periods_answer_the_documented_shapes(operation: Any, live_api: LiveApi, owner: dict[str, Any]) -> None:
    now = int(time.time() * 1000)
    valid = [{"from": now - 2 * HOUR, "to": now}, {"from": now - 2 * HOUR}, {"from": now - HOUR, "to": now + HOUR}]
    for query in valid:
        case = operation.Case(path_parameters={"bot_id": owner["bot_id"]}, query=query)
        response = case.call_and_validate(session=live_api.session, headers=owner["headers"], checks=CHECKS,
                                          timeout=60)  # fmt: skip
        assert response.status_code == 200, (query, response.text[:300])
        assert set(response.json()["summary"]) >= {"live_pnl", "backtest_pnl", "unexplained"}
    # Longer than the inline limit (3 days of 1m bars): queued for the jobs worker, the same URL polled.
    case = operation.Case(path_parameters={"bot_id": owner["bot_id"]}, query={"from": now - 10 * 24 * HOUR, "to": now})
    response = case.call(session=live_api.session, headers=owner["headers"], timeout=60)
    assert response.status_code == 202, response.text[:300]
    assert response.json()["status"] == "pending" and set(response.json()) >= {"report_id", "retry_after_ms"}
    invalid = [{"from": now, "to": now - HOUR}, {"from": now - 91 * 24 * HOUR, "to": now}, {"from": "yesterday"},
               {"from": -1}, {"to": 5_000_000_000_000}, {"from": now - HOUR, "until": now}]  # fmt: skip
    for query in invalid:
        case = operation.Case(path_parameters={"bot_id": owner["bot_id"]}, query=query)
        response = case.call(session=live_api.session, headers=owner["headers"], timeout=60)
        assert 400 <= response.status_code < 500, (query, response.status_code)
        assert set(response.json()["error"]) == {"code", "message", "details"}, (query, response.text[:300])


def test_another_users_bot_is_a_404_whatever_the_period(live_api: LiveApi, owner: dict[str, Any]) -> None:
    other = live_api.signup()
    now = int(time.time() * 1000)
    for query in ("", f"?from={now - HOUR}", f"?from={now - HOUR}&to={now}", f"?from={now}&to={now - HOUR}"):
        r = live_api.session.get(live_api.url(f"/bots/{owner['bot_id']}/drift{query}"),
                                 headers={"Authorization": f"Bearer {other['access_token']}"}, timeout=30)  # fmt: skip
        assert r.status_code == 404 and r.json()["error"]["code"] == "bot_not_found", (query, r.text[:300])
        assert owner["bot_id"] not in r.text
