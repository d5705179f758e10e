"""The key audit trail against the fake Binance: the check when a key is added, each signed call of a live bot
(orders placed, looked up, cancelled, balances) recorded per key; a key Binance refuses pauses every bot on it
and tells the user once; a mainnet key without an IP restriction is warned about."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest

from chalicelib import bootstrap, workers
from chalicelib.config import settings
from chalicelib.domain.errors import ExchangeRejected
from chalicelib.domain.orders import OrderRequest, OrderType, Side
from tests.fakes.binance_spot import API_KEY, API_SECRET, FakeBinanceSpot
from tests.integration.bots.conftest import Platform, bot_body
from tests.integration.bots.conftest import platform as platform  # noqa: F401  (the moto platform fixture)

EGRESS = "198.51.100.7,203.0.113.10"


@pytest.fixture()
def live(platform: Platform) -> Iterator[tuple[Platform, FakeBinanceSpot]]:
    with FakeBinanceSpot() as fake:
        cfg = dataclasses.replace(settings(), binance_base_url=fake.url)
        cfg = dataclasses.replace(cfg, extra={**cfg.extra, "TRADEBOT_EGRESS_IPS": EGRESS})
        bootstrap.use(bootstrap.Container(cfg=cfg, clock=platform.clock))
        yield platform, fake


def _add_key(platform: Platform, token: str) -> dict[str, Any]:
    body = {"label": "main", "api_key": API_KEY, "api_secret": API_SECRET, "testnet": False}
    status, key = platform.call("POST", "/api-keys", body, token)
    assert status == 201, key
    return key


def _live_bots(platform: Platform, token: str, key_id: str, n: int = 2) -> list[str]:
    ids = []
    for _ in range(n):
        status, bot = platform.call("POST", "/bots", bot_body(mode="live", api_key_id=key_id), token)
        assert status == 201, bot
        assert platform.call("POST", f"/bots/{bot['id']}/start", None, token)[0] == 200
        ids.append(bot["id"])
    return ids


def _exchange_of(platform: Platform, token: str, bot_id: str) -> Any:
    user_id = platform.call("GET", "/users/me", None, token)[1]["id"]
    config = bootstrap.container().ports.bots.get(user_id, bot_id)
    return bootstrap.container().exchanges.for_bot(config)


def _audit(platform: Platform, token: str, key_id: str, query: str = "") -> dict[str, Any]:
    status, page = platform.call("GET", f"/api-keys/{key_id}/audit{query}", None, token)
    assert status == 200, page
    return page


def test_each_use_of_a_key_is_recorded_with_its_bot_and_outcome(live: Any) -> None:
    platform, fake = live
    token = platform.user()["access_token"]
    key = _add_key(platform, token)
    (bot_id,) = _live_bots(platform, token, key["id"], 1)
    exchange = _exchange_of(platform, token, bot_id)
    request = OrderRequest("BTCUSDT", Side.BUY, OrderType.MARKET, Decimal("0.001"), "audit-test-1")
    for use in (
        exchange.balances,
        lambda: exchange.place_order(request),
        lambda: exchange.get_order_by_client_id("BTCUSDT", "audit-test-1"),
        lambda: exchange.cancel_order("BTCUSDT", "audit-test-1"),
    ):
        platform.clock.advance(1000)
        use()
    items = _audit(platform, token, key["id"])["items"]
    actions = [i["action"] for i in reversed(items)]
    assert actions == ["key_check", "balance_lookup", "order_placed", "order_lookup", "order_cancelled"]
    assert all(i["outcome"] == "ok" for i in items)
    assert {i["bot_id"] for i in items[:4]} == {bot_id} and items[-1]["bot_id"] is None
    assert "audit-test-1" in items[2]["detail"]
    text = str(items)
    assert API_SECRET not in text and API_KEY not in text


def test_the_trail_pages_with_a_cursor_and_refuses_a_forged_one(live: Any) -> None:
    platform, _ = live
    token = platform.user()["access_token"]
    key = _add_key(platform, token)
    (bot_id,) = _live_bots(platform, token, key["id"], 1)
    exchange = _exchange_of(platform, token, bot_id)
    for _ in range(4):
        platform.clock.advance(1000)
        exchange.balances()
    first = _audit(platform, token, key["id"], "?limit=3")
    assert len(first["items"]) == 3 and first["next_cursor"]
    second = _audit(platform, token, key["id"], f"?limit=3&cursor={first['next_cursor']}")
    assert len(second["items"]) == 2 and second["next_cursor"] is None
    assert second["items"][-1]["action"] == "key_check"
    status, err = platform.call("GET", f"/api-keys/{key['id']}/audit?cursor=bm90LWEtY3Vyc29y", None, token)
    assert status == 422 and err["error"]["code"] == "validation_error"


def test_another_user_cannot_read_a_keys_trail(live: Any) -> None:
    platform, _ = live
    owner = platform.user()["access_token"]
    key = _add_key(platform, owner)
    intruder = platform.user()["access_token"]
    status, err = platform.call("GET", f"/api-keys/{key['id']}/audit", None, intruder)
    assert status == 404 and err["error"]["code"] == "api_key_not_found"


@pytest.mark.parametrize(
    ("refusal", "outcome"), [("-2015", "ip_or_permission"), ("-1022", "invalid_signature"), ("-2014", "invalid_key")]
)
def test_a_refused_key_pauses_its_bots_and_tells_the_user_once(live: Any, refusal: str, outcome: str) -> None:
    platform, fake = live
    token = platform.user()["access_token"]
    key = _add_key(platform, token)
    bot_a, bot_b = _live_bots(platform, token, key["id"])
    fake.refuse_key = refusal
    for _ in range(3):  # three ticks' worth of refusals: still one notification
        platform.clock.advance(1000)
        with pytest.raises(ExchangeRejected) as raised:
            _exchange_of(platform, token, bot_a).balances()
        assert raised.value.code == "api_key_rejected"
    for bot_id in (bot_a, bot_b):
        bot = platform.call("GET", f"/bots/{bot_id}", None, token)[1]
        assert bot["status"] == "paused" and outcome in bot["status_reason"], bot
    platform.drain(platform.outputs["NotifyQueueUrl"], workers.send_notifications)
    feed = platform.call("GET", "/notifications?limit=100", None, token)[1]["items"]
    told = [n for n in feed if n["kind"] == "api_key_rejected"]
    assert len(told) == 1 and "paused 2 bot(s)" in told[0]["message"]
    failures = [i for i in _audit(platform, token, key["id"])["items"] if i["outcome"] != "ok"]
    assert len(failures) == 3 and {f["outcome"] for f in failures} == {outcome}
    assert {f["exchange_code"] for f in failures} == {int(refusal)}


def test_a_mainnet_key_without_an_ip_restriction_names_the_egress_ips(live: Any) -> None:
    platform, fake = live
    token = platform.user()["access_token"]
    key = _add_key(platform, token)
    assert key["ip_warning"] and "198.51.100.7, 203.0.113.10" in key["ip_warning"]
    listed = platform.call("GET", "/api-keys", None, token)[1]["items"]
    assert listed[0]["ip_warning"] == key["ip_warning"]
    fake.ip_restrict = True
    other = platform.user()["access_token"]
    assert _add_key(platform, other)["ip_warning"] is None


def test_ticks_that_meet_a_refused_key_pause_every_bot_on_it_with_one_notification(live: Any) -> None:
    platform, fake = live
    token = platform.user()["access_token"]
    key = _add_key(platform, token)
    dca = {"strategy": "dca", "params": {"base_order_quote": 100, "take_profit_pct": 50}}
    ids = []
    for _ in range(2):
        status, bot = platform.call("POST", "/bots", bot_body(mode="live", api_key_id=key["id"], **dca), token)
        assert status == 201, bot
        assert platform.call("POST", f"/bots/{bot['id']}/start", None, token)[0] == 200
        ids.append(bot["id"])
    fake.refuse_key = "-2015"  # the user removed our IP from the key's whitelist
    platform.minute(3)
    for bot_id in ids:
        bot = platform.call("GET", f"/bots/{bot_id}", None, token)[1]
        assert bot["status"] == "paused" and "ip_or_permission" in bot["status_reason"], bot
    feed = platform.call("GET", "/notifications?limit=100", None, token)[1]["items"]
    assert [n["kind"] for n in feed] == ["api_key_rejected"], feed
    refused = [i for i in _audit(platform, token, key["id"])["items"] if i["outcome"] == "ip_or_permission"]
    # The worker runs a batch's bots at once (chalicelib/tick_batches.py), as Lambda runs invocations at once:
    # the second bot's order may meet the refusal before the first one's pause reaches it. Each refusal is audited.
    assert 1 <= len(refused) <= len(ids), refused
    assert all(r["action"] == "order_placed" and r["bot_id"] in ids for r in refused), refused
