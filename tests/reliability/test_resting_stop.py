"""Stopping a bot with resting orders (the three choices of `POST /bots/{id}/stop`), and the default stop mode
of new live bots, on the in-memory platform; the stop cases on each venue of tests/reliability/resting_venues.py
(memory, the Binance adapter over the fake Binance, the paper exchange). On Binance a lost cancel answer is
settled by the adapter's lookup, so the stop closes on its first try; elsewhere its second try looks it up."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from chalicelib.domain.bots import BotConfig, BotStatus, Mode
from chalicelib.domain.errors import Conflict
from chalicelib.domain.orders import OrderStatus
from chalicelib.services import bot_control
from chalicelib.services import bots as bot_service
from tests.reliability.resting_harness import Harness, safety


def _holding_with_an_open_order(h: Harness) -> None:
    h.want(safety(1, "49000"), safety(2, "48000"))
    h.tick()
    h.exchange.trade(h.record("safety_1").client_order_id)
    h.want(safety(2, "48000"))
    h.tick()
    assert h.state.position_qty > 0 and h.record("safety_2").status is OrderStatus.NEW


def test_stop_cancel_and_close_leaves_nothing_on_the_exchange(h: Harness) -> None:
    _holding_with_an_open_order(h)
    h.mem.container.bot_control.stop("u1", h.bot_id, close_position=True, cancel_orders=True)
    assert h.exchange.open_orders("BTCUSDT") == [] and h.record("safety_2").status is OrderStatus.CANCELED
    assert h.state.position_qty == 0 and not h.state.has_resting
    h.reconciles()
    h.mem.container.bots.delete("u1", h.bot_id)  # nothing open: allowed


def test_stop_leaving_orders_resting_refuses_delete_and_books_their_fill_at_the_next_start(h: Harness) -> None:
    _holding_with_an_open_order(h)
    h.mem.container.bot_control.stop("u1", h.bot_id, close_position=False, cancel_orders=False)
    with pytest.raises(Conflict) as refused:
        h.mem.container.bots.delete("u1", h.bot_id)
    assert refused.value.code == "open_orders"
    h.exchange.trade(h.record("safety_2").client_order_id)  # fills while the bot is stopped
    h.mem.container.bots.change_status("u1", h.bot_id, "start")
    h.tick()
    assert len(h.trades()) == 2 and h.record("safety_2").booked_quantity == Decimal("0.001")
    h.reconciles()


def test_a_cancel_whose_outcome_is_unknown_is_looked_up_before_the_stop_closes(h: Harness) -> None:
    _holding_with_an_open_order(h)
    h.exchange.lose_next["cancelOrder"] = 1
    waits: list[float] = []
    control = bot_control.BotControl(bots=h.mem.container.bots, ticks=h.mem.container.ticks, sleep=waits.append)
    control.stop("u1", h.bot_id, close_position=True, cancel_orders=True)
    assert h.record("safety_2").status is OrderStatus.CANCELED and h.state.position_qty == 0
    assert h.exchange.calls["cancelOrder"] == 1  # the lost answer's cancel took effect: looked up, not sent again
    # The Binance adapter settles the lost cancel by lookup within the call; elsewhere the stop's second try does.
    assert waits == ([] if h.venue == "binance" else [bot_control.STOP_RETRY_WAITS_S[0]])
    h.reconciles()


def _config(mode: Mode, risk: dict[str, Any]) -> BotConfig:
    return BotConfig("b", "u", "n", "dca", {}, "BTCUSDT", "1m", mode, Decimal(100), risk, None, BotStatus.STOPPED, 0, 0)


def test_new_live_bots_with_a_stop_keep_it_on_the_exchange_once_the_risk_schema_knows_stop_mode(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    schema = {**bot_service.RISK_SCHEMA, "properties": {**bot_service.RISK_SCHEMA["properties"], "stop_mode": {}}}
    monkeypatch.setattr(bot_service, "RISK_SCHEMA", schema)
    assert bot_service.default_stop_mode(_config(Mode.LIVE, {"stop_loss_pct": 3}))["stop_mode"] == "exchange"
    assert bot_service.default_stop_mode(_config(Mode.LIVE, {"take_profit_pct": 2}))["stop_mode"] == "exchange"
    chosen = {"stop_loss_pct": 3, "stop_mode": "bot"}
    assert bot_service.default_stop_mode(_config(Mode.LIVE, chosen)) == chosen
    assert "stop_mode" not in bot_service.default_stop_mode(_config(Mode.PAPER, {"stop_loss_pct": 3}))
    assert "stop_mode" not in bot_service.default_stop_mode(_config(Mode.LIVE, {}))
