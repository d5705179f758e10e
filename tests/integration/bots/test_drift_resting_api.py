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


def _clean(p: Platform, token: str, bot_id: str) -> None:
    """Every live fill pairs with the replay's fill of its tick or bar, at the same price; nothing left over."""
    trades = _trades(p, token, bot_id)
    report = _drift(p, token, bot_id)
    assert report["unmatched"] == [], report["unmatched"]
    assert {x["kind"] for x in report["pairs"]} == {"tick", "bar"}
    assert {x["live"]["id"] for x in report["pairs"]} == {t["id"].split(".", 1)[0] for t in trades}
    apart = [x for x in report["pairs"] if abs(D(x["live"]["price"]) - D(x["backtest"]["price"])) >= D("0.01")]
    assert apart == []
    summary = report["summary"]
    assert D(summary["timing"]) == 0 and D(summary["unexplained"]) == 0
    _adds_up(summary)


def test_two_dca_bots_with_resting_orders_match_their_replays(replayed: Callable[[int, D], Platform]) -> None:
    """From 13:51 (CI's failure): safety buys placed above the price fill when placed, beside a take-profit that
    fills later in the same bar. From 13:57: a take-profit and three safety buys fill on one bar, and the next
    take-profit sells the new lot's quantity as the ledger reads it back from Decimal, 1.7e-18 short of the float
    sum of its buys; until 2026-11-30 the engine kept that as an open lot, and the bot, flat, never started
    another cycle."""
    p = replayed(9, D(0))
    p.clock.advance(MARCH_10_1351 + 30_000 - p.clock.now_ms())
    first, second = p.user(), p.user()
    early = _start(p, first["access_token"], strategy="dca", params=DCA, budget="1000")
    p.minute(6)
    late = _start(p, second["access_token"], strategy="dca", params=DCA, budget="1000")
    p.minute(12)
    token = _login(p, first)
    at_once = [t for t in _trades(p, token, early) if t["reason"] == "safety_order"]
    assert len(at_once) >= 3
    _clean(p, token, early)
    token = _login(p, second)
    trades = sorted(_trades(p, token, late), key=lambda t: t["executed_at"])
    last_exit = max(i for i, t in enumerate(trades) if t["reason"] == "take_profit")
    assert [t["reason"] for t in trades[last_exit + 1 :]][:1] == ["signal"], trades  # the next cycle's base order
    _clean(p, token, late)
