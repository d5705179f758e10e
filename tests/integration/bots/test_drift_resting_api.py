"""GET /bots/{id}/drift for a DCA bot with resting orders (`order_type` limit), through the real dispatch and tick
handlers over real candles: the minutes of CI's failure on 2026-11-30 (BTCUSDT, 10 March 2023 from 13:51), where
safety buys placed above the price filled when they were placed, beside a take-profit that filled later in the
same bar. Every live fill pairs with the replay's fill of the same tick or bar, at the same price."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal as D

from tests.integration.bots import test_drift_api as base
from tests.integration.bots.conftest import Platform
from tests.integration.bots.test_drift_api import _adds_up, _drift, _login, _start, _trades

btc_1m, replayed = base.btc_1m, base.replayed  # the fixtures, shared

DCA = {"base_order_quote": 100, "safety_order_quote": 100, "price_deviation_pct": 0.05, "take_profit_pct": 0.05,
       "order_type": "limit"}  # fmt: skip
MARCH_10_1351 = 1_678_456_260_000


def test_orders_filled_when_placed_pair_with_the_replay_on_their_bar(replayed: Callable[[int, D], Platform]) -> None:
    p = replayed(9, D(0))
    p.clock.advance(MARCH_10_1351 + 30_000 - p.clock.now_ms())
    user = p.user()
    bot_id = _start(p, user["access_token"], strategy="dca", params=DCA, budget="1000")
    p.minute(16)
    token = _login(p, user)
    trades = _trades(p, token, bot_id)
    report = _drift(p, token, bot_id)
    at_once = [t for t in trades if t["reason"] == "safety_order"]
    assert len(trades) >= 6 and len(at_once) >= 3, trades
    assert report["unmatched"] == [], report["unmatched"]
    assert {x["kind"] for x in report["pairs"]} == {"tick", "bar"}
    assert {x["live"]["id"] for x in report["pairs"]} == {t["id"].split(".", 1)[0] for t in trades}
    apart = [x for x in report["pairs"] if abs(D(x["live"]["price"]) - D(x["backtest"]["price"])) >= D("0.01")]
    assert apart == []
    summary = report["summary"]
    assert D(summary["timing"]) == 0 and D(summary["unexplained"]) == 0
    _adds_up(summary)
