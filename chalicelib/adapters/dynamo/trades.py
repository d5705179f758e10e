"""The trades table: one item per fill, keyed by user and by bot (the `by_bot` index), written with the bot's
state in one transaction (bots.py) and read page by page."""

from __future__ import annotations

import base64
import json
from decimal import Decimal

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex

from chalicelib.adapters.aws_errors import AwsBoundary
from chalicelib.adapters.dynamo.base import Model, table_meta
from chalicelib.domain.trades import Trade, TradeFilter


class TradesByBot(GlobalSecondaryIndex["TradeModel"]):
    class Meta:
        index_name = "by_bot"
        projection = AllProjection()

    bot_id = UnicodeAttribute(hash_key=True)
    trade_key = UnicodeAttribute(range_key=True)


class TradeModel(Model):
    Meta = table_meta("trades")
    user_id = UnicodeAttribute(hash_key=True)
    trade_key = UnicodeAttribute(range_key=True)
    bot_id = UnicodeAttribute()
    trade_id = UnicodeAttribute()
    symbol = UnicodeAttribute()
    side = UnicodeAttribute()
    price = UnicodeAttribute()
    quantity = UnicodeAttribute()
    quote_quantity = UnicodeAttribute()
    fee = UnicodeAttribute()
    fee_asset = UnicodeAttribute()
    realised_pnl = UnicodeAttribute(null=True)
    executed_at_ms = NumberAttribute()
    mode = UnicodeAttribute()
    reason = UnicodeAttribute()
    exchange_order_id = UnicodeAttribute()
    group = UnicodeAttribute(null=True)
    net_quantity = UnicodeAttribute(null=True)
    note = UnicodeAttribute(null=True)
    by_bot = TradesByBot()


def trade_from_model(m: TradeModel) -> Trade:
    return Trade(
        id=m.trade_id,
        user_id=m.user_id,
        bot_id=m.bot_id,
        symbol=m.symbol,
        side=m.side,
        price=Decimal(m.price),
        quantity=Decimal(m.quantity),
        quote_quantity=Decimal(m.quote_quantity),
        fee=Decimal(m.fee),
        fee_asset=m.fee_asset,
        realised_pnl=None if m.realised_pnl is None else Decimal(m.realised_pnl),
        executed_at_ms=int(m.executed_at_ms),
        mode=m.mode,
        reason=m.reason,
        exchange_order_id=m.exchange_order_id,
        group=m.group or "main",
        net_quantity=None if m.net_quantity is None else Decimal(m.net_quantity),
        note=m.note,
    )


def trade_model(t: Trade) -> TradeModel:
    return TradeModel(
        user_id=t.user_id,
        trade_key=t.key,
        bot_id=t.bot_id,
        trade_id=t.id,
        symbol=t.symbol,
        side=t.side,
        price=str(t.price),
        quantity=str(t.quantity),
        quote_quantity=str(t.quote_quantity),
        fee=str(t.fee),
        fee_asset=t.fee_asset,
        realised_pnl=None if t.realised_pnl is None else str(t.realised_pnl),
        executed_at_ms=t.executed_at_ms,
        mode=t.mode,
        reason=t.reason,
        exchange_order_id=t.exchange_order_id,
        group=t.group,
        net_quantity=None if t.net_quantity is None else str(t.net_quantity),
        note=t.note,
    )


class DynamoTradeRepository(AwsBoundary):
    def query(self, user_id: str, flt: TradeFilter, cursor: str | None, limit: int) -> tuple[list[Trade], str | None]:
        low = f"{flt.start_ms or 0:013d}"
        high = f"{flt.end_ms if flt.end_ms is not None else 9_999_999_999_999:013d}~"
        condition = None
        if flt.symbol:
            condition = TradeModel.symbol == flt.symbol
        if flt.side:
            side = TradeModel.side == flt.side
            condition = side if condition is None else condition & side
        start_key = json.loads(base64.urlsafe_b64decode(cursor.encode())) if cursor else None
        if flt.bot_id:
            owner = TradeModel.user_id == user_id
            condition = owner if condition is None else condition & owner
            results = TradeModel.by_bot.query(
                flt.bot_id,
                TradeModel.trade_key.between(low, high),
                filter_condition=condition,
                scan_index_forward=False,
                limit=limit,
                last_evaluated_key=start_key,
            )
        else:
            results = TradeModel.query(
                user_id,
                TradeModel.trade_key.between(low, high),
                filter_condition=condition,
                scan_index_forward=False,
                limit=limit,
                last_evaluated_key=start_key,
            )
        items = [trade_from_model(m) for m in results]
        last = results.last_evaluated_key
        next_cursor = base64.urlsafe_b64encode(json.dumps(last).encode()).decode() if last else None
        return items, next_cursor
