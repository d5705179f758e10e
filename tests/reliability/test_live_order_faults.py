"""Live bots against a Binance that answers an order with a failure AFTER executing it.

The whole path: the API adds a key (checked on the fake), a live DCA bot is started, the scheduler's dispatch
and the SQS handler run its tick, the Binance adapter places a market buy; later the bot is stopped with
"close the position", which sells at market. For every 5xx code Binance documents, an unknown code, an HTML
gateway page, an answer past the read timeout and a dropped connection, striking the buy and then the sell:
exactly one order on the exchange per intent, exactly one Trade per order, and the bot's holdings equal what
the exchange holds. `tests/fakes/binance_spot.py` refuses a reused client order id only while the order is open,
as Binance does, so a resend would show up here as a second fill."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest

from chalicelib import bootstrap
from chalicelib.config import settings
from tests.fakes.binance_spot import ALL_FAULTS, API_KEY, API_SECRET, FakeBinanceSpot
from tests.integration.bots.conftest import Platform, bot_body


@pytest.fixture()
def live(platform: Platform) -> Iterator[tuple[Platform, FakeBinanceSpot]]:
    with FakeBinanceSpot(balances={"USDT": "100000000", "BTC": "0"}, late_answer_s=0.8) as fake:
        cfg = dataclasses.replace(
            settings(),
            binance_base_url=fake.url,
            extra={**settings().extra, "TRADEBOT_BINANCE_READ_TIMEOUT_S": "0.3"},
        )
        bootstrap.use(bootstrap.Container(cfg=cfg, clock=platform.clock))
        yield platform, fake


def _trades(platform: Platform, token: str, bot_id: str) -> list[dict[str, Any]]:
    status, page = platform.call("GET", f"/bots/{bot_id}/trades?limit=100", None, token)
    assert status == 200, page
    return page["items"]


@pytest.mark.parametrize("fault", ALL_FAULTS)
def test_an_order_answered_with_a_failure_after_it_executed_trades_once(live: Any, fault: str) -> None:
    platform, fake = live
    user = platform.user()
    token = user["access_token"]
    key_body = {"label": "live", "api_key": API_KEY, "api_secret": API_SECRET, "testnet": False}
    status, key = platform.call("POST", "/api-keys", key_body, token)
    assert status == 201, key
    body = bot_body(
        strategy="dca", params={"base_order_quote": 100, "take_profit_pct": 50}, mode="live", api_key_id=key["id"]
    )
    status, bot = platform.call("POST", "/bots", body, token)
    assert status == 201, bot
    bot_id = bot["id"]
    assert platform.call("POST", f"/bots/{bot_id}/start", None, token)[0] == 200

    fake.arm(fault)  # the base order's answer is lost after it filled
    for _ in range(4):
        platform.minute()
        if _trades(platform, token, bot_id):
            break
    buys = [o for o in fake.orders if o.side == "BUY"]
    assert len(buys) == 1, f"{fault}: {len(buys)} buy orders on the exchange for one intent"
    trades = _trades(platform, token, bot_id)
    assert [t["id"] for t in trades] == [buys[0].client_order_id]

    fake.arm(fault)  # and the closing sell's
    status, answer = platform.call("POST", f"/bots/{bot_id}/stop", {"close_position": True}, token)
    assert status in (200, 409, 503), answer
    for _ in range(3):
        status, got = platform.call("GET", f"/bots/{bot_id}", None, token)
        if Decimal(got["state"]["quantity"]) == 0:
            break
        # The close could not be confirmed in the request: closing again finds the sell, never sends another.
        platform.call("POST", f"/bots/{bot_id}/stop", {"close_position": True}, token)
    sells = [o for o in fake.orders if o.side == "SELL"]
    assert len(sells) == 1, f"{fault}: {len(sells)} sell orders on the exchange for one intent"
    trades = _trades(platform, token, bot_id)
    assert sorted(t["id"] for t in trades) == sorted(o.client_order_id for o in fake.orders)
    status, got = platform.call("GET", f"/bots/{bot_id}", None, token)
    assert got["state"]["trades_count"] == 2
    held = Decimal(got["state"]["quantity"]) + Decimal(got["state"]["dust_quantity"])
    assert abs(held - fake.balances["BTC"]) < Decimal("1e-8"), (held, fake.balances["BTC"])
