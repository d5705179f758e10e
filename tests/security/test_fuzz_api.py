"""Schemathesis against the served OpenAPI document: every operation, positive and negative examples,
authenticated as a real user (register + login, Bearer token), over HTTP to the real local server.

Checks on every response: no 5xx, the status code is documented for the operation, the content type and
the body conform to the documented response schema, and invalid input is rejected with a 4xx.

Then schemathesis's coverage phase (what `schemathesis run` does first): for every operation, the boundary
and invalid values of each documented constraint (lengths, patterns, enums, missing and null fields, wrong
types, duplicate or unknown parameters, wrong content types) and every HTTP method the path does not
document (TRACE, QUERY, PUT...): no 5xx, and an undocumented method is a JSON 405 with `Allow`."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from tests.security.conftest import LiveApi

# Only the coverage phase: examples and fuzzing run above through `as_strategy`, stateful is not used.
COVERAGE_CONFIG = {
    "phases": {
        "examples": {"enabled": False},
        "fuzzing": {"enabled": False},
        "stateful": {"enabled": False},
        "coverage": {"enabled": True},  # the default unexpected methods: get put post delete options patch trace query
    },
    "generation": {"mode": "all"},
}

# Examples per operation and generation mode: 25 positive + 25 negative = 50 per operation.
EXAMPLES_PER_OPERATION = 25
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    negative_data_rejection,
]


def _operations() -> list[tuple[str, str]]:
    """Every documented operation, from the same registry that builds the served document."""
    import app  # noqa: F401  (registers the routes)
    from chalicelib.api.openapi import OPERATIONS

    return sorted({(op.method.upper(), op.path) for op in OPERATIONS})


def _cases() -> list[tuple[str, str, GenerationMode]]:
    """Positive examples for every operation; negative ones for each operation that takes any input (an
    operation without parameters or body has nothing to make invalid)."""
    import app  # noqa: F401  (registers the routes)
    from chalicelib.api.openapi import OPERATIONS

    with_inputs = {(op.method.upper(), op.path) for op in OPERATIONS if op.body or op.query or "{" in op.path}
    cases = [(m, p, GenerationMode.POSITIVE) for m, p in _operations()]
    return cases + [(m, p, GenerationMode.NEGATIVE) for m, p in _operations() if (m, p) in with_inputs]


@pytest.fixture(scope="module")
def fuzz_user(live_api: LiveApi) -> dict[str, Any]:
    user = live_api.signup()
    headers = {"Authorization": f"Bearer {user['access_token']}"}
    body = {
        "name": "fuzz target",
        "strategy": "sma_cross",
        "params": {"fast": 2, "slow": 5},
        "symbol": "BTCUSDT",
        "interval": "1m",
        "mode": "paper",
        "budget": "1000",
        "risk": {},
    }
    r = live_api.session.post(live_api.url("/bots"), json=body, headers=headers, timeout=30)
    assert r.status_code == 201, r.text
    user["bot_id"] = r.json()["id"]
    user["headers"] = headers
    return user


@pytest.fixture(scope="module")
def api_schema(live_api: LiveApi) -> Any:
    return schemathesis.openapi.from_url(live_api.url("/openapi.json"))


def test_served_document_lists_every_operation(live_api: LiveApi) -> None:
    document = live_api.session.get(live_api.url("/openapi.json"), timeout=30).json()
    served = {(method.upper(), path) for path, item in document["paths"].items() for method in item}
    assert served == set(_operations())


def _real_ids(case: Any, user: dict[str, Any]) -> None:
    """Half of the cases with a bot id get the user's real bot, so bodies are fuzzed past the 404."""
    params = case.path_parameters or {}
    bot_id = params.get("bot_id")
    if isinstance(bot_id, str) and hashlib.sha256(bot_id.encode()).digest()[0] % 2 == 0:
        params["bot_id"] = user["bot_id"]


@pytest.mark.parametrize(("method", "path", "mode"), _cases(), ids=lambda v: getattr(v, "value", str(v)))
def test_every_operation_conforms(
    method: str, path: str, mode: GenerationMode, api_schema: Any, live_api: LiveApi, fuzz_user: dict[str, Any]
) -> None:
    operation = api_schema[path][method]

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def run(case: Any) -> None:
        _real_ids(case, fuzz_user)
        case.call_and_validate(session=live_api.session, headers=fuzz_user["headers"], checks=CHECKS, timeout=30)

    run()


def _document() -> dict[str, Any]:
    """The document /openapi.json serves, built the same way (the server's port is only known at run time, so
    the schema is loaded from it at collection and each case is sent to the live server's base URL)."""
    import app  # noqa: F401  (registers the routes)
    from chalicelib.api.routes.meta import openapi_document_body

    return openapi_document_body()


coverage = schemathesis.openapi.from_dict(_document(), config=schemathesis.Config.from_dict(COVERAGE_CONFIG))


def test_the_coverage_schema_is_the_served_document(live_api: LiveApi) -> None:
    assert live_api.session.get(live_api.url("/openapi.json"), timeout=30).json() == coverage.raw_schema


COVERAGE_RESPONSES: list[tuple[str, str, int]] = []


@coverage.parametrize()
def test_coverage_phase_finds_no_server_error(case: Any, live_api: LiveApi, fuzz_user: dict[str, Any]) -> None:
    _real_ids(case, fuzz_user)
    response = case.call(base_url=live_api.base_url, session=live_api.session, headers=fuzz_user["headers"], timeout=30)
    COVERAGE_RESPONSES.append((case.method.upper(), case.operation.path, response.status_code))
    assert response.status_code < 500, (case.method, case.formatted_path, response.status_code, response.text[:300])
    documented = (case.method.upper(), case.operation.path) in set(_operations())
    if not documented:
        assert response.status_code == 405, (case.method, case.formatted_path, response.status_code)
        # schemathesis's Response: lower-case header names, a list of values each
        assert response.headers["content-type"] == ["application/json"]
        assert response.json()["error"]["code"] == "method_not_allowed"
        allowed = {m.strip() for m in response.headers["allow"][0].split(",")}
        assert allowed == {m for m, p in _operations() if p == case.operation.path}


def test_the_coverage_phase_ran_over_every_operation_and_unexpected_method() -> None:
    # Runs after the parametrized coverage test above (same module, file order).
    assert {(m, p) for m, p, _ in COVERAGE_RESPONSES} >= set(_operations())
    unexpected = {m for m, p, _ in COVERAGE_RESPONSES if (m, p) not in set(_operations())}
    assert {"TRACE", "QUERY", "PUT"} <= unexpected
    # Invalid values were sent and refused (422 validation, 400 malformed, 415 content type, 405 method).
    assert {400, 405, 415, 422} <= {status for _, _, status in COVERAGE_RESPONSES}

