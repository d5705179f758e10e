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


DCA = {
    "base_order_quote": 200, "safety_order_quote": 200, "max_safety_orders": 2, "price_deviation_pct": 2,
    "step_scale": 1, "volume_scale": 1, "take_profit_pct": 1, "order_type": "limit",
}  # fmt: skip
TICK = D("0.02")  # prices are rounded to the symbol's 0.01 tick, one way or the other


def rows(platform: Platform, token: str, bot_id: str) -> list[dict[str, Any]]:
    status, page = platform.call("GET", f"/bots/{bot_id}/trades?limit=100", None, token)
    assert status == 200, page
    return sorted(page["items"], key=lambda t: (t["executed_at"], t["id"]))


def average(buys: list[dict[str, Any]]) -> D:
    """The lot's average entry: the fill prices weighted by what each buy brought (net of a fee in base)."""
    held = sum((D(t["net_quantity"]) for t in buys), D(0))
    return sum((D(t["price"]) * D(t["net_quantity"]) for t in buys), D(0)) / held


def test_a_limit_dca_rests_its_safety_orders_and_moves_its_take_profit(platform: Platform) -> None:
    closes = ["30000"] * 4 + ["29300"] * 4 + ["30400"] * 3
    use_path(platform, closes)
    token = platform.user()["access_token"]
    bot_id = start(platform, token, strategy="dca", params=DCA)
    platform.minute(4)  # the base order buys at market, then the ladder rests
    [base] = rows(platform, token, bot_id)
    base_price = D(base["price"])
    assert base["side"] == "BUY" and abs(base_price - D(30000)) < D(30)  # the paper's slippage
    resting = open_orders(platform, token, bot_id)
    assert set(resting) == {"safety_1", "safety_2", "take_profit"}
    assert abs(resting["safety_1"][1] - base_price * D("0.98")) <= TICK
    assert abs(resting["safety_2"][1] - base_price * D("0.96")) <= TICK
    first_tp = resting["take_profit"][1]
    assert resting["take_profit"][0] == "SELL" and abs(first_tp - average([base]) * D("1.01")) <= TICK

    platform.minute(4)  # down to 29300: safety 1 fills at its limit, the average falls, the take-profit follows
    base_row, safety = rows(platform, token, bot_id)
    assert safety["side"] == "BUY" and D(safety["price"]) == resting["safety_1"][1]
    moved = open_orders(platform, token, bot_id)
    assert set(moved) == {"safety_2", "take_profit"} and moved["safety_2"] == resting["safety_2"]
    new_tp = moved["take_profit"][1]
    assert abs(new_tp - average([base_row, safety]) * D("1.01")) <= TICK and new_tp < first_tp - 200
    assert len(paper_open(bot_id)) == 2  # the old take-profit is cancelled on the exchange too

    platform.minute(3)  # up to 30400: the moved take-profit fills at its price, once; a new cycle begins
    after = rows(platform, token, bot_id)[2:]
    sells = [(t["side"], D(t["price"]), t["reason"]) for t in after if t["side"] == "SELL"]
    assert sells == [("SELL", new_tp, "take_profit")]
    assert sorted(t["side"] for t in after) == ["BUY", "SELL"]  # and the next cycle's base order, at market


MARKET_DCA = {**DCA, "order_type": "market", "price_deviation_pct": 20}  # no safety order within this test
STOP = {"stop_loss_pct": 2, "stop_mode": "exchange"}


def test_a_stop_on_the_exchange_fills_while_the_platform_is_down_and_is_booked_once(platform: Platform) -> None:
    closes = ["30000"] * 4 + ["29900"] * 4 + ["29000"] * 12
    market = use_path(platform, closes)
    user = platform.user()
    token = user["access_token"]
    bot_id = start(platform, token, strategy="dca", params=MARKET_DCA, risk=STOP)
    platform.minute(4)  # the base order buys; the stop-loss rests on the exchange
    [entry] = rows(platform, token, bot_id)
    status, page = platform.call("GET", f"/bots/{bot_id}/orders", None, token)
    [stop] = page["items"]
    assert (stop["type"], stop["side"], stop["purpose"]) == ("STOP_LOSS_LIMIT", "SELL", "stop_loss")
    assert abs(D(stop["stop_price"]) - D(entry["price"]) * D("0.98")) <= TICK
    assert D(stop["price"]) <= D(stop["stop_price"]) and D(stop["quantity"]) <= D(entry["net_quantity"])

    down = platform.clock.now_ms()
    crossing = 8  # the candle that falls from 29900 to 29000, through the stop
    paper = paper_exchange(bot_id)
    while market.minute_of(platform.clock.now_ms()) < crossing:  # the platform is down: no tick runs
        platform.clock.advance(60_000)
        assert paper.get_order_by_client_id("BTCUSDT", stop["client_order_id"]).status.value == "NEW"
    while platform.clock.now_ms() < down + 10 * 60_000:
        platform.clock.advance(60_000)
        filled = paper.get_order_by_client_id("BTCUSDT", stop["client_order_id"])
        assert filled.status.value == "FILLED" and filled.average_price == D(stop["price"])
    token = login(platform, user)  # the session outlived its access token meanwhile
    assert rows(platform, token, bot_id) == [entry]  # nothing booked while the platform was down

    platform.minute(3)  # back up: the next tick books the stop, once, as a stop-loss
    sells = [t for t in rows(platform, token, bot_id) if t["side"] == "SELL"]
    assert [(D(t["price"]), t["reason"]) for t in sells] == [(D(stop["price"]), "stop_loss")]
    assert sells[0]["client_order_id"] == stop["client_order_id"]
    status, everything = platform.call("GET", f"/bots/{bot_id}/orders?status=all", None, token)
    [record] = [o for o in everything["items"] if o["client_order_id"] == stop["client_order_id"]]
    assert (record["status"], D(record["filled_quantity"])) == ("FILLED", D(stop["quantity"]))


def login(platform: Platform, user: dict[str, Any]) -> str:
    status, tokens = platform.call("POST", "/auth/login", {"email": user["email"], "password": user["password"]})
    assert status == 200, tokens
    return str(tokens["access_token"])


def paper_exchange(bot_id: str) -> Any:
    from chalicelib.adapters.dynamo.paper import DynamoPaperStore
    from chalicelib.adapters.paper_exchange import PaperExchange

    c = bootstrap.container()
    return PaperExchange(bot_id, DynamoPaperStore(), c.market, c.symbol_catalog, c.clock)


def test_stop_with_cancel_leaves_nothing_on_the_paper_exchange_and_delete_waits_for_it(
    platform: Platform, monkeypatch: pytest.MonkeyPatch
) -> None:
    from chalicelib.adapters.paper_exchange import PaperExchange

    use_path(platform, ["30800"] * 3 + ["29900"] * 5)
    token = platform.user()["access_token"]
    bot_id = start(platform, token, strategy="grid", params=GRID)
    sent, place = [], PaperExchange.place_order
    monkeypatch.setattr(PaperExchange, "place_order", lambda self, r: sent.append(r) or place(self, r))
    platform.minute(2)
    # The tick gives the last close as the reference price (Binance then needs no avgPrice call for the band).
    assert len(sent) == 4 and {r.reference_price for r in sent} == {D(30800)}
    platform.minute(3)  # four buys rested, two of them filled: two sells and two buys rest
    assert len(paper_open(bot_id)) == 4 and len(open_orders(platform, token, bot_id)) == 4
    assert platform.call("POST", f"/bots/{bot_id}/stop", {}, token)[0] == 200  # orders left resting
    assert len(paper_open(bot_id)) == 4
    status, err = platform.call("DELETE", f"/bots/{bot_id}", None, token)
    assert (status, err["error"]["code"]) == (409, "open_orders")

    status, bot = platform.call("POST", f"/bots/{bot_id}/stop", {"cancel_orders": True}, token)
    assert status == 200, bot
    assert paper_open(bot_id) == [] and open_orders(platform, token, bot_id) == {}
    assert D(bot["state"]["quantity"]) > 0  # cancel and keep: the two cells' coins stay
    assert len(trades(platform, token, bot_id)) == 2
    assert platform.call("DELETE", f"/bots/{bot_id}", None, token)[0] == 204
