"""GIVEN a bot the exchange could not trade WHEN it is refused THEN the message names the amount in the quote's
own precision and says what to do, not the exchange's raw "must be at least 5.00000000"."""

from __future__ import annotations

from tests.integration.bots.conftest import bot_body


def test_a_budget_below_the_minimum_order_is_refused_in_plain_words(platform):
    token = platform.user()["access_token"]
    status, body = platform.call("POST", "/bots", bot_body(budget="0.5"), token)
    assert status == 422 and body["error"]["code"] == "budget_below_min_notional"
    assert body["error"]["details"] == [
        {"field": "budget", "message": "must be at least 5.00 USDT, the smallest order it accepts"}
    ]
    assert "5.00000000" not in body["error"]["message"]
