"""Signal bots on the moto platform of tests/integration/bots: create, start, get a token, send signals
through the public webhook, run the worker on the ticks queue."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.integration.api.helpers import call
from tests.integration.bots.conftest import Platform, _purge, bot_body, platform  # noqa: F401 - the fixture

__all__ = ["SignalBot", "signal_bot"]


class SignalBot:
    def __init__(self, platform: Platform, **params: Any) -> None:  # noqa: F811
        self.platform = platform
        self.user = platform.user()
        self.jwt = self.user["access_token"]
        body = bot_body(name="signals", strategy="signal", params=params)
        status, bot = platform.call("POST", "/bots", body, self.jwt)
        assert status == 201, bot
        self.id = bot["id"]
        status, got = platform.call("POST", f"/bots/{self.id}/start", None, self.jwt)
        assert status == 200, got
        self.token, self.url = self.rotate()

    def rotate(self) -> tuple[str, str]:
        status, secret = self.platform.call("POST", f"/bots/{self.id}/signal-secret", None, self.jwt)
        assert status == 201, secret
        return secret["token"], secret["url"]

    def send(
        self, body: Any, token: str | None = None, content_type: str | None = None
    ) -> tuple[int, Any, dict[str, str]]:
        raw = body if isinstance(body, str | bytes) else json.dumps(body)
        plain = isinstance(body, str) and not body.startswith("{")
        kind = content_type or ("text/plain" if plain else "application/json")
        return call(self.platform.api, "POST", f"/signals/{token or self.token}", raw, headers={"content-type": kind})

    def work(self) -> None:
        from chalicelib import workers

        self.platform.drain(self.platform.outputs["TickQueueUrl"], workers.run_ticks)
        self.platform.drain(self.platform.outputs["NotifyQueueUrl"], workers.send_notifications)

    def signals(self) -> list[dict[str, Any]]:
        status, page = self.platform.call("GET", f"/bots/{self.id}/signals?limit=200", None, self.jwt)
        assert status == 200, page
        return list(page["items"])

    def trades(self) -> list[dict[str, Any]]:
        status, page = self.platform.call("GET", f"/bots/{self.id}/trades", None, self.jwt)
        assert status == 200, page
        return list(page["items"])


@pytest.fixture()
def signal_bot(platform: Platform) -> SignalBot:  # noqa: F811
    platform.minute(3)  # a few closed candles: the market has a price
    # Bots other test files of this worker left running tick in those minutes too (the tables are the session's);
    # their failed ticks would stay on the queue, and a drain stops at the first batch with a failure.
    _purge(platform.outputs)
    return SignalBot(platform)
