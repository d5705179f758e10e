"""Inputs a user can send that once answered 500 (issue 21, item 9): each is now a 4xx in the error format,
internal errors reach users only as a generic message with a correlation id, /health is cheap without an
operator token, and a client's X-Request-Id is validated before it is logged or echoed."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest

from tests.integration.api.helpers import call
from tests.integration.bots.conftest import Platform, bot_body


def _lower(headers: dict[str, str]) -> dict[str, str]:
    return {k.lower(): v for k, v in headers.items()}


def _error(body: Any) -> dict[str, Any]:
    assert isinstance(body, dict) and set(body) == {"error"}, body
    error: dict[str, Any] = body["error"]
    assert set(error) == {"code", "message", "details"}, error
    return error


@pytest.fixture()
def owner(platform: Platform) -> dict[str, Any]:
    user = platform.user()
    status, bot = platform.call("POST", "/bots", bot_body(), user["access_token"])
    assert status == 201, bot
    return {**user, "bot_id": bot["id"]}


@pytest.mark.parametrize("field", ["name", "mode", "strategy", "symbol", "interval", "budget", "params", "risk"])
def test_patch_with_null_for_a_required_field_is_a_422(platform: Platform, owner: dict[str, Any], field: str) -> None:
    status, body = platform.call("PATCH", f"/bots/{owner['bot_id']}", {field: None}, owner["access_token"])
    assert status == 422, body
    error = _error(body)
    assert error["code"] == "validation_error"
    assert error["details"] == [{"field": field, "message": "must not be null"}]
    status, bot = platform.call("GET", f"/bots/{owner['bot_id']}", None, owner["access_token"])
    assert status == 200 and bot["name"] == "fast sma" and bot["mode"] == "paper"


def test_patch_api_key_id_null_still_clears_the_key(platform: Platform, owner: dict[str, Any]) -> None:
    status, bot = platform.call("PATCH", f"/bots/{owner['bot_id']}", {"api_key_id": None}, owner["access_token"])
    assert status == 200 and bot["api_key_id"] is None


@pytest.mark.parametrize("value", ["²", "١٢٣", "①", "12³", "1e3", "-5"])
def test_trade_times_with_non_ascii_digits_are_a_4xx(platform: Platform, owner: dict[str, Any], value: str) -> None:
    for path in ("/trades/export.csv", "/trades", f"/bots/{owner['bot_id']}/trades"):
        status, body, _ = call(platform.api, "GET", f"{path}?start={value}", None, owner["access_token"])
        assert status == 422, (path, value, body)
        assert _error(body)["details"][0]["field"] == "start"


def test_an_unhandled_error_answers_a_generic_500_with_a_correlation_id(
    platform: Platform, owner: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    from chalicelib import bootstrap

    def boom(*_: Any, **__: Any) -> Any:
        raise RuntimeError("secret internals: arn:aws:dynamodb:us-east-1:123456789012:table/x")

    monkeypatch.setattr(type(bootstrap.container().trades), "dashboard", boom)
    status, body, headers = call(
        platform.api, "GET", "/dashboard", None, owner["access_token"], headers={"X-Request-Id": "req-0123456789"}
    )
    assert status == 500
    error = _error(body)
    assert error["code"] == "internal_error"
    assert "secret" not in json.dumps(body) and "arn:" not in json.dumps(body)
    assert error["details"] == {"request_id": "req-0123456789"}
    assert "req-0123456789" in error["message"]
    assert _lower(headers)["x-request-id"] == "req-0123456789"


@pytest.mark.parametrize(
    "given",
    ["x" * 65, "bad id", "a\u00e9b", "line\\nbreak", "<script>", "a;b", ""],
)
def test_an_invalid_request_id_is_replaced(platform: Platform, given: str) -> None:
    _, _, headers = call(platform.api, "GET", "/strategies", None, None, headers={"X-Request-Id": given})
    echoed = _lower(headers)["x-request-id"]
    assert echoed != given and 1 <= len(echoed) <= 64
    assert all(c.isascii() and (c.isalnum() or c in "-_.:") for c in echoed), echoed


@pytest.mark.parametrize("given", ["abc", "0f8fad5b-d9cb-469f-a165-70867728950e", "1-5e1b4151:a.b_c", "x" * 64])
def test_a_valid_request_id_is_echoed(platform: Platform, given: str) -> None:
    _, _, headers = call(platform.api, "GET", "/strategies", None, None, headers={"X-Request-Id": given})
    assert _lower(headers)["x-request-id"] == given


class _CountingHealth:
    def __init__(self) -> None:
        self.calls = 0

    def check(self) -> dict[str, dict[str, Any]]:
        self.calls += 1
        return {"dynamodb": {"status": "up", "latency_ms": 1.0}}


def test_health_without_an_operator_token_makes_no_dependency_calls(
    platform: Platform, monkeypatch: pytest.MonkeyPatch
) -> None:
    from chalicelib import bootstrap

    probes = _CountingHealth()
    monkeypatch.setattr(type(bootstrap.container()), "health", property(lambda _self: probes))
    status, body, headers = call(platform.api, "GET", "/health", None)
    assert status == 200 and body == {"status": "ok", "stage": "test", "dependencies": {}}
    assert probes.calls == 0
    assert _lower(headers)["cache-control"] == "no-store"


def test_health_with_the_operator_token_probes_each_dependency(
    platform: Platform, monkeypatch: pytest.MonkeyPatch
) -> None:
    import dataclasses

    from chalicelib import bootstrap

    token = "operator-token-for-tests-0123456789"
    container = bootstrap.container()
    extra = {**container.settings.extra, "TRADEBOT_OPERATOR_TOKEN_SHA256": hashlib.sha256(token.encode()).hexdigest()}
    monkeypatch.setattr(container, "settings", dataclasses.replace(container.settings, extra=extra))
    probes = _CountingHealth()
    monkeypatch.setattr(type(bootstrap.container()), "health", property(lambda _self: probes))
    status, body, _ = call(platform.api, "GET", "/health", None, headers={"X-Operator-Token": token})
    assert status == 200 and body["dependencies"] == {"dynamodb": {"status": "up", "latency_ms": 1.0}}
    assert probes.calls == 1
    status, body, _ = call(platform.api, "GET", "/health", None, headers={"X-Operator-Token": "wrong"})
    assert status == 401 and _error(body)["code"] == "invalid_operator_token"
    assert probes.calls == 1


def test_a_tick_that_fails_unexpectedly_shows_no_exception_text(
    platform: Platform, owner: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    from chalicelib import bootstrap

    token, bot_id = owner["access_token"], owner["bot_id"]
    status, _ = platform.call("POST", f"/bots/{bot_id}/start", None, token)
    assert status == 200
    container = bootstrap.container()

    def broken(*_: Any, **__: Any) -> Any:
        raise RuntimeError("secret internals: arn:aws:dynamodb:us-east-1:123456789012:table/x")

    monkeypatch.setattr(container.market, "closed_candles", broken)
    monkeypatch.setattr(container.ports.candles, "get_or_fetch", broken)
    from chalicelib import workers
    from tests.sqs_events import sqs_event

    tick_at = platform.clock.now_ms() // 60_000 * 60_000
    body = json.dumps({"user_id": owner["id"], "bot_id": bot_id, "tick_at": tick_at})
    message = {"MessageId": "msg-0001", "ReceiptHandle": "r", "Body": body, "MD5OfBody": "x"}
    result = workers.run_ticks(sqs_event([message], "arn:aws:sqs:us-east-1:123456789012:tradebot-test-ticks"))
    assert result == {"batchItemFailures": [{"itemIdentifier": "msg-0001"}]}
    status, bot = platform.call("GET", f"/bots/{bot_id}", None, token)
    last_error = bot["state"]["last_error"]
    assert bot["state"]["consecutive_failures"] == 1
    assert last_error == "RuntimeError: internal error (reference msg-0001)"
    monkeypatch.undo()
    platform.call("POST", f"/bots/{bot_id}/stop", None, token)
