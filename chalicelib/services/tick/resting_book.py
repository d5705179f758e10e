"""Booking what a resting order filled, once: the fills beyond the record's `booked_quantity` go through the
same ledger path as a market order's (booking.book_order), as one trade per booking, and the record moves on
to the exchange's view of the order. A partial fill books its part now and the rest when it fills."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from chalicelib.domain.bots import BotConfig, BotState, PendingOrder
from chalicelib.domain.orders import Fill, Order, OrderStatus, OrderType, Side
from chalicelib.domain.resting import OrderPurpose
from chalicelib.domain.strategies.base import group_of
from chalicelib.domain.symbols import SymbolRules
from chalicelib.domain.trades import Trade
from chalicelib.services.ports.bot_orders import BotOrderRecord
from chalicelib.services.ports.bots import BotEvent
from chalicelib.services.tick.booking import book_order

_REASONS = {
    OrderPurpose.GRID_BUY: "grid",
    OrderPurpose.GRID_SELL: "grid",
    OrderPurpose.SAFETY: "safety_order",
    OrderPurpose.TAKE_PROFIT: "take_profit",
    OrderPurpose.STOP_LOSS: "stop_loss",
}


def leg_of(record: BotOrderRecord) -> str:
    """The engine leg a fill books as: the wanted order's own leg (a grid cell's take-profit books as its
    `grid_sell_<k>`); for older records a grid cell or safety step is its key and every exit is `exit`."""
    if record.leg:
        return record.leg
    if record.purpose in (OrderPurpose.TAKE_PROFIT, OrderPurpose.STOP_LOSS, OrderPurpose.PROTECT):
        return "exit"
    return record.key


def reason_of(record: BotOrderRecord) -> str:
    if record.reason:
        return record.reason
    if record.purpose is OrderPurpose.PROTECT:  # the OCO leg that filled says which exit it was
        return "stop_loss" if record.type is OrderType.STOP_LOSS_LIMIT else "take_profit"
    return _REASONS[record.purpose]


def observed(record: BotOrderRecord, order: Order | None, now_ms: int) -> BotOrderRecord:
    """The record as the exchange now shows the order. An order the exchange does not know was never placed
    (the worker stopped between saving the intent and sending it): it expires without having rested."""
    if order is None:
        return replace(record, status=OrderStatus.EXPIRED, updated_at=now_ms)
    return replace(
        record,
        status=order.status,
        filled_quantity=order.executed_quantity,
        average_price=order.average_price,
        updated_at=now_ms if order.status is not record.status or order.executed_quantity != record.filled_quantity
        else record.updated_at,
    )  # fmt: skip


def _part(record: BotOrderRecord, order: Order, delta: Decimal, at_ms: int) -> Order:
    """The part of `order` not booked yet, as an order of its own: quote and fees pro rata of the quantity.
    Its id names the booking (client id, then `.<quantity booked before>`), so each part is one trade."""
    booked = record.booked_quantity
    if booked == 0 and delta == order.executed_quantity:
        return replace(order, created_at_ms=at_ms)
    share = delta / order.executed_quantity
    booked_quote = (record.average_price or Decimal(0)) * booked
    quote = order.quote_quantity - booked_quote if booked else order.quote_quantity * share
    price = quote / delta
    fills = tuple(Fill(price, delta, amount * share, asset) for asset, amount in order.fees().items())
    return replace(
        order,
        client_order_id=order.client_order_id if booked == 0 else f"{order.client_order_id}.{booked.normalize()}",
        executed_quantity=delta,
        quote_quantity=quote,
        fills=fills,
        created_at_ms=at_ms,
    )


def _intended(state: BotState, leg: str, order: Order, delta: Decimal) -> Decimal:
    """What a finished sell was meant to sell: its lot, of which the exchange sold what its lot step allowed; so
    the ledger moves the residue to dust and the lot closes (else a grid cell would hold it and never re-arm).
    While the order still rests, what it may yet fill is no residue."""
    if order.side is not Side.SELL or order.is_open:
        return delta
    lot = ((state.engine or {}).get("lots") or {}).get(group_of(leg))
    return max(delta, Decimal(str(lot["quantity"]))) if lot else delta


def book_record(
    config: BotConfig, state: BotState, rules: SymbolRules, record: BotOrderRecord, order: Order, at_ms: int
) -> tuple[BotState, BotOrderRecord, Trade | None, BotEvent | None]:
    """Book what `order` filled beyond `record.booked_quantity`; the record after, with the booking."""
    after = observed(record, order, at_ms)
    delta = order.executed_quantity - record.booked_quantity
    if delta <= 0:
        return state, after, None, None
    part = _part(record, order, delta, at_ms)
    leg = leg_of(record)
    intended = _intended(state, leg, order, delta)
    pending = PendingOrder(part.client_order_id, leg, order.side.value, reason_of(record), None, str(intended))
    state, trade, event = book_order(config, state, rules, pending, part)
    return state, replace(after, booked_quantity=order.executed_quantity), trade, event
