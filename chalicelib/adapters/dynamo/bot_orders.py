"""The bot-orders table (infra/stack.yaml BotOrdersTable): the platform's record of every order a bot placed
that can rest on the exchange (services/ports/bot_orders.py).

pk=<bot_id>  sk=<created_at ms, 13 digits>#<client order id>   one item per order, newest last
`open_bot` (= bot_id) is set only while the order needs the tick's attention (open on the exchange, or filled
beyond what the ledger booked): the sparse `open_by_bot` index then holds exactly the bot's open orders, so
the tick reads them in one Query however many orders the bot placed over its life. The state's transaction
writes these items with the fills they book (bots.py `put_with_orders`)."""

from __future__ import annotations

import base64
import json
from decimal import Decimal
from typing import Any

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex

from chalicelib.adapters.aws_errors import AwsBoundary
from chalicelib.adapters.dynamo.base import Model, table_meta
from chalicelib.domain.orders import OrderStatus, OrderType, Side
from chalicelib.domain.resting import OrderPurpose
from chalicelib.services.ports.bot_orders import BotOrderPage, BotOrderRecord


class OpenByBot(GlobalSecondaryIndex["BotOrderModel"]):
    class Meta:
        index_name = "open_by_bot"
        projection = AllProjection()

    open_bot = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)


class BotOrderModel(Model):
    Meta = table_meta("bot-orders")
    bot_id = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    user_id = UnicodeAttribute()
    client_order_id = UnicodeAttribute()
    key = UnicodeAttribute()
    generation = NumberAttribute()
    purpose = UnicodeAttribute()
    symbol = UnicodeAttribute()
    side = UnicodeAttribute()
    type = UnicodeAttribute()
    quantity = UnicodeAttribute()
    price = UnicodeAttribute(null=True)
    stop_price = UnicodeAttribute(null=True)
    status = UnicodeAttribute()
    filled_quantity = UnicodeAttribute()
    booked_quantity = UnicodeAttribute()
    average_price = UnicodeAttribute(null=True)
    created_at = NumberAttribute()
    updated_at = NumberAttribute()
    order_list_id = UnicodeAttribute(null=True)
    open_bot = UnicodeAttribute(null=True)
    leg = UnicodeAttribute(null=True)
    reason = UnicodeAttribute(null=True)
    open_by_bot = OpenByBot()


def needs_attention(record: BotOrderRecord) -> bool:
    """Open on the exchange, or filled beyond what is booked: the tick must look at it again."""
    return record.is_open or record.filled_quantity > record.booked_quantity


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def order_model(r: BotOrderRecord) -> BotOrderModel:
    return BotOrderModel(
        bot_id=r.bot_id, sk=f"{r.created_at:013d}#{r.client_order_id}", user_id=r.user_id,
        client_order_id=r.client_order_id, key=r.key, generation=r.generation, purpose=r.purpose.value,
        symbol=r.symbol, side=r.side.value, type=r.type.value, quantity=str(r.quantity), price=_text(r.price),
        stop_price=_text(r.stop_price), status=r.status.value, filled_quantity=str(r.filled_quantity),
        booked_quantity=str(r.booked_quantity), average_price=_text(r.average_price), created_at=r.created_at,
        updated_at=r.updated_at, order_list_id=r.order_list_id, open_bot=r.bot_id if needs_attention(r) else None,
        leg=r.leg or None, reason=r.reason or None,
    )  # fmt: skip


def _dec(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)


def record_from_model(m: BotOrderModel) -> BotOrderRecord:
    return BotOrderRecord(
        user_id=m.user_id, bot_id=m.bot_id, client_order_id=m.client_order_id, key=m.key,
        generation=int(m.generation), purpose=OrderPurpose(m.purpose), symbol=m.symbol, side=Side(m.side),
        type=OrderType(m.type), quantity=Decimal(m.quantity), price=_dec(m.price), stop_price=_dec(m.stop_price),
        status=OrderStatus(m.status), filled_quantity=Decimal(m.filled_quantity),
        average_price=_dec(m.average_price), created_at=int(m.created_at), updated_at=int(m.updated_at),
        order_list_id=m.order_list_id, booked_quantity=Decimal(m.booked_quantity), leg=m.leg or "",
        reason=m.reason or "",
    )  # fmt: skip


def _encode(last: dict[str, Any] | None) -> str | None:
    return base64.urlsafe_b64encode(json.dumps(last).encode()).decode() if last else None


def _decode(cursor: str | None, bot_id: str) -> dict[str, Any] | None:
    if not cursor:
        return None
    start = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    # A cursor names a key: one from another bot's orders must not page through them.
    if not isinstance(start, dict) or start.get("bot_id", {}).get("S") != bot_id:
        raise ValueError("cursor of another bot")
    return start


class DynamoBotOrderStore(AwsBoundary):
    def put(self, record: BotOrderRecord) -> None:
        order_model(record).save()

    def open_for(self, bot_id: str) -> list[BotOrderRecord]:
        return [record_from_model(m) for m in BotOrderModel.open_by_bot.query(bot_id)]

    def page(self, user_id: str, bot_id: str, *, open_only: bool, limit: int, cursor: str | None) -> BotOrderPage:
        start = _decode(cursor, bot_id)
        owner = BotOrderModel.user_id == user_id
        if open_only:
            results = BotOrderModel.open_by_bot.query(
                bot_id, filter_condition=owner, scan_index_forward=False, limit=limit, last_evaluated_key=start
            )
        else:
            results = BotOrderModel.query(
                bot_id, filter_condition=owner, scan_index_forward=False, limit=limit, last_evaluated_key=start
            )
        items = [record_from_model(m) for m in results]
        return BotOrderPage(items=items, next_cursor=_encode(results.last_evaluated_key))

    def count_open(self, bot_id: str) -> int:
        return int(BotOrderModel.open_by_bot.count(bot_id))
