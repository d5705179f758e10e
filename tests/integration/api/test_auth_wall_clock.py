"""GIVEN the market clock accelerated (CLOCK_SPEED=3600: a market hour per wall second, as `make run` may run)
WHEN a user signs in THEN the access token and the refresh token live in wall time: their expiry is the wall
clock plus the configured TTL, they still work after more market time than their TTL has passed, and they
end when their TTL of wall time has."""

from __future__ import annotations

import dataclasses
import os
import time
from collections.abc import Iterator
from typing import Any

import jwt
import pytest

from tests.conftest import REPO
from tests.integration.api.helpers import call, signup

SPEED = 3600.0
TTL_S = 3


@pytest.fixture()
def accelerated_api(aws: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    from chalice.test import Client

    from app import app
    from chalicelib import bootstrap
    from chalicelib.clock_env import AnchoredAcceleratedClock
    from chalicelib.config import settings

    monkeypatch.setenv("CLOCK_SPEED", str(SPEED))
    monkeypatch.setenv("CLOCK_START", "2024-01-01")
    monkeypatch.setenv("CLOCK_ANCHOR_MS", str(time.time_ns() // 1_000_000))
    cfg = dataclasses.replace(settings(), access_token_ttl_s=TTL_S, refresh_token_ttl_s=TTL_S)
    container = bootstrap.Container(cfg)  # the market clock from the environment, as `make run` builds it
    assert isinstance(container.clock, AnchoredAcceleratedClock)
    bootstrap.use(container)
    with Client(app, stage_name="dev", project_dir=str(REPO)) as client:
        os.environ["STAGE"] = "test"
        yield client.http
    bootstrap.use(None)


def test_tokens_follow_the_wall_clock_when_the_market_clock_is_accelerated(accelerated_api: Any) -> None:
    from chalicelib import bootstrap

    market = bootstrap.container().clock
    user = signup(accelerated_api)
    claims = jwt.decode(user["access_token"], options={"verify_signature": False})
    wall_s = time.time()
    assert abs(claims["iat"] - wall_s) < 5
    assert claims["exp"] == claims["iat"] + TTL_S
    assert abs(market.now_ms() / 1000 - wall_s) > 86_400  # market time (from 2024-01-01) is not wall time
    market_before = market.now_ms()

    # One wall second later the market has moved an hour, far more than the TTL: both tokens still work.
    time.sleep(1.0)
    assert market.now_ms() - market_before >= 3_600_000
    status, me, _ = call(accelerated_api, "GET", "/users/me", token=user["access_token"])
    assert status == 200, me
    status, fresh, _ = call(accelerated_api, "POST", "/auth/refresh", {"refresh_token": user["refresh_token"]})
    assert status == 200, fresh
    assert jwt.decode(fresh["access_token"], options={"verify_signature": False})["exp"] <= time.time() + TTL_S + 1

    # Once TTL_S wall seconds have passed since sign-in, the first access token is refused.
    time.sleep(max(0.0, claims["exp"] - time.time()) + 0.2)
    status, body, _ = call(accelerated_api, "GET", "/users/me", token=user["access_token"])
    assert status == 401 and body["error"]["code"], body
