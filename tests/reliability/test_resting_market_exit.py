"""A market order while resting orders hold what it needs: a position protected by an exchange-side OCO
(risk `stop_mode: exchange`) that the strategy sells at market. On Binance the OCO locks the base asset, so
the sell must come after the OCO's cancel, not before (sent first, it is refused with -2010 insufficient
balance and the bot stops with an error). The cancel can also find that the OCO filled since the tick's look
at the book: the position is gone, and the tick decides again instead of selling what it no longer holds.
On each venue of tests/reliability/resting_venues.py."""

from __future__ import annotations

from decimal import Decimal

import pytest

from chalicelib.domain.bots import BotStatus
from chalicelib.domain.errors import ExchangeTemporaryError
from chalicelib.domain.orders import OrderStatus
from tests.reliability.resting_harness import Harness, protect, safety


def _protected_position(h: Harness) -> str:
    """Buys 0.001 BTC through a resting safety order, then protects it with an OCO; the OCO's list id."""
    h.want(safety(1, "49000"))
    h.tick()
    h.exchange.trade(h.record("safety_1").client_order_id)
    h.want(protect("0.0009", "60000", "45000", "44900"))  # within the 0.000999 held after the fee
    h.tick()
    oco = h.record("protect")
    assert h.state.position_qty > 0 and oco.status is OrderStatus.NEW and oco.order_list_id
    return str(oco.order_list_id)


def test_a_market_sell_cancels_the_oco_that_locks_the_position_first(h: Harness) -> None:
    _protected_position(h)
    held = h.state.position_qty
    h.want()
    h.sell_all = True
    h.tick()
    bot = h.mem.bots.get("u1", h.bot_id)
    assert bot.status is BotStatus.RUNNING, h.state.last_error
    assert h.state.consecutive_failures == 0 and h.state.last_error is None
    assert all(r.status is OrderStatus.CANCELED for r in h.records() if r.key == "protect")
    assert h.exchange.open_orders("BTCUSDT") == [] and not h.state.has_resting
    sells = [t for t in h.trades() if t.side == "SELL"]
    assert len(sells) == 1 and sells[0].reason == "signal"
    assert held - Decimal("0.00001") < sells[0].quantity <= held  # all of it, to the lot size
    assert h.state.position_qty == 0
    h.reconciles()


def test_an_oco_that_fills_before_its_cancel_is_booked_and_nothing_is_sold_twice(h: Harness) -> None:
    _protected_position(h)
    stop = next(r for r in h.records() if r.key == "protect" and r.stop_price is not None)
    h.exchange.before_cancel = lambda _id: getattr(h.exchange, "trade_now", h.exchange.trade)(stop.client_order_id)
    h.want()
    h.sell_all = True
    h.tick()
    h.exchange.before_cancel = None
    assert h.mem.bots.get("u1", h.bot_id).status is BotStatus.RUNNING, h.state.last_error
    sells = [t for t in h.trades() if t.side == "SELL"]
    assert [t.reason for t in sells] == ["stop_loss"]  # the OCO's stop, and no market sell of the same BTC
    assert h.state.position_qty == 0 and h.exchange.open_orders("BTCUSDT") == []
    h.reconciles()


def test_a_lost_cancel_answer_holds_the_sell_until_a_retry_settles_it(h: Harness) -> None:
    _protected_position(h)
    held = h.state.position_qty
    h.exchange.lose_next["cancelOrderList"] = 1
    h.want()
    h.sell_all = True
    if h.venue == "binance":  # the adapter settles a lost cancel by lookup within the call: one tick does it all
        h.tick()
    else:
        with pytest.raises(ExchangeTemporaryError):  # the worker's retry, as for any temporary exchange error
            h.tick()
        assert h.record("protect").status is OrderStatus.PENDING_CANCEL and h.state.position_qty == held
        assert not [t for t in h.trades() if t.side == "SELL"]  # not sent while the cancel's outcome was unknown
        h.tick(advance=False)  # the redelivery of the same tick
    assert h.mem.bots.get("u1", h.bot_id).status is BotStatus.RUNNING, h.state.last_error
    assert [t.reason for t in h.trades() if t.side == "SELL"] == ["signal"]
    assert h.state.position_qty == 0 and h.exchange.open_orders("BTCUSDT") == []
    h.reconciles()
