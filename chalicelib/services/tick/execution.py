"""Sending a tick's saved order intents and booking what filled, in one conditional write.

Unknown outcomes are not retried here: the exchange adapter resolves them by lookup under its one retry
policy, and whatever it could not resolve stays pending for the next delivery to look up again."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal

from chalicelib.domain.bots import BotConfig, BotState, PendingOrder
from chalicelib.domain.clock import Clock
from chalicelib.domain.errors import ExchangeRejected
from chalicelib.domain.orders import OrderRequest, OrderType, Side
from chalicelib.domain.plan import BUY_HEADROOM, DEFAULT_FEE_RATE
from chalicelib.domain.symbols import SymbolRules
from chalicelib.domain.trades import Trade
from chalicelib.services.ports.bots import BotEvent, BotStateStore, Notifier
from chalicelib.services.ports.exchange import Exchange
from chalicelib.services.tick.booking import book_order, write_off_dust


@dataclass
class TickOutcome:
    result: str  # done | no_trade | duplicate | not_running | gone | warming_up | repaired | rejected
    orders_placed: int = 0
    trades: list[Trade] = field(default_factory=list)
    error: str | None = None


@dataclass
class _Run:
    """What one pass over the pending intents has done so far."""

    state: BotState
    trades: list[Trade] = field(default_factory=list)
    events: list[BotEvent] = field(default_factory=list)
    placed: int = 0
    rejected: ExchangeRejected | None = None


class OrderExecutor:
    def __init__(self, states: BotStateStore, notifier: Notifier, clock: Clock) -> None:
        self._states = states
        self._notifier = notifier
        self._clock = clock

    def execute(
        self, config: BotConfig, state: BotState, exchange: Exchange, tick_at: int, *, resuming: bool
    ) -> TickOutcome:
        rules = exchange.symbol_rules(config.symbol)
        run = _Run(state)
        for pending in state.pending:
            if not self._one(config, run, exchange, rules, pending, tick_at, resuming):
                break
        final = run.state.next(
            pending=(),
            pending_tick_at=None,
            last_tick_at=max(run.state.last_tick_at, run.state.pending_tick_at or tick_at),
            consecutive_failures=0,
            last_error=None,
            trades_count=run.state.trades_count + len(run.trades),
        )
        # Fills above changed the state without bumping its version: it still names the stored record.
        self._states.put_with_trades(final, expected_version=run.state.version, trades=run.trades)
        if run.events:
            self._notifier.publish(run.events)
        if run.rejected is not None:
            raise run.rejected
        return TickOutcome("done", orders_placed=run.placed, trades=run.trades)

    def _one(
        self,
        config: BotConfig,
        run: _Run,
        exchange: Exchange,
        rules: SymbolRules,
        pending: PendingOrder,
        tick_at: int,
        resuming: bool,
    ) -> bool:
        """Send (or find) one intent and book its fill; False stops the pass (the exchange rejected it)."""
        order = exchange.get_order_by_client_id(config.symbol, pending.client_order_id) if resuming else None
        if order is None:
            if resuming and run.state.pending_tick_at != tick_at:
                return True  # a stale signal from an older bar is not traded late
            request = build_request(config, run.state, rules, pending)
            if request is None:
                run.state, dust_event = write_off_dust(config, run.state, pending, self._clock.now_ms())
                run.events.append(dust_event)
                return True
            try:
                order = exchange.place_order(request)
            except ExchangeRejected as exc:
                # Legs already filled in this tick are still booked before the bot stops.
                run.rejected = exc
                return False
            run.placed += 1
        if order.executed_quantity > 0:
            run.state, trade, event = book_order(config, run.state, rules, pending, order)
            run.trades.append(trade)
            run.events.append(event)
        return True


def build_request(config: BotConfig, state: BotState, rules: SymbolRules, pending: PendingOrder) -> OrderRequest | None:
    """The market order for an intent, or None when it is below what the symbol accepts (dust)."""
    price = state.last_price or Decimal(0)
    if pending.side == Side.BUY.value:
        quote = Decimal(pending.quote_amount or "0")
        if price <= 0 or quote <= 0:
            return None
        quantity = (quote * BUY_HEADROOM / (price * (1 + DEFAULT_FEE_RATE))).quantize(Decimal("1e-8"), ROUND_DOWN)
    else:
        quantity = _sell_quantity(state, rules, pending, price)
    if quantity <= 0:
        return None
    return OrderRequest(
        symbol=config.symbol,
        side=Side(pending.side),
        type=OrderType.MARKET,
        quantity=quantity,
        client_order_id=pending.client_order_id,
        reference_price=price,
    )


def _sell_quantity(state: BotState, rules: SymbolRules, pending: PendingOrder, price: Decimal) -> Decimal:
    quantity = min(Decimal(pending.quantity or "0"), state.position_qty)
    remainder = state.position_qty - quantity
    minimum = rules.notional.min_notional if rules.notional else Decimal(0)
    # Never leave a remainder too small to sell later: sell it all now instead.
    if remainder > 0 and remainder * price < minimum:
        quantity = state.position_qty
    if quantity * price < minimum or quantity < rules.quantity_filter(market=True).min_qty:
        return Decimal(0)
    return quantity
