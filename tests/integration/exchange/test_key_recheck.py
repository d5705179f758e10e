"""The daily re-check of stored API keys, against the fake Binance: a key that gained withdrawal permission
or lost trading permission pauses its running bots and tells the user once."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

import pytest

from chalicelib import bootstrap, workers
from chalicelib.config import settings
from tests.fakes.binance_spot import API_KEY, API_SECRET, FakeBinanceSpot
from tests.integration.bots.conftest import Platform, bot_body
from tests.integration.bots.conftest import platform as platform  # noqa: F401  (the moto platform fixture)


@pytest.fixture()
def live(platform: Platform) -> Iterator[tuple[Platform, FakeBinanceSpot]]:
    with FakeBinanceSpot() as fake:
        cfg = dataclasses.replace(settings(), binance_base_url=fake.url)
        bootstrap.use(bootstrap.Container(cfg=cfg, clock=platform.clock))
        yield platform, fake


def _feed(platform: Platform, token: str) -> list[dict[str, Any]]:
    status, page = platform.call("GET", "/notifications?limit=100", None, token)
    assert status == 200, page
    return [n for n in page["items"] if n["kind"] == "api_key_unsafe"]


def _setup(platform: Platform) -> tuple[str, str, list[str]]:
    # The job reads every key in the table. Keys that earlier tests of this process left would be asked of this
    # test's fake exchange too, and spend the exchange budget before this user's key is reached: none are left.
    from chalicelib.adapters.dynamo.api_keys import ApiKeyItem

    for item in ApiKeyItem.scan():
        item.delete()
    token = platform.user()["access_token"]
    status, key = platform.call(
        "POST", "/api-keys", {"label": "main", "api_key": API_KEY, "api_secret": API_SECRET, "testnet": False}, token
    )
    assert status == 201, key
    bots = []
    for body in (bot_body(mode="live", api_key_id=key["id"]), bot_body(mode="live", api_key_id=key["id"]), bot_body()):
        status, bot = platform.call("POST", "/bots", body, token)
        assert status == 201, bot
        assert platform.call("POST", f"/bots/{bot['id']}/start", None, token)[0] == 200
        bots.append(bot["id"])
    return token, key["id"], bots


@pytest.mark.parametrize(
    ("change", "words"), [("withdrawals_enabled", "can now withdraw"), ("can_trade", "can no longer trade spot")]
)
def test_a_key_that_became_unsafe_pauses_its_bots_and_tells_the_user_once(live: Any, change: str, words: str) -> None:
    platform, fake = live
    token, key_id, (live_a, live_b, paper) = _setup(platform)
    # (The job reads every key in the table: other tests' keys are refused by this test's exchange, or do not
    # open; only this user's key is looked at here.)
    assert key_id not in workers.recheck_api_keys()["flagged_keys"]  # a fine key changes nothing
    status, bot = platform.call("GET", f"/bots/{live_a}", None, token)
    assert bot["status"] == "running"

    setattr(fake, change, change == "withdrawals_enabled")  # withdrawals on, or trading off
    first = workers.recheck_api_keys()
    assert key_id in first["flagged_keys"] and first["bots_paused"] >= 2
    for bot_id, expected in ((live_a, "paused"), (live_b, "paused"), (paper, "running")):
        status, bot = platform.call("GET", f"/bots/{bot_id}", None, token)
        assert bot["status"] == expected, bot
        if expected == "paused":
            assert words in bot["status_reason"]
    platform.drain(platform.outputs["NotifyQueueUrl"], workers.send_notifications)
    told = _feed(platform, token)
    assert len(told) == 2 and all(words in n["message"] for n in told)

    # The next day: still unsafe, still paused, nobody is told again.
    workers.recheck_api_keys()
    platform.drain(platform.outputs["NotifyQueueUrl"], workers.send_notifications)
    assert len(_feed(platform, token)) == 2

    # Fixed on the exchange: the flag clears; the bots stay paused until the user resumes them.
    setattr(fake, change, change != "withdrawals_enabled")
    workers.recheck_api_keys()
    status, bot = platform.call("GET", f"/bots/{live_a}", None, token)
    assert bot["status"] == "paused"


def test_an_unreachable_exchange_pauses_nothing(live: Any) -> None:
    platform, fake = live
    token, _, (live_a, _, _) = _setup(platform)
    fake.shutdown()
    fake.server_close()
    report = workers.recheck_api_keys()
    assert report["unreachable"] >= 1 and not report["flagged_keys"]
    status, bot = platform.call("GET", f"/bots/{live_a}", None, token)
    assert bot["status"] == "running"
