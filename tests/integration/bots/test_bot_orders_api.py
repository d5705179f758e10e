"""Resting orders through the whole platform on moto: the tick (dispatched, delivered by SQS) places the wanted
orders and records them in the bot-orders table; `GET /bots/{id}/orders` pages them (cursor bound to the bot,
another user's bot 404); `DELETE` is refused 409 `open_orders` while they rest; `stop {cancel_orders}`
cancels them and books what they filled. The strategy's wanted orders are set by the test (the real engine
state, hand-made WantedOrders), the exchange is the in-memory resting exchange on the platform's market."""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from typing import Any

import pytest

from chalicelib import bootstrap
from chalicelib.adapters.market.catalog import StaticSymbolCatalog
from chalicelib.domain import engine as engine_module
from chalicelib.services.tick import service as tick_service
from tests.fakes.memory_resting import InMemoryRestingExchange
from tests.integration.bots.conftest import Platform, bot_body
from tests.reliability.resting_harness import safety

FIELDS = {
    "client_order_id", "type", "side", "price", "stop_price", "quantity", "filled_quantity", "average_price",
    "status", "purpose", "key", "order_list_id", "created_at", "updated_at",
}  # fmt: skip


@pytest.fixture()
def resting(platform: Platform, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    c = bootstrap.container()
    wanted: dict[str, tuple[Any, ...]] = {}
    accounts: dict[str, InMemoryRestingExchange] = {}
    real_decide = engine_module.decide

    def decide(*args: Any, **kwargs: Any) -> Any:
        return dataclasses.replace(real_decide(*args, **kwargs), intents=(), wanted=wanted.get("now", ()))

    def for_bot(config: Any) -> InMemoryRestingExchange:
        if config.id not in accounts:
            accounts[config.id] = InMemoryRestingExchange(c.market, StaticSymbolCatalog(), c.clock.now_ms)
            accounts[config.id].seed({"USDT": Decimal(1000)})
        return accounts[config.id]

    monkeypatch.setattr(tick_service, "decide", decide)
    monkeypatch.setattr(c.exchanges, "for_bot", for_bot)
    return {"wanted": wanted, "accounts": accounts, "price": lambda: c.current_price("u", "BTCUSDT")}


def _bot(platform: Platform, token: str) -> str:
    status, bot = platform.call("POST", "/bots", bot_body(), token)
    assert status == 201, bot
    assert platform.call("POST", f"/bots/{bot['id']}/start", None, token)[0] == 200
    return str(bot["id"])


def test_orders_rest_list_page_refuse_delete_and_cancel_on_stop(platform: Platform, resting: dict[str, Any]) -> None:
    user = platform.user()
    token = user["access_token"]
    bot_id = _bot(platform, token)
    platform.minute()
    price = Decimal(str(platform.call("GET", f"/bots/{bot_id}", None, token)[1]["state"]["last_price"]))
    low, lower = (price * Decimal("0.9")).quantize(Decimal("0.01")), (price * Decimal("0.8")).quantize(Decimal("0.01"))
    resting["wanted"]["now"] = (safety(1, str(low), "0.01"), safety(2, str(lower), "0.01"))
    platform.minute()
    exchange = resting["accounts"][bot_id]
    assert len(exchange.open_orders("BTCUSDT")) == 2

    status, page = platform.call("GET", f"/bots/{bot_id}/orders", None, token)
    assert status == 200, page
    assert [o["key"] for o in page["items"]] and {o["key"] for o in page["items"]} == {"safety_1", "safety_2"}
    assert set(page["items"][0]) == FIELDS and page["items"][0]["status"] == "NEW"
    status, first = platform.call("GET", f"/bots/{bot_id}/orders?status=all&limit=1", None, token)
    assert status == 200 and len(first["items"]) == 1 and first["next_cursor"]
    cursor = first["next_cursor"]
    status, second = platform.call("GET", f"/bots/{bot_id}/orders?status=all&limit=1&cursor={cursor}", None, token)
    assert status == 200 and second["items"][0]["client_order_id"] != first["items"][0]["client_order_id"]

    other_bot = _bot(platform, token)
    status, err = platform.call("GET", f"/bots/{other_bot}/orders?cursor={cursor}", None, token)
    assert status == 422 and err["error"]["code"] == "validation_error"
    stranger = platform.user()["access_token"]
    assert platform.call("GET", f"/bots/{bot_id}/orders", None, stranger)[0] == 404
    assert platform.call("GET", f"/bots/{bot_id}/orders?status=pending", None, token)[0] == 422

    exchange.trade(page["items"][0]["client_order_id"], None)  # one fills while the bot is being stopped
    assert platform.call("POST", f"/bots/{bot_id}/stop", {}, token)[0] == 200  # orders left resting
    status, err = platform.call("DELETE", f"/bots/{bot_id}", None, token)
    assert status == 409 and err["error"]["code"] == "open_orders"
    status, _ = platform.call("POST", f"/bots/{bot_id}/stop", {"close_position": True, "cancel_orders": False}, token)
    assert status == 422
    status, bot = platform.call("POST", f"/bots/{bot_id}/stop", {"cancel_orders": True}, token)
    assert status == 200, bot
    assert exchange.open_orders("BTCUSDT") == []
    assert platform.call("GET", f"/bots/{bot_id}/orders", None, token)[1]["items"] == []
    trades = platform.call("GET", f"/bots/{bot_id}/trades", None, token)[1]["items"]
    assert [t["id"] for t in trades] == [page["items"][0]["client_order_id"]]  # the fill was booked, once
    assert Decimal(bot["state"]["quantity"]) > 0  # cancel and keep: the position stays
    assert platform.call("DELETE", f"/bots/{bot_id}", None, token)[0] == 204
