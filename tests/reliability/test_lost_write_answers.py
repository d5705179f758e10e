"""Regression: a write whose answer is lost is retried by botocore, and the retry fails its own
"does not exist" condition. Found by the soak run (POST /bots answered 500 when moto, under load, timed out
after storing the bot): creating a bot must succeed, exactly once, when that happens to either write."""

from __future__ import annotations

from typing import Any

import pytest
from pynamodb.exceptions import PutError

from chalicelib import bootstrap
from chalicelib.domain.errors import DependencyUnavailable
from chalicelib.services.ports.bots import StateConflict
from tests.integration.bots.conftest import Platform, bot_body


def _lost_answer(real: Any, error: Exception) -> Any:
    def write(*args: Any, **kwargs: Any) -> None:
        real(*args, **kwargs)  # it is stored...
        raise error  # ...but the retry of the lost answer fails the condition

    return write


@pytest.mark.parametrize("which", ["config", "state"])
def test_create_bot_survives_a_retried_write_that_already_succeeded(
    platform: Platform, monkeypatch: pytest.MonkeyPatch, which: str
) -> None:
    token = platform.user()["access_token"]
    ports = bootstrap.container().ports
    if which == "config":
        monkeypatch.setattr(
            ports.bots, "create", _lost_answer(ports.bots.create, PutError("ConditionalCheckFailed"))
        )
    else:
        monkeypatch.setattr(ports.states, "put", _lost_answer(ports.states.put, StateConflict("retried")))
    status, bot = platform.call("POST", "/bots", bot_body(), token)
    assert status == 201, bot
    monkeypatch.undo()
    status, bots = platform.call("GET", "/bots", None, token)
    assert [b["id"] for b in bots["items"]] == [bot["id"]]
    assert bots["items"][0]["state"]["trades_count"] == 0


def test_create_bot_still_fails_when_nothing_was_stored(platform: Platform, monkeypatch: pytest.MonkeyPatch) -> None:
    token = platform.user()["access_token"]
    ports = bootstrap.container().ports

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise PutError("throttled")

    monkeypatch.setattr(ports.bots, "create", refuse)
    status, body = platform.call("POST", "/bots", bot_body(), token)
    # Nothing stored and the store refused: a retryable 503, not a 500, and no bot appears.
    assert status == 503 and body["error"]["code"] == "dependency_unavailable"
    assert platform.call("GET", "/bots", None, token)[1]["items"] == []


def test_paper_seed_timeout_is_the_write_error_not_an_attribute_error(
    aws: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Regression (soak run): a read timeout while seeding a paper account raised AttributeError from
    pynamodb's `cause_response_code` instead of the write error the callers handle."""
    from botocore.exceptions import ReadTimeoutError

    from chalicelib.adapters.dynamo.paper import DynamoPaperStore, PaperItem

    def timeout(*args: Any, **kwargs: Any) -> None:
        raise PutError("Failed to put item", ReadTimeoutError(endpoint_url="http://127.0.0.1:1/"))

    monkeypatch.setattr(PaperItem, "save", timeout)
    # The adapter answers in the domain's taxonomy now (adapters/aws_errors.py); the write error is its cause.
    with pytest.raises(DependencyUnavailable) as raised:
        DynamoPaperStore().seed("acct-timeout", {"USDT": __import__("decimal").Decimal("1000")})
    assert isinstance(raised.value.__cause__, PutError)
