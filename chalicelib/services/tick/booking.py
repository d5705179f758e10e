"""A filled order booked into a bot's state through the ledger: the account position (Decimal) and the
strategy's lots (the engine state), plus the trade record and the user's notification."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import Any

from chalicelib.domain import ledger
from chalicelib.domain.bots import BotConfig, BotState, PendingOrder
from chalicelib.domain.engine import apply_fill
from chalicelib.domain.ledger import LegFill, Position
from chalicelib.domain.orders import Order, Side
from chalicelib.domain.symbols import SymbolRules
from chalicelib.domain.trades import Trade
from chalicelib.services.ports.bots import BotEvent


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
    )


def _min_notional(rules: SymbolRules) -> Decimal:
    return rules.notional.min_notional if rules.notional else Decimal(0)


def _engine_after(state: BotState, pending: PendingOrder, fill: LegFill) -> dict[str, Any]:
    if pending.leg == "close" or not state.engine:
        # A manual close ends every position group at once: the strategy starts afresh.
        return {}
    return apply_fill(state.engine, fill)


def book_order(
    config: BotConfig, state: BotState, rules: SymbolRules, pending: PendingOrder, order: Order
) -> tuple[BotState, Trade, BotEvent]:
    qty = order.executed_quantity
    price = order.average_price or Decimal(0)
    fee_quote, net_qty = ledger.value_fees(order, rules.base_asset, rules.quote_asset)
    pos = position_of(state)
    residue = Decimal(0)
    if order.side is Side.SELL:
        # A sell rounded down to the lot step leaves a residue too small to ever sell: the engine closes
        # the whole lot, and the residue is booked as dust instead of a position.
        intended = Decimal(pending.quantity or qty)
        step = rules.lot_size.step_size
        residue = ledger.sell_residue(pos.quantity, intended, qty, price, _min_notional(rules), step)
    fill = LegFill(pending.leg, order.side, price, net_qty + residue, fee_quote, order.created_at_ms, pending.reason)
    engine = _engine_after(state, pending, fill)
    realised: Decimal | None = None
    if order.side is Side.BUY:
        pos = ledger.book_buy(pos, net_qty, order.quote_quantity, fee_quote)
        kind, message = "trade_opened", f"Bought {net_qty} {config.symbol} at {price:.8f}"
    else:
        pos, realised = ledger.book_sell(pos, qty, residue, order.quote_quantity, fee_quote)
        kind = "stop_loss" if pending.reason == "stop_loss" else "trade_closed"
        message = f"Sold {qty} {config.symbol} at {price:.8f} ({pending.reason}); PnL {realised:.2f}"
    trade = _trade(config, rules, pending, order, fee_quote, realised)
    event = BotEvent(config.user_id, config.id, kind, message, {"trade_id": trade.id})
    return with_position(state, pos, engine), trade, event


def _trade(
    config: BotConfig, rules: SymbolRules, pending: PendingOrder, order: Order, fee: Decimal, realised: Decimal | None
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
        fee=fee,
        # Fees are valued in the quote asset whatever the exchange charged them in (base, BNB).
        fee_asset=rules.quote_asset,
        realised_pnl=realised,
        executed_at_ms=order.created_at_ms,
        mode=config.mode.value,
        reason=pending.reason,
        exchange_order_id=order.exchange_order_id,
    )


def write_off_dust(config: BotConfig, state: BotState, pending: PendingOrder, now_ms: int) -> tuple[BotState, BotEvent]:
    """A position below the symbol's minimum order value cannot be sold: tell the user once and stop
    trying, instead of failing every tick."""
    qty = state.position_qty
    if pending.side != Side.SELL.value:
        message = "The buy was too small for the symbol's minimum order value and was skipped."
        return state, BotEvent(config.user_id, config.id, "dust", message, {"quantity": str(qty)})
    engine = state.engine
    if qty > 0 and state.engine:
        price = state.last_price or Decimal(0)
        engine = apply_fill(state.engine, LegFill(pending.leg, Side.SELL, price, qty, Decimal(0), now_ms, "dust"))
    message = (
        f"{qty} {config.symbol} is below the minimum order value and cannot be sold; it stays in the "
        "account as dust."
    )
    new_state = with_position(state, ledger.write_off(position_of(state)), engine)
    return new_state, BotEvent(config.user_id, config.id, "dust", message, {"quantity": str(qty)})
