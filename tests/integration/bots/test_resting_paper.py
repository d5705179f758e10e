"""Resting orders end to end on the PAPER exchange: the real tick (dispatched each market minute, delivered by
SQS), the real strategies, the paper exchange's book on moto-backed DynamoDB, over a price path the test
writes (path_market.py). Each test asserts the numbers: which orders rest at which prices, which fills were
booked as Trades (once each), and at what price."""

from __future__ import annotations

from decimal import Decimal as D
from typing import Any

import pytest

from chalicelib import bootstrap
from tests.integration.bots.conftest import Platform, bot_body
from tests.integration.bots.path_market import PathMarket


def use_path(platform: Platform, closes: list[str]) -> PathMarket:
    """The platform from now on trades on `closes`, the first one closing at the next market minute."""
    market = PathMarket(platform.clock, platform.clock.now_ms(), closes)
    bootstrap.use(bootstrap.bootstrap(clock=platform.clock, market=market))
    return market


def start(platform: Platform, token: str, **body: Any) -> str:
    status, bot = platform.call("POST", "/bots", bot_body(**body), token)
    assert status == 201, bot
    status, started = platform.call("POST", f"/bots/{bot['id']}/start", None, token)
    assert status == 200, started
    return str(bot["id"])


def open_orders(platform: Platform, token: str, bot_id: str) -> dict[str, tuple[str, D]]:
    status, page = platform.call("GET", f"/bots/{bot_id}/orders", None, token)
    assert status == 200, page
    return {o["key"]: (o["side"], D(o["price"])) for o in page["items"]}


def trades(platform: Platform, token: str, bot_id: str) -> list[tuple[str, D]]:
    status, page = platform.call("GET", f"/bots/{bot_id}/trades?limit=100", None, token)
    assert status == 200, page
    rows = sorted(page["items"], key=lambda t: (t["executed_at"], D(t["price"])))  # one candle's fills by price
    return [(t["side"], D(t["price"])) for t in rows]


def paper_open(bot_id: str) -> list[Any]:
    """What the paper exchange itself holds open for the bot (its account is named after the bot)."""
    from chalicelib.adapters.dynamo.paper import DynamoPaperStore
    from chalicelib.adapters.paper_exchange import PaperExchange

    c = bootstrap.container()
    return list(PaperExchange(bot_id, DynamoPaperStore(), c.market, c.symbol_catalog, c.clock).open_orders("BTCUSDT"))


GRID = {"lower": 29000, "upper": 31000, "levels": 5, "order_type": "limit"}  # cells at 29000/29500/30000/30500


def test_a_limit_grid_rests_its_ladder_books_each_fill_once_and_re_arms(platform: Platform) -> None:
    closes = ["30800"] * 3 + ["29900"] + ["29900"] * 2 + ["30600"] + ["30600"] * 2 + ["29950"] + ["29950"] * 3
    use_path(platform, closes)
    token = platform.user()["access_token"]
    bot_id = start(platform, token, strategy="grid", params=GRID)
    platform.minute(2)  # the ladder rests below 30800: a buy in every cell
    assert open_orders(platform, token, bot_id) == {
        "grid_buy_0": ("BUY", D(29000)), "grid_buy_1": ("BUY", D(29500)),
        "grid_buy_2": ("BUY", D(30000)), "grid_buy_3": ("BUY", D(30500)),
    }  # fmt: skip
    assert trades(platform, token, bot_id) == []
    platform.minute(3)  # 30800 -> 29900 crosses 30500 and 30000: both buys fill at their limits
    assert trades(platform, token, bot_id) == [("BUY", D(30000)), ("BUY", D(30500))]
    assert open_orders(platform, token, bot_id) == {
        "grid_buy_0": ("BUY", D(29000)), "grid_buy_1": ("BUY", D(29500)),
        "grid_sell_2": ("SELL", D(30500)), "grid_sell_3": ("SELL", D(31000)),
    }  # fmt: skip
    platform.minute(3)  # up to 30600: cell 2's sell fills at 30500, its buy at 30000 is armed again
    assert trades(platform, token, bot_id)[2:] == [("SELL", D(30500))]
    assert open_orders(platform, token, bot_id)["grid_buy_2"] == ("BUY", D(30000))
    platform.minute(4)  # down to 29950: the re-armed buy fills, once
    assert trades(platform, token, bot_id)[3:] == [("BUY", D(30000))]
    assert open_orders(platform, token, bot_id)["grid_sell_2"] == ("SELL", D(30500))
    assert len(paper_open(bot_id)) == 4  # the exchange holds exactly the four orders the bot records
