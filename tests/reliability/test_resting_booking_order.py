"""The fills a tick finds are booked in the order a backtest books a bar's resting fills (backtest/resting.py
`fill_bar`): sells first (their proceeds fund the buys of the same bar), then by order key. A DCA take-profit
that closed the cycle on the bar safety orders filled on comes before them, and safety_1 before safety_2, so the
same fill opens the next cycle on both sides. Without the rule the order was the records' (creation time, then
client order id): an order placed a tick earlier was booked first."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from chalicelib.services.tick import resting as resting_module
from tests.reliability.resting_harness import MINUTE, Harness, grid_buy, grid_sell


def _spy(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The keys of the records whose fills a tick books, in booking order."""
    booked: list[str] = []
    real: Callable[..., bool] = resting_module.Books.see

    def see(self: Any, config: Any, record: Any, order: Any) -> bool:
        did = real(self, config, record, order)
        if did:
            booked.append(record.key)
        return did

    monkeypatch.setattr(resting_module.Books, "see", see)
    return booked


def _trade_in_turn(h: Harness, *keys: str) -> None:
    """Each order trades in a minute of its own (the paper venue trades through one candle per minute)."""
    for i, key in enumerate(keys):
        if i:
            h.at += MINUTE
            h.mem.clock.set(h.at)
        h.exchange.trade(h.record(key).client_order_id)


def test_a_buy_and_a_sell_filled_since_the_last_tick_are_booked_sell_first(
    h: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    h.want(grid_buy(1, "49000"))
    h.tick()
    h.exchange.trade(h.record("grid_buy_1").client_order_id)
    h.want(grid_buy(2, "48000"))
    h.tick()  # books grid_buy_1; grid_buy_2 rests from this tick
    h.want(grid_buy(2, "48000"), grid_sell(1, "50500", "0.000999"))
    h.tick()  # grid_sell_1 rests from this one: the records list the buy first
    assert [r.key for r in h.mem.bot_orders.open_for(h.bot_id)] == ["grid_buy_2", "grid_sell_1"]
    _trade_in_turn(h, "grid_buy_2", "grid_sell_1")
    booked = _spy(monkeypatch)
    h.want()
    h.tick()
    assert booked == ["grid_sell_1", "grid_buy_2"]
    h.reconciles()


def test_buys_filled_since_the_last_tick_are_booked_by_key(h: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    h.want(grid_buy(3, "47000"))
    h.tick()
    h.want(grid_buy(3, "47000"), grid_buy(1, "49000"))
    h.tick()  # grid_buy_1 rests from a tick after grid_buy_3's: the records list grid_buy_3 first
    assert [r.key for r in h.mem.bot_orders.open_for(h.bot_id)] == ["grid_buy_3", "grid_buy_1"]
    _trade_in_turn(h, "grid_buy_3", "grid_buy_1")
    booked = _spy(monkeypatch)
    h.want()
    h.tick()
    assert booked == ["grid_buy_1", "grid_buy_3"]
    h.reconciles()
