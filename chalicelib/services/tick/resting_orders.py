"""Between WantedOrders and the records of orders: fitting a wanted order to the symbol's filters, the records
of a placement saved before it is sent, and the view of what rests by key that `domain.resting.reconcile`
compares the wanted orders with."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from decimal import Decimal

from chalicelib.domain.bots import BotConfig
from chalicelib.domain.errors import ExchangeRejected
from chalicelib.domain.orders import OcoRequest, OrderRequest, OrderStatus, OrderType
from chalicelib.domain.resting import StopLeg, WantedOrder, resting_client_order_id
from chalicelib.domain.symbols import SymbolRules, check_notional, round_price, round_quantity
from chalicelib.services.ports.bot_orders import BotOrderRecord


def needs_attention(record: BotOrderRecord) -> bool:
    """Open on the exchange, or filled beyond what is booked: a tick must look at it again (the adapter's
    open index holds exactly these)."""
    return record.is_open or record.filled_quantity > record.booked_quantity


def fit(rules: SymbolRules, order: WantedOrder) -> WantedOrder | None:
    """The order rounded to the symbol's tick and lot sizes (so float noise never cancels and replaces an
    order), or None when it cannot be placed at all (below the minimum quantity or order value)."""
    try:
        quantity = round_quantity(rules, order.quantity, market=False)
        price = round_price(rules, order.price, order.side)
        check_notional(rules, quantity, price, market=False)
    except ExchangeRejected:
        return None
    stop = None if order.stop_price is None else round_price(rules, order.stop_price, order.side)
    oco = order.oco_stop
    if oco is not None:
        oco = StopLeg(round_price(rules, oco.stop_price, order.side), round_price(rules, oco.limit_price, order.side))
    if quantity <= 0:
        return None
    return replace(order, quantity=quantity, price=price, stop_price=stop, oco_stop=oco)


Record = BotOrderRecord


def intent_records(config: BotConfig, order: WantedOrder, generation: int, now_ms: int) -> list[BotOrderRecord]:
    """The record(s) of a placement, saved NEW before it is sent: one per order, one per leg of an OCO."""

    def record(part: str, type_: OrderType, price: Decimal, stop: Decimal | None, list_id: str | None) -> Record:
        reason = order.stop_reason if type_ is OrderType.STOP_LOSS_LIMIT else order.reason
        return BotOrderRecord(
            user_id=config.user_id, bot_id=config.id,
            client_order_id=resting_client_order_id(config.id, order.key, generation, part), key=order.key,
            generation=generation, purpose=order.purpose, symbol=config.symbol, side=order.side, type=type_,
            quantity=order.quantity, price=price, stop_price=stop, status=OrderStatus.NEW,
            filled_quantity=Decimal(0), average_price=None, created_at=now_ms, updated_at=now_ms,
            order_list_id=list_id, leg=order.leg, reason=reason,
        )  # fmt: skip

    if order.oco_stop is None:
        return [record("", order.type, order.price, order.stop_price, None)]
    list_id = resting_client_order_id(config.id, order.key, generation, "list")
    stop = order.oco_stop
    return [
        record("tp", order.type, order.price, None, list_id),
        record("sl", OrderType.STOP_LOSS_LIMIT, stop.limit_price, stop.stop_price, list_id),
    ]


def resting_view(records: Sequence[BotOrderRecord]) -> dict[str, WantedOrder]:
    """What rests, by key, on the terms it was placed with (an OCO's two legs as one wanted order). A record
    filled beyond its booking but no longer open is not resting."""
    by_key: dict[str, list[BotOrderRecord]] = {}
    for record in records:
        if record.is_open:
            by_key.setdefault(record.key, []).append(record)
    view: dict[str, WantedOrder] = {}
    for key, legs in by_key.items():
        head = next((r for r in legs if r.type is not OrderType.STOP_LOSS_LIMIT or len(legs) == 1), legs[0])
        stop = next((r for r in legs if r.order_list_id and r.type is OrderType.STOP_LOSS_LIMIT), None)
        view[key] = WantedOrder(
            key=key, purpose=head.purpose, leg="", reason="", side=head.side, type=head.type,
            quantity=head.quantity, price=head.price or Decimal(0), stop_price=head.stop_price,
            oco_stop=None if stop is None else StopLeg(stop.stop_price or Decimal(0), stop.price or Decimal(0)),
        )  # fmt: skip
    return view


# `last` (the last close) is the reference the exchange checks the price band by, so it needs no avgPrice call.
def order_request(config: BotConfig, record: BotOrderRecord, last: Decimal | None = None) -> OrderRequest:
    return OrderRequest(
        symbol=config.symbol, side=record.side, type=record.type, quantity=record.quantity,
        client_order_id=record.client_order_id, price=record.price, stop_price=record.stop_price,
        reference_price=last,
    )  # fmt: skip


def oco_request(
    config: BotConfig, order: WantedOrder, records: list[BotOrderRecord], last: Decimal | None = None
) -> OcoRequest:
    take, stop = sorted(records, key=lambda r: r.type is OrderType.STOP_LOSS_LIMIT)
    assert order.oco_stop is not None and take.order_list_id is not None
    return OcoRequest(
        symbol=config.symbol, quantity=order.quantity, list_client_order_id=take.order_list_id,
        take_profit_client_order_id=take.client_order_id, take_profit_price=order.price,
        stop_client_order_id=stop.client_order_id, stop_price=order.oco_stop.stop_price,
        stop_limit_price=order.oco_stop.limit_price, reference_price=last,
    )  # fmt: skip
