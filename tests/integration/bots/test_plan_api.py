"""GIVEN the real app on moto (synthetic market) WHEN a user asks for a bot's plan or creates a bot THEN
`POST /bots/plan` answers the orders, levels, investment and problems at the current price, and a bot that
could not work is refused at creation (422 `bot_unworkable`) with the fix in its message and details. The
issue-20 cases: the old DCA defaults (budget 100, base 100, 5 safety orders of 100) and a grid of 100-200 with
200 levels and a budget of 100 on a symbol trading far above it."""

from __future__ import annotations

from decimal import Decimal

from tests.integration.bots.conftest import bot_body

OLD_DCA_DEFAULTS = {"base_order_quote": 100, "safety_order_quote": 100, "max_safety_orders": 5}
ISSUE_GRID = {"lower": 100, "upper": 200, "levels": 200}


def test_plan_of_the_dca_defaults_shows_every_order_at_the_current_price(platform):
    token = platform.user()["access_token"]
    status, plan = platform.call("POST", "/bots/plan", bot_body(strategy="dca", params={}, budget="100"), token)
    assert status == 200, plan
    assert plan["ok"] is True and plan["problems"] == []
    price = Decimal(plan["price"])
    candles = platform.call("GET", "/market/candles?symbol=BTCUSDT&interval=1m&limit=1", None, token)[1]["items"]
    assert price == Decimal(candles[-1]["close"])
    assert [o["leg"] for o in plan["orders"]] == ["base", "safety_1", "safety_2", "safety_3", "safety_4"]
    assert Decimal(plan["orders"][0]["price"]) == price
    assert all(Decimal(o["price"]) < price for o in plan["orders"][1:])
    assert Decimal(plan["investment"]) <= 100 and plan["quote_asset"] == "USDT"
    status, bot = platform.call("POST", "/bots", bot_body(strategy="dca", params={}, budget="100"), token)
    assert status == 201, bot


def test_old_dca_defaults_are_refused_at_creation_with_the_budget_they_need(platform):
    token = platform.user()["access_token"]
    status, body = platform.call(
        "POST", "/bots", bot_body(strategy="dca", params=OLD_DCA_DEFAULTS, budget="100"), token
    )
    assert status == 422, body
    error = body["error"]
    assert error["code"] == "bot_unworkable"
    assert "raise the budget to at least 600.00 USDT" in error["message"]
    assert [(d["field"], d["code"]) for d in error["details"]] == [("budget", "plan_exceeds_budget")]
    assert platform.call("GET", "/bots", None, token)[1]["items"] == []


def test_issue_grid_is_refused_at_creation_with_both_fixes(platform):
    token = platform.user()["access_token"]
    body = bot_body(strategy="grid", params=ISSUE_GRID, budget="100")
    status, plan = platform.call("POST", "/bots/plan", body, token)
    assert status == 200 and plan["ok"] is False
    assert Decimal(plan["price"]) > 200 and len(plan["levels"]) == 200
    status, refused = platform.call("POST", "/bots", body, token)
    assert status == 422, refused
    details = {d["code"]: d for d in refused["error"]["details"]}
    assert set(details) == {"order_below_min_notional", "price_outside_grid"}
    assert "raise the budget to at least" in details["order_below_min_notional"]["message"]
    assert "set lower and upper around the current price" in details["price_outside_grid"]["message"]
    assert details["price_outside_grid"]["field"] == "params.upper"
    assert [d["field"] for d in plan["problems"]] == [d["field"] for d in refused["error"]["details"]]


def test_a_grid_around_the_price_or_waiting_for_its_range_is_accepted(platform):
    token = platform.user()["access_token"]
    price = Decimal(platform.call("POST", "/bots/plan", bot_body(budget="100"), token)[1]["price"])
    around = {"lower": float(price * Decimal("0.9")), "upper": float(price * Decimal("1.1")), "levels": 11}
    status, bot = platform.call("POST", "/bots", bot_body(strategy="grid", params=around, budget="100"), token)
    assert status == 201, bot
    waiting = {"lower": float(price * 2), "upper": float(price * 3), "levels": 5, "wait_for_range": True}
    status, bot = platform.call("POST", "/bots", bot_body(strategy="grid", params=waiting, budget="100"), token)
    assert status == 201, bot
    assert bot["params"]["wait_for_range"] is True


def test_plan_errors_use_the_error_shape(platform):
    token = platform.user()["access_token"]
    status, body = platform.call("POST", "/bots/plan", bot_body(strategy="nope"), token)
    assert status == 422 and body["error"]["code"] and body["error"]["details"][0]["field"] == "strategy"
    status, body = platform.call("POST", "/bots/plan", bot_body(symbol="NOPEUSDT"), token)
    assert status == 422 and body["error"]["code"] == "unknown_symbol"
    status, body = platform.call("POST", "/bots/plan", bot_body(budget="-1"), token)
    assert status == 422 and body["error"]["details"]
    status, body = platform.call("POST", "/bots/plan", bot_body(), None)
    assert status == 401 and body["error"]["code"]
