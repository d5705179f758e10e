"""A signal applied to its bot through the tick's exactly-once machinery: the same state record and
version, the intent saved BEFORE the order is sent (client order id from bot, signal id and leg), a lookup by
that id when a previous delivery's outcome is unknown, and one Trade per fill (OrderExecutor).

Signals do not move `last_tick_at`: the intent is saved with `pending_tick_at` = the last tick, so the bot's
scheduled ticks (and their risk rules) are neither skipped nor repeated because of a signal."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from chalicelib.domain.bots import BotConfig, BotState, PendingOrder
from chalicelib.domain.clock import Clock
from chalicelib.domain.engine_state import state_from_dict, state_to_dict
from chalicelib.domain.errors import ExchangeRejected, Unavailable
from chalicelib.domain.signals import Holdings, SignalRefused, check_fresh, plan_order, signal_order_id
from chalicelib.services.ports.bots import BotStateStore, ExchangeFactory
from chalicelib.services.ports.exchange import Exchange
from chalicelib.services.ports.signals import SignalRecord
from chalicelib.services.tick.booking import cash_of
from chalicelib.services.tick.execution import OrderExecutor, TickOutcome

LEGS = ("entry", "exit")
ADDS = "signal_adds"  # engine.extra: buys added to the open position by signals


class BotBusy(Unavailable):
    """Another order of the bot is still pending (a tick's unknown outcome): retried after the tick settles it."""


@dataclass(frozen=True)
class SignalResult:
    status: str  # executed | refused | stale
    reason: str | None = None
    message: str | None = None
    order_ids: tuple[str, ...] = ()


class SignalExecutor:
    def __init__(
        self,
        *,
        states: BotStateStore,
        exchanges: ExchangeFactory,
        orders: OrderExecutor,
        price: Callable[[BotConfig], Decimal | None],
        sync_budget: Callable[[BotConfig, BotState], BotState],
        clock: Clock,
    ) -> None:
        self._states = states
        self._exchanges = exchanges
        self._orders = orders
        self._price = price
        self._sync_budget = sync_budget
        self._clock = clock

    def apply(
        self, config: BotConfig, params: dict[str, Any], record: SignalRecord, mark_placing: Callable[[], None]
    ) -> SignalResult:
        state = self._states.get(config.id)
        if state is None:
            return SignalResult("refused", "bot_gone", "the bot has no state")
        ids = {signal_order_id(config.id, record.signal_id, leg) for leg in LEGS}
        exchange = self._exchanges.for_bot(config)
        if any(p.client_order_id in ids for p in state.pending):
            # A previous delivery saved the intent and did not finish: look it up, never send it twice.
            return self._finish(config, state, exchange, ids, resuming=True)
        if state.pending:
            raise BotBusy("an earlier order of this bot is still being settled", code="bot_busy")
        if record.status == "placing":
            found = tuple(c for c in sorted(ids) if exchange.get_order_by_client_id(config.symbol, c) is not None)
            if found:
                return SignalResult("executed", order_ids=found)
        try:
            check_fresh(record.sent_at_ms, record.received_at_ms, self._clock.now_ms(), int(params["max_lag_s"]))
            pending_state = self._intent(config, params, record, state, exchange)
        except SignalRefused as refusal:
            return SignalResult("stale" if refusal.reason == "stale" else "refused", refusal.reason, refusal.message)
        mark_placing()
        self._states.put(pending_state, expected_version=state.version)
        return self._finish(config, pending_state, exchange, ids, resuming=False)

    def _intent(
        self, config: BotConfig, params: dict[str, Any], record: SignalRecord, state: BotState, exchange: Exchange
    ) -> BotState:
        price = self._price(config)
        if price is None or price <= 0:
            raise SignalRefused("no_price", "no market price for the symbol yet")
        rules = exchange.symbol_rules(config.symbol)
        state = self._sync_budget(config, state)
        engine = state_from_dict(state.engine)
        adds = int(engine.extra.get(ADDS, 0)) if state.position_qty > 0 else 0
        held = Holdings(
            budget=config.budget,
            cash=cash_of(state),
            position_qty=state.position_qty,
            adds=adds,
            price=price,
            min_notional=rules.notional.min_notional if rules.notional else Decimal(0),
        )
        order = plan_order(record.action, params, held)
        engine.extra[ADDS] = float(adds + 1 if order.side == "BUY" and state.position_qty > 0 else 0)
        intent = PendingOrder(
            client_order_id=signal_order_id(config.id, record.signal_id, order.leg),
            leg=order.leg,
            side=order.side,
            reason="signal",
            quote_amount=str(order.quote_amount) if order.quote_amount is not None else None,
            quantity=str(order.quantity) if order.quantity is not None else None,
        )
        return state.next(
            engine=state_to_dict(engine, strategy_id=config.strategy),
            pending=(intent,),
            pending_tick_at=state.last_tick_at,
            last_price=price,
        )

    def _finish(
        self, config: BotConfig, state: BotState, exchange: Exchange, ids: set[str], *, resuming: bool
    ) -> SignalResult:
        mine = tuple(p.client_order_id for p in state.pending if p.client_order_id in ids)
        try:
            outcome: TickOutcome = self._orders.execute(
                config, state, exchange, state.pending_tick_at or 0, resuming=resuming
            )
        except ExchangeRejected as exc:
            return SignalResult("refused", "exchange_rejected", f"{exc.message} (exchange code {exc.exchange_code})")
        if not outcome.trades and not outcome.orders_placed and not resuming:
            return SignalResult("refused", "below_minimum_notional", "the order was below what the symbol accepts")
        return SignalResult("executed", order_ids=mine)
