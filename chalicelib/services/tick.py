"""One bot tick, exactly once in effect under at-least-once delivery.

Order of work: load config + state (+ cached candles) -> skip if this tick is done -> settle orders a
previous delivery left pending -> decide on closed candles -> save the order intents (client order ids
derived from bot, tick and leg) BEFORE sending -> place -> record trades and state in one transaction.
Every state write is conditional on the version read, so a concurrent copy of the same tick loses the
race and does nothing; a crash after placing and before saving is repaired by looking the order up."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from decimal import ROUND_DOWN, Decimal
from typing import Any

from chalicelib.domain.bots import BotConfig, BotState, BotStatus, PendingOrder, client_order_id
from chalicelib.domain.candles import INTERVAL_MS, Candle, CandleSeries
from chalicelib.domain.clock import Clock
from chalicelib.domain.engine import Balances, Fill, apply_fill, decide
from chalicelib.domain.errors import ExchangeRejected, ExchangeTemporaryError, OrderOutcomeUnknown
from chalicelib.domain.orders import Order, OrderRequest, OrderType, Side
from chalicelib.domain.retry import STATE_WRITE
from chalicelib.domain.strategies import validate_params, warmup_bars
from chalicelib.domain.symbols import SymbolRules
from chalicelib.domain.trades import Trade
from chalicelib.services.ports.bots import (
    BotEvent,
    BotStateStore,
    BotStatusWriter,
    CandleCache,
    ExchangeFactory,
    Notifier,
    StateConflict,
    TickReader,
)
from chalicelib.services.ports.exchange import Exchange
from chalicelib.services.ports.market import MarketData

# Room left between the quote an all-in buy may spend and the quantity ordered, for the move from the
# last close to the fill and for rounding; a live order slightly over the balance would be rejected.
BUY_HEADROOM = Decimal("0.998")
DEFAULT_FEE_RATE = Decimal("0.001")
CANDLES_PER_FETCH = 500


@dataclass
class TickOutcome:
    result: str  # done | no_trade | duplicate | not_running | gone | warming_up | repaired | rejected
    orders_placed: int = 0
    trades: list[Trade] = field(default_factory=list)
    error: str | None = None


class TickService:
    def __init__(
        self,
        *,
        reader: TickReader,
        states: BotStateStore,
        exchanges: ExchangeFactory,
        market: MarketData,
        candles: CandleCache,
        notifier: Notifier,
        status: BotStatusWriter,
        clock: Clock,
        max_failures: int = 5,
        lookup_attempts: int = 3,
        sleep: Callable[[float], None] | None = None,
    ) -> None:
        self._reader = reader
        self._states = states
        self._exchanges = exchanges
        self._market = market
        self._candles = candles
        self._notifier = notifier
        self._status = status
        self._clock = clock
        self._max_failures = max_failures
        self._lookup_attempts = lookup_attempts
        self._sleep = sleep or (lambda _s: None)

    # --- entry point ---------------------------------------------------------------------------

    def run(
        self, user_id: str, bot_id: str, tick_at: int, symbol: str | None = None, interval: str | None = None
    ) -> TickOutcome:
        config, state, cached = self._reader.load(user_id, bot_id, symbol, interval, tick_at)
        if config is None or state is None:
            return TickOutcome("gone")
        if config.status is not BotStatus.RUNNING:
            return TickOutcome("not_running")
        if tick_at <= state.last_tick_at:
            return TickOutcome("duplicate")
        if config.symbol != symbol or config.interval != interval:
            cached = None
        try:
            return self._run(config, state, tick_at, cached)
        except StateConflict:
            # Another delivery of this tick holds it; its own result counts.
            return TickOutcome("duplicate")
        except ExchangeRejected as exc:
            self._stop_with_error(config, f"{exc.message} (exchange code {exc.exchange_code})")
            return TickOutcome("rejected", error=exc.message)

    def record_failure(self, user_id: str, bot_id: str, error: str) -> bool:
        """Count a failed attempt; True when the bot was moved to `error` by it."""
        return bool(STATE_WRITE.until(lambda: self._count_failure(user_id, bot_id, error)))

    def _count_failure(self, user_id: str, bot_id: str, error: str) -> bool | None:
        """One try of `record_failure`; None when another writer moved the state first (tried again)."""
        state = self._states.get(bot_id)
        if state is None:
            return False
        failures = state.consecutive_failures + 1
        try:
            self._states.put(
                replace(state, version=state.version + 1, consecutive_failures=failures, last_error=error[:500]),
                expected_version=state.version,
            )
        except StateConflict:
            return None
        if failures >= self._max_failures:
            reason = f"{failures} ticks in a row failed; last error: {error[:300]}"
            self._status.set_status(user_id, bot_id, BotStatus.ERROR, reason)
            self._notifier.publish([BotEvent(user_id, bot_id, "bot_error", reason, {})])
            return True
        return False

    def close_position(self, config: BotConfig, reason: str = "manual_close") -> TickOutcome:
        """Sell what the bot holds at market, with the same exactly-once bookkeeping as a tick."""
        state = self._states.get(config.id)
        if state is None or state.position_qty <= 0:
            return TickOutcome("no_trade")
        at = self._clock.now_ms()
        exchange = self._exchanges.for_bot(config)
        intent = PendingOrder(
            client_order_id(config.id, at, "close"), "close", "SELL", reason, None, str(state.position_qty)
        )
        pending_state = state.next(pending=(intent,), pending_tick_at=at)
        self._states.put(pending_state, expected_version=state.version)
        return self._execute(config, pending_state, exchange, at, resuming=False)

    # --- the tick ------------------------------------------------------------------------------

    def _run(self, config: BotConfig, state: BotState, tick_at: int, cached: list[Candle] | None) -> TickOutcome:
        exchange: Exchange | None = None
        if state.pending:
            exchange = self._exchanges.for_bot(config)
            outcome = self._execute(config, state, exchange, tick_at, resuming=True)
            state = self._states.get(config.id) or state
            if state.last_tick_at >= tick_at:
                outcome.result = "repaired"
                return outcome
        params = validate_params(config.strategy, config.params)
        need = warmup_bars(config.strategy, params)
        candles = self._closed_candles(config, tick_at, need, cached)
        if len(candles) < need:
            self._states.put(
                state.next(last_tick_at=tick_at, last_error=f"warming up: {len(candles)} of {need} candles"),
                expected_version=state.version,
            )
            return TickOutcome("warming_up")
        last_price = candles[-1].close
        state = self._sync_budget(config, state)
        decision = decide(
            config.strategy,
            params,
            config.risk,
            CandleSeries.from_candles(candles[-need:]),
            state.engine or None,
            Balances(quote=_cash(state)),
            interval_ms=INTERVAL_MS[config.interval],
        )
        if not decision.intents:
            self._states.put(
                state.next(
                    engine=decision.state,
                    last_tick_at=tick_at,
                    last_price=last_price,
                    consecutive_failures=0,
                    last_error=None,
                ),
                expected_version=state.version,
            )
            return TickOutcome("no_trade")
        pending = tuple(
            PendingOrder(
                client_order_id=client_order_id(config.id, tick_at, i.leg),
                leg=i.leg,
                side=i.side.upper(),
                reason=i.reason,
                quote_amount=str(i.quote_amount) if i.quote_amount is not None else None,
                quantity=str(i.quantity) if i.quantity is not None else None,
            )
            for i in decision.intents
        )
        pending_state = state.next(
            engine=decision.state, pending=pending, pending_tick_at=tick_at, last_price=last_price
        )
        self._states.put(pending_state, expected_version=state.version)
        return self._execute(
            config, pending_state, exchange or self._exchanges.for_bot(config), tick_at, resuming=False
        )

    def _closed_candles(
        self, config: BotConfig, tick_at: int, need: int, cached: list[Candle] | None
    ) -> list[Candle]:
        def fetch() -> list[Candle]:
            return self._market.closed_candles(
                config.symbol, config.interval, limit=max(need, CANDLES_PER_FETCH), end_ms=tick_at
            )

        if need > CANDLES_PER_FETCH:
            candles = self._market.closed_candles(config.symbol, config.interval, limit=need, end_ms=tick_at)
        else:
            candles = self._candles.get_or_fetch(config.symbol, config.interval, tick_at, fetch, preloaded=cached)
        return [c for c in candles if c.close_time < tick_at]

    # --- orders --------------------------------------------------------------------------------

    def _execute(
        self, config: BotConfig, state: BotState, exchange: Exchange, tick_at: int, *, resuming: bool
    ) -> TickOutcome:
        rules = exchange.symbol_rules(config.symbol)
        same_tick = state.pending_tick_at == tick_at
        trades: list[Trade] = []
        events: list[BotEvent] = []
        placed = 0
        rejected: ExchangeRejected | None = None
        for pending in state.pending:
            order = exchange.get_order_by_client_id(config.symbol, pending.client_order_id) if resuming else None
            if order is None:
                if resuming and not same_tick:
                    continue  # a stale signal from an older bar is not traded late
                request = self._request(config, state, rules, pending)
                if request is None:
                    state, dust_event = self._write_off_dust(config, state, pending)
                    events.append(dust_event)
                    continue
                try:
                    order = self._place(exchange, request)
                except ExchangeRejected as exc:
                    # Legs already filled in this tick are still booked below before the bot stops.
                    rejected = exc
                    break
                placed += 1
            if order.executed_quantity <= 0:
                continue
            state, trade, event = self._apply(config, state, rules, pending, order)
            trades.append(trade)
            events.append(event)
        final = state.next(
            pending=(),
            pending_tick_at=None,
            last_tick_at=max(state.last_tick_at, state.pending_tick_at or tick_at),
            consecutive_failures=0,
            last_error=None,
            trades_count=state.trades_count + len(trades),
        )
        # Fills above changed `state` without bumping its version: it still names the stored record.
        self._states.put_with_trades(final, expected_version=state.version, trades=trades)
        if events:
            self._notifier.publish(events)
        if rejected is not None:
            raise rejected
        return TickOutcome("done", orders_placed=placed, trades=trades)

    def _request(
        self, config: BotConfig, state: BotState, rules: SymbolRules, pending: PendingOrder
    ) -> OrderRequest | None:
        price = state.last_price or Decimal(0)
        if pending.side == "BUY":
            quote = Decimal(pending.quote_amount or "0")
            if price <= 0 or quote <= 0:
                return None
            quantity = (quote * BUY_HEADROOM / (price * (1 + DEFAULT_FEE_RATE))).quantize(Decimal("1e-8"), ROUND_DOWN)
        else:
            quantity = min(Decimal(pending.quantity or "0"), state.position_qty)
            remainder = state.position_qty - quantity
            minimum = rules.notional.min_notional if rules.notional else Decimal(0)
            # Never leave a remainder too small to sell later: sell it all now instead.
            if remainder > 0 and remainder * price < minimum:
                quantity = state.position_qty
            if quantity * price < minimum or quantity < rules.quantity_filter(market=True).min_qty:
                return None
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

    def _place(self, exchange: Exchange, request: OrderRequest) -> Order:
        try:
            return exchange.place_order(request)
        except OrderOutcomeUnknown as unknown:
            for attempt in range(self._lookup_attempts):
                try:
                    found = exchange.get_order_by_client_id(request.symbol, request.client_order_id)
                except ExchangeTemporaryError:
                    # The exchange is out of reach: what we know is still that the order may exist, and the
                    # error has to say so (a redelivery looks it up again before deciding anything).
                    found = None
                if found is not None:
                    return found
                self._sleep(0.2 * (attempt + 1))
            raise unknown

    def _apply(
        self, config: BotConfig, state: BotState, rules: SymbolRules, pending: PendingOrder, order: Order
    ) -> tuple[BotState, Trade, BotEvent]:
        qty = order.executed_quantity
        price = order.average_price or Decimal(0)
        fee_quote, net_qty = Decimal(0), qty
        for asset, amount in order.fees().items():
            if asset == rules.base_asset:
                fee_quote += amount * price
                net_qty -= amount if order.side is Side.BUY else Decimal(0)
            elif asset == rules.quote_asset:
                fee_quote += amount
            else:
                # Fees in a third asset (BNB): value them at the standard rate of the notional.
                fee_quote += order.quote_quantity * DEFAULT_FEE_RATE
        # A sell rounded down to the lot step leaves a residue too small to ever sell: the engine closes
        # the whole lot, and the residue is booked as dust instead of a position.
        residue = Decimal(0)
        if order.side is Side.SELL:
            intended = min(Decimal(pending.quantity or qty), state.position_qty)
            minimum = rules.notional.min_notional if rules.notional else Decimal(0)
            left = intended - qty
            if left > 0 and (left * price < minimum or left < rules.lot_size.step_size):
                residue = left
        engine_qty = net_qty + residue
        if pending.leg == "close" or not state.engine:
            # A manual close ends every position group at once: the strategy starts afresh.
            engine: dict[str, Any] = {}
        else:
            engine = apply_fill(
                state.engine,
                Fill(
                    leg=pending.leg,
                    side="buy" if order.side is Side.BUY else "sell",
                    price=price,
                    quantity=engine_qty,
                    fee=fee_quote,
                    time=order.created_at_ms,
                    reason=pending.reason,
                ),
            )
        realised: Decimal | None = None
        if order.side is Side.BUY:
            state = replace(
                state,
                engine=engine,
                position_qty=state.position_qty + net_qty,
                position_cost=state.position_cost + order.quote_quantity + fee_quote,
                fees_paid=state.fees_paid + fee_quote,
                cash=_cash(state) - order.quote_quantity - fee_quote,
            )
            kind, message = "trade_opened", f"Bought {net_qty} {config.symbol} at {price:.8f}"
        else:
            closed = qty + residue
            share = min(Decimal(1), closed / state.position_qty) if state.position_qty > 0 else Decimal(1)
            cost_out = state.position_cost * share
            realised = order.quote_quantity - fee_quote - cost_out
            remaining = max(Decimal(0), state.position_qty - closed)
            state = replace(
                state,
                engine=engine,
                position_qty=remaining,
                position_cost=max(Decimal(0), state.position_cost - cost_out) if remaining > 0 else Decimal(0),
                fees_paid=state.fees_paid + fee_quote,
                realised_pnl=state.realised_pnl + realised,
                cash=_cash(state) + order.quote_quantity - fee_quote,
                dust_qty=state.dust_qty + residue,
            )
            kind = "stop_loss" if pending.reason == "stop_loss" else "trade_closed"
            message = f"Sold {qty} {config.symbol} at {price:.8f} ({pending.reason}); PnL {realised:.2f}"
        trade = Trade(
            id=order.client_order_id,
            user_id=config.user_id,
            bot_id=config.id,
            symbol=config.symbol,
            side=order.side.value,
            price=price,
            quantity=qty,
            quote_quantity=order.quote_quantity,
            fee=fee_quote,
            # Fees are valued in the quote asset whatever the exchange charged them in (base, BNB).
            fee_asset=rules.quote_asset,
            realised_pnl=realised,
            executed_at_ms=order.created_at_ms,
            mode=config.mode.value,
            reason=pending.reason,
            exchange_order_id=order.exchange_order_id,
        )
        return state, trade, BotEvent(config.user_id, config.id, kind, message, {"trade_id": trade.id})

    def _write_off_dust(self, config: BotConfig, state: BotState, pending: PendingOrder) -> tuple[BotState, BotEvent]:
        """A position below the symbol's minimum order value cannot be sold: tell the user once and stop
        trying, instead of failing every tick."""
        price = state.last_price or Decimal(0)
        qty = state.position_qty
        engine = state.engine
        if pending.side == "SELL" and qty > 0 and state.engine:
            engine = apply_fill(
                state.engine,
                Fill(
                    leg=pending.leg,
                    side="sell",
                    price=price,
                    quantity=qty,
                    fee=Decimal(0),
                    time=self._clock.now_ms(),
                    reason="dust",
                ),
            )
        message = (
            f"{qty} {config.symbol} is below the minimum order value and cannot be sold; it stays in the "
            "account as dust."
            if pending.side == "SELL"
            else "The buy was too small for the symbol's minimum order value and was skipped."
        )
        new_state = replace(
            state,
            engine=engine,
            dust_qty=state.dust_qty + (qty if pending.side == "SELL" else 0),
            position_qty=Decimal(0) if pending.side == "SELL" else state.position_qty,
            position_cost=Decimal(0) if pending.side == "SELL" else state.position_cost,
        )
        return new_state, BotEvent(config.user_id, config.id, "dust", message, {"quantity": str(qty)})

    def _sync_budget(self, config: BotConfig, state: BotState) -> BotState:
        if state.budget_seen == config.budget:
            return state
        return replace(state, cash=_cash(state) + (config.budget - state.budget_seen), budget_seen=config.budget)

    def _stop_with_error(self, config: BotConfig, reason: str) -> None:
        self._status.set_status(config.user_id, config.id, BotStatus.ERROR, reason)
        state = self._states.get(config.id)
        if state is not None:
            with contextlib.suppress(StateConflict):
                self._states.put(
                    state.next(pending=(), pending_tick_at=None, last_error=reason[:500]),
                    expected_version=state.version,
                )
        self._notifier.publish([BotEvent(config.user_id, config.id, "bot_error", reason, {})])


def _cash(state: BotState) -> Decimal:
    return state.cash if state.cash is not None else Decimal(0)
