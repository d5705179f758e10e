"""A filled order booked into a bot's state through the ledger: the account position (Decimal) and the
strategy's lots (the engine state), plus the trade record and the user's notification."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import Any

from chalicelib.domain import ledger
from chalicelib.domain.bots import BotConfig, BotState, PendingOrder
from chalicelib.domain.display import Precision
from chalicelib.domain.engine import apply_fill, apply_fill_detailed
from chalicelib.domain.ledger import ClosedTrade, LegFill, Position, PricedFill
from chalicelib.domain.notifications import about_bot, bot_data
from chalicelib.domain.orders import Order, Side
from chalicelib.domain.strategies.base import group_of
from chalicelib.domain.symbols import SymbolRules
from chalicelib.domain.trades import Trade
from chalicelib.services.ports.bots import BotEvent

# A take-profit that lost says why in the user's notification too (docs/accounting.md).
NOTE_TEXT = {
    ledger.FEES_EXCEED_MOVE: "the fees exceeded the price move",
    ledger.FILLED_BELOW_ENTRY: "filled below the entry price",
}


# Why a sell happened, in the words a trader uses.
REASON_TEXT = {
    "stop_loss": "stop-loss hit",
    "take_profit": "take-profit hit",
    "trailing_stop": "trailing stop hit",
    "manual_close": "closed by you",
    "signal": "strategy signal",
}


def cash_of(state: BotState) -> Decimal:
    return state.cash if state.cash is not None else Decimal(0)


def position_of(state: BotState) -> Position:
    return Position(
        quantity=state.position_qty,
        cost=state.position_cost,
        fees_paid=state.fees_paid,
        realised_pnl=state.realised_pnl,
        cash=cash_of(state),
        dust=state.dust_qty,
        open_fees=state.open_fees,
        dust_cost=state.dust_cost,
    )


def with_position(state: BotState, pos: Position, engine: dict[str, Any]) -> BotState:
    """The stored state's fields are the ledger's position (a bot never funded keeps `cash` unset)."""
    cash = pos.cash if state.cash is not None or pos.cash != 0 else None
    return replace(
        state,
        engine=engine,
        position_qty=pos.quantity,
        position_cost=pos.cost,
        fees_paid=pos.fees_paid,
        realised_pnl=pos.realised_pnl,
        cash=cash,
        dust_qty=pos.dust,
        open_fees=pos.open_fees,
        dust_cost=pos.dust_cost,
    )


def _min_notional(rules: SymbolRules) -> Decimal:
    return rules.notional.min_notional if rules.notional else Decimal(0)


def _engine_after(state: BotState, pending: PendingOrder, fill: LegFill) -> tuple[dict[str, Any], ClosedTrade | None]:
    if pending.leg == "close" or not state.engine:
        # A manual close ends every position group at once: the strategy starts afresh.
        return {}, None
    return apply_fill_detailed(state.engine, fill)


def _basis(closed: ClosedTrade | None) -> tuple[Decimal, Decimal] | None:
    """The cost and entry fees the lot book closed, at the Decimal boundary (shortest float repr)."""
    return None if closed is None else (Decimal(repr(closed.cost)), Decimal(repr(closed.entry_fee)))


def book_order(
    config: BotConfig, state: BotState, rules: SymbolRules, pending: PendingOrder, order: Order
) -> tuple[BotState, Trade, BotEvent]:
    qty = order.executed_quantity
    price = order.average_price or Decimal(0)
    priced = ledger.price_fill(order, rules.base_asset, rules.quote_asset)
    pos = position_of(state)
    residue = Decimal(0)
    if order.side is Side.SELL:
        # A sell rounded down to the lot step leaves a residue too small to ever sell: the engine closes
        # the whole lot, and the residue keeps its share of the basis as dust instead of a position.
        intended = Decimal(pending.quantity or qty)
        step = rules.lot_size.step_size
        residue = ledger.sell_residue(pos.quantity, intended, qty, price, _min_notional(rules), step)
    fill = LegFill(
        pending.leg, order.side, price, priced.quantity + residue, priced.fee, order.created_at_ms, pending.reason
    )
    engine, closed = _engine_after(state, pending, fill)
    group = "all" if pending.leg == "close" else group_of(pending.leg)
    if order.side is Side.BUY:
        pos = ledger.book_buy(pos, priced.quantity, priced.notional, priced.fee)
        trade = _trade(config, rules, pending, order, priced, group, None, priced.quantity)
        kind = "trade_opened"
    else:
        sale = ledger.book_sell(pos, qty, residue, priced.notional, priced.fee, _basis(closed))
        pos, note = sale.position, ledger.exit_note(pending.reason, sale.gross, sale.realised)
        trade = _trade(config, rules, pending, order, priced, group, (sale.realised, note), qty + residue)
        kind = "stop_loss" if pending.reason == "stop_loss" else "trade_closed"
    message = about_bot(config.name, config.id, fill_text(trade, Precision.of(rules)))
    data = {"trade_id": trade.id, **bot_data(config.name, config.id)}
    event = BotEvent(config.user_id, config.id, kind, message, data)
    return with_position(state, pos, engine), trade, event


def fill_text(trade: Trade, p: Precision) -> str:
    """What the fill did, with the numbers exactly as the trade row shows them: the price at the symbol's
    tick, the quantity the order executed (before a base-asset fee) at its lot step, money at the quote's
    precision."""
    asset = f"{p.base_asset} on {trade.symbol}" if p.base_asset else trade.symbol
    amount = f"{p.qty_text(trade.quantity)} {asset} at {p.price_text(trade.price)}"
    value, fee = p.money_text(trade.quote_quantity), p.money_text(trade.fee)
    if trade.side == Side.BUY.value:
        return f"Bought {amount} for {value} (fee {fee})"
    why = REASON_TEXT.get(trade.reason or "", (trade.reason or "").replace("_", " "))
    text = f"Sold {amount} for {value} ({why}); PnL {p.money_text(trade.realised_pnl or Decimal(0))}, fee {fee}"
    return text + (f" ({NOTE_TEXT[trade.note]})" if trade.note in NOTE_TEXT else "")


def _trade(
    config: BotConfig,
    rules: SymbolRules,
    pending: PendingOrder,
    order: Order,
    priced: PricedFill,
    group: str,
    outcome: tuple[Decimal, str | None] | None,
    net_quantity: Decimal,
) -> Trade:
    return Trade(
        id=order.client_order_id,
        user_id=config.user_id,
        bot_id=config.id,
        symbol=config.symbol,
        side=order.side.value,
        price=order.average_price or Decimal(0),
        quantity=order.executed_quantity,
        quote_quantity=order.quote_quantity,
        fee=priced.fee,
        # Fees are valued in the quote asset whatever the exchange charged them in (base, BNB).
        fee_asset=rules.quote_asset,
        realised_pnl=None if outcome is None else outcome[0],
        executed_at_ms=order.created_at_ms,
        mode=config.mode.value,
        reason=pending.reason,
        exchange_order_id=order.exchange_order_id,
        group=group,
        net_quantity=net_quantity,
        note=None if outcome is None else outcome[1],
    )


def write_off_dust(config: BotConfig, state: BotState, pending: PendingOrder, now_ms: int) -> tuple[BotState, BotEvent]:
    """A position below the symbol's minimum order value cannot be sold: tell the user once and stop
    trying, instead of failing every tick."""
    qty = state.position_qty
    if pending.side != Side.SELL.value:
        skipped = "The buy was too small for the symbol's minimum order value and was skipped."
        message = about_bot(config.name, config.id, skipped)
        return state, BotEvent(config.user_id, config.id, "dust", message, _dust_data(config, qty))
    engine = state.engine
    if qty > 0 and state.engine:
        price = state.last_price or Decimal(0)
        engine = apply_fill(state.engine, LegFill(pending.leg, Side.SELL, price, qty, Decimal(0), now_ms, "dust"))
    # The dust is below the lot step by definition: its quantity is shown whole, not rounded to the step.
    text = f"{qty} {config.symbol} is below the minimum order value and cannot be sold; it stays in the account as dust"
    new_state = with_position(state, ledger.write_off(position_of(state)), engine)
    message = about_bot(config.name, config.id, text + ".")
    event = BotEvent(config.user_id, config.id, "dust", message, _dust_data(config, qty))
    return new_state, event


def _dust_data(config: BotConfig, qty: Decimal) -> dict[str, str]:
    return {"quantity": str(qty), **bot_data(config.name, config.id)}
