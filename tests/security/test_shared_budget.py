"""One tenant cannot halt every live bot through the exchange budget they share.

Every bot and every user behind one egress address share Binance's request-weight limit. Here, on a budget
shrunk so the test stays small (500 a minute, soft limit 400: users' share 100, one user 45), three users send
junk API-key checks and chart requests worth far more than the whole budget; the calls over their share are
refused with 429, and then every bot still ticks, the live one placing its order. A tick the platform's own
budget refuses is deferred (redelivered), never counted as the bot's failure."""

from __future__ import annotations

import dataclasses
import uuid
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest

from chalicelib import bootstrap
from chalicelib.config import settings
from tests.fakes.binance_spot import API_KEY, API_SECRET, FakeBinanceSpot
from tests.integration.bots.conftest import Platform, bot_body
from tests.integration.bots.conftest import platform as platform  # noqa: F401  (the moto platform fixture)

SOFT_LIMIT = 400
USERS_SHARE = 100
PER_USER = 45


@pytest.fixture()
def shared(platform: Platform) -> Iterator[tuple[Platform, FakeBinanceSpot, str]]:
    egress = f"egress-{uuid.uuid4().hex[:8]}"  # a budget of its own: other tests' weight is not in it
    with FakeBinanceSpot(balances={"USDT": "100000000", "BTC": "0"}) as fake:
        cfg = dataclasses.replace(
            settings(),
            binance_base_url=fake.url,
            market_source="binance",
            egress_id=egress,
            extra={
                **settings().extra,
                "TRADEBOT_BINANCE_WEIGHT_LIMIT": "500",
                "TRADEBOT_USER_WEIGHT_SHARE": str(USERS_SHARE / SOFT_LIMIT),
                "TRADEBOT_USER_WEIGHT_PER_USER": str(PER_USER),
            },
        )
        bootstrap.use(bootstrap.Container(cfg=cfg, clock=platform.clock))
        yield platform, fake, egress


def _bots(platform: Platform, token: str) -> list[str]:
    status, key = platform.call(
        "POST", "/api-keys", {"label": "live", "api_key": API_KEY, "api_secret": API_SECRET, "testnet": False}, token
    )
    assert status == 201, key
    ids = []
    for body in (
        bot_body(
            strategy="dca", params={"base_order_quote": 100, "take_profit_pct": 50}, mode="live", api_key_id=key["id"]
        ),
        bot_body(strategy="dca", params={"base_order_quote": 100, "take_profit_pct": 50}),
        bot_body(),
    ):
        status, bot = platform.call("POST", "/bots", body, token)
        assert status == 201, bot
        assert platform.call("POST", f"/bots/{bot['id']}/start", None, token)[0] == 200
        ids.append(bot["id"])
    return ids


def _flood(platform: Platform, token: str) -> tuple[Counter[Any], int]:
    """Junk key checks (20 weight each: Binance refuses the key after GET /account) and uncached chart
    requests (2 each); returns the answers and the weight these requests would have asked of Binance."""
    answers: Counter[Any] = Counter()
    asked = 0
    for _ in range(10):
        junk = {"label": "x", "api_key": "J" * 60 + uuid.uuid4().hex[:4], "api_secret": "S" * 64, "testnet": False}
        status, body = platform.call("POST", "/api-keys", junk, token)
        answers[(status, body["error"]["code"])] += 1
        asked += 20
    for i in range(60):
        symbol = ("BTCUSDT", "ETHUSDT")[i % 2]
        status, body = platform.call("GET", f"/market/candles?symbol={symbol}&interval=1m&limit=1000", None, token)
        answers[(status, body["error"]["code"] if status != 200 else "ok")] += 1
        asked += 2
    return answers, asked


def test_users_filling_their_share_cannot_stop_any_bot_from_ticking(shared: Any) -> None:
    platform, fake, _ = shared
    owner = platform.user()
    bots = _bots(platform, owner["access_token"])
    platform.clock.advance(60_000 - platform.clock.now_ms() % 60_000)  # a fresh minute for the flood

    answers: Counter[Any] = Counter()
    asked = 0
    for _ in range(3):
        got, weight = _flood(platform, platform.user()["access_token"])
        answers += got
        asked += weight
    assert asked > 2 * SOFT_LIMIT  # worth more than twice what Binance allows the whole platform
    assert answers[(429, "exchange_user_rate_limited")] > 0, answers  # each user's own cap
    assert answers[(429, "exchange_budget_busy")] > 0, answers  # the users' share, together
    assert not [a for a in answers if a[0] >= 500], answers
    for call, count in answers.items():
        assert call in {
            (422, "api_key_rejected"),
            (200, "ok"),
            (429, "exchange_user_rate_limited"),
            (429, "exchange_budget_busy"),
        }, (call, count)

    before = len(fake.orders)
    platform.minute()  # the ticks of this same minute, the users' share still used up
    token = owner["access_token"]
    for bot_id in bots:
        status, bot = platform.call("GET", f"/bots/{bot_id}", None, token)
        assert status == 200 and bot["status"] == "running", bot
        assert bot["state"]["last_tick_at"] is not None and bot["state"]["consecutive_failures"] == 0, bot
        assert bot["state"]["last_error"] is None or "warming up" in bot["state"]["last_error"], bot
    assert len(fake.orders) == before + 1  # the live bot's base order went through


def test_a_tick_refused_by_the_platforms_budget_is_deferred_never_a_bot_failure(shared: Any) -> None:
    from chalicelib.adapters.dynamo.rate_limits_weight import DynamoWeightStore

    platform, fake, egress = shared
    owner = platform.user()
    live_bot = _bots(platform, owner["access_token"])[0]
    store = DynamoWeightStore()
    for _ in range(7):  # more than the 5 failures that would send a bot to ERROR
        minute = (platform.clock.now_ms() + 60_000) // 60_000
        store.observe_weight(egress, minute, SOFT_LIMIT)  # the budget is full all minute long
        platform.minute()
    status, bot = platform.call("GET", f"/bots/{live_bot}", None, owner["access_token"])
    assert bot["status"] == "running" and bot["state"]["consecutive_failures"] == 0, bot
    assert fake.orders == []
    platform.minute()  # the budget has room again: the bot trades
    assert len(fake.orders) == 1
