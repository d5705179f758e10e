"""One bot tick, exactly once in effect under at-least-once delivery.

Order of work: load config + state (+ cached candles) -> skip if this tick is done -> settle orders a
previous delivery left pending -> decide on closed candles -> save the order intents (client order ids
derived from bot, tick and leg) BEFORE sending -> place -> record trades and state in one transaction.
Every state write is conditional on the version read, so a concurrent copy of the same tick loses the
race and does nothing; a crash after placing and before saving is repaired by looking the order up."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from decimal import Decimal
from typing import Any, cast

from chalicelib.domain.bots import BotConfig, BotState, BotStatus, PendingOrder, client_order_id
from chalicelib.domain.candles import INTERVAL_MS, Candle, CandleSeries
from chalicelib.domain.clock import Clock
from chalicelib.domain.engine import Balances, Decision, decide
from chalicelib.domain.errors import ExchangeRejected
from chalicelib.domain.orders import Side
from chalicelib.domain.strategies import validate_params, warmup_bars
from chalicelib.services.ports.bot_orders import BotOrderRecord, BotOrderStore
from chalicelib.services.ports.bots import (
    BotStateStore,
    BotStatusWriter,
    CandleCache,
    ExchangeFactory,
    Notifier,
    StateConflict,
    TickReader,
)
from chalicelib.services.ports.exchange import Exchange, RestingExchange
from chalicelib.services.ports.market import MarketData
from chalicelib.services.ports.signals import SignalRecord
from chalicelib.services.tick.booking import cash_of
from chalicelib.services.tick.execution import OrderExecutor, TickOutcome
from chalicelib.services.tick.failures import Failures
from chalicelib.services.tick.resting import RestingOrders
from chalicelib.services.tick.signals import SignalExecutor, SignalResult

CANDLES_PER_FETCH = 500
# A quiet tick (no intent, no change but the tick's time and price) writes nothing: a redelivery of it decides
# the same nothing again, so the duplicate check does not need its last_tick_at. The state is still written
# at least this often, so last_tick_at and last_price (the UI's health and unrealised P&L) lag by at most this.
HEARTBEAT_MS = 15 * 60_000
# A failure counter written under contention: a few re-reads, then the next failure counts instead.


# A cancel that finds its order filled changes the position the decision was made on; a tick decides again,
# this many times at most (each time takes another fill racing the cancel).
_DECISIONS_PER_TICK = 3

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
        heartbeat_ms: int = HEARTBEAT_MS,
        orders: BotOrderStore | None = None,
    ) -> None:
        self._reader = reader
        self._states = states
        self._exchanges = exchanges
        self._market = market
        self._candles = candles
        self._notifier = notifier
        self._status = status
        self._clock = clock
        self._heartbeat_ms = heartbeat_ms
        self._orders = OrderExecutor(states, notifier, clock)
        self._failures = Failures(states, status, notifier, max_failures)
        # Without an order store the tick trades at market only (every bot did before resting orders).
        self._resting = RestingOrders(states, orders, notifier, clock) if orders is not None else None
        self._signals = SignalExecutor(
            states=states, exchanges=exchanges, orders=self._orders, price=self._price, sync_budget=self._sync_budget,
            clock=clock,
        )  # fmt: skip

    # --- entry points --------------------------------------------------------------------------

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
            if exc.code == "api_key_rejected":  # services/key_audit.py paused the key's bots and told the user
                return TickOutcome("rejected", error=exc.message)
            self._stop_with_error(config, f"{exc.message} (exchange code {exc.exchange_code})")
            return TickOutcome("rejected", error=exc.message)

    def record_failure(self, user_id: str, bot_id: str, error: str) -> bool:
        """Count a failed attempt; True when the bot was moved to `error` by it."""
        return self._failures.record(user_id, bot_id, error)

    def close_position(self, config: BotConfig, reason: str = "manual_close") -> TickOutcome:
        """Sell what the bot holds at market, with the same exactly-once bookkeeping as a tick."""
        state = self._states.get(config.id)
        if state is None or state.position_qty <= 0:
            return TickOutcome("no_trade")
        at = self._clock.now_ms()
        exchange = self._exchanges.for_bot(config)
        intent = PendingOrder(
            client_order_id(config.id, at, "close"), "close", Side.SELL.value, reason, None, str(state.position_qty)
        )
        pending_state = state.next(pending=(intent,), pending_tick_at=at)
        self._states.put(pending_state, expected_version=state.version)
        return self._orders.execute(config, pending_state, exchange, at, resuming=False)

    def run_signal(self, config: BotConfig, record: SignalRecord, mark_placing: Callable[[], None]) -> SignalResult:
        """Apply one accepted signal (services/tick/signals.py): the same intents, lookups and booking as a tick."""
        params = validate_params(config.strategy, config.params)
        return self._signals.apply(config, params, record, mark_placing)

    def _price(self, config: BotConfig) -> Decimal | None:
        candles = self._market.closed_candles(config.symbol, "1m", limit=1, end_ms=self._clock.now_ms())
        return candles[-1].close if candles else None

    # --- the tick ------------------------------------------------------------------------------

    def _run(self, config: BotConfig, state: BotState, tick_at: int, cached: list[Candle] | None) -> TickOutcome:
        exchange: Exchange | None = None
        if state.pending:
            exchange = self._exchanges.for_bot(config)
            outcome = self._orders.execute(config, state, exchange, tick_at, resuming=True)
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
        state = self._sync_budget(config, state)
        still_open: list[BotOrderRecord] = []
        if state.has_resting and self._resting is not None:
            exchange = exchange or self._exchanges.for_bot(config)
            # What filled since the last tick is booked before the strategy decides what it wants next.
            books = self._resting.settle(config, state, _resting(exchange), tick_at)
            state, still_open = self._resting.save(state, books), books.open
        decision = self._decide(config, params, state, candles[-need:])
        for _ in range(_DECISIONS_PER_TICK):
            if not (decision.intents and still_open and self._resting is not None):
                break
            # Market orders go after the cancels of what no longer rests, which may hold what they need.
            state, still_open, filled = self._resting.cancel_unwanted(
                config, state, decision.wanted, still_open, _resting(exchange or self._exchanges.for_bot(config))
            )
            if not filled:
                break
            decision = self._decide(config, params, state, candles[-need:])  # on the position the fill left
        return self._act(config, state, decision, tick_at, candles[-1], exchange, still_open)

    def _decide(self, config: BotConfig, params: dict[str, Any], state: BotState, window: list[Candle]) -> Decision:
        return decide(
            config.strategy,
            params,
            config.risk,
            CandleSeries.from_candles(window),
            state.engine or None,
            Balances(quote=cash_of(state)),
            interval_ms=INTERVAL_MS[config.interval],
        )

    def _act(
        self,
        config: BotConfig,
        state: BotState,
        decision: Decision,
        tick_at: int,
        last: Candle,
        exchange: Exchange | None,
        still_open: list[BotOrderRecord],
    ) -> TickOutcome:
        """Save the decision: the new engine state alone, or the intents (BEFORE sending them) and send; then
        make the wanted orders rest."""
        if not decision.intents:
            after = state.next(
                engine=decision.state,
                last_tick_at=tick_at,
                last_price=last.close,
                consecutive_failures=0,
                last_error=None,
                has_resting=bool(still_open),
            )
            placed = self._rest(config, state, after, decision, still_open, exchange)
            if placed is not None:
                return TickOutcome("done", orders_placed=placed)
            if not (after.only_ticked(state) and tick_at - state.last_tick_at < self._heartbeat_ms):
                self._states.put(after, expected_version=state.version)
            return TickOutcome("no_trade")
        pending = _pending(config, tick_at, decision)
        pending_state = state.next(
            engine=decision.state, pending=pending, pending_tick_at=tick_at, last_price=last.close
        )
        self._states.put(pending_state, expected_version=state.version)
        exchange = exchange or self._exchanges.for_bot(config)
        outcome = self._orders.execute(config, pending_state, exchange, tick_at, resuming=False)
        fresh = self._states.get(config.id) if decision.wanted or still_open else None
        if fresh is not None:
            outcome.orders_placed += self._rest(config, fresh, fresh, decision, still_open, exchange) or 0
        return outcome

    def _rest(
        self,
        config: BotConfig,
        before: BotState,
        after: BotState,
        decision: Decision,
        still_open: list[BotOrderRecord],
        exchange: Exchange | None,
    ) -> int | None:
        """Reconcile the wanted orders with those still open; None when there is nothing to send."""
        if self._resting is None or not (decision.wanted or still_open):
            return None
        exchange = exchange or self._exchanges.for_bot(config)
        return self._resting.reconcile(config, before, after, decision.wanted, still_open, _resting(exchange))

    def _closed_candles(self, config: BotConfig, tick_at: int, need: int, cached: list[Candle] | None) -> list[Candle]:
        def fetch() -> list[Candle]:
            return self._market.closed_candles(
                config.symbol, config.interval, limit=max(need, CANDLES_PER_FETCH), end_ms=tick_at
            )

        if need > CANDLES_PER_FETCH:
            candles = self._market.closed_candles(config.symbol, config.interval, limit=need, end_ms=tick_at)
        else:
            # The preloaded candles are the cache's tail: a strategy that needs more reads the whole window.
            enough = cached if cached is not None and len(cached) >= need else None
            candles = self._candles.get_or_fetch(config.symbol, config.interval, tick_at, fetch, preloaded=enough)
        return [c for c in candles if c.close_time < tick_at]

    def _sync_budget(self, config: BotConfig, state: BotState) -> BotState:
        if state.budget_seen == config.budget:
            return state
        return replace(state, cash=cash_of(state) + (config.budget - state.budget_seen), budget_seen=config.budget)

    def cancel_resting(self, config: BotConfig) -> int:
        """Cancel the bot's resting orders (stop with `cancel_orders`), booking their fills; how many stay open."""
        state = self._states.get(config.id)
        if self._resting is None or state is None or not state.has_resting:
            return 0
        return self._resting.cancel_all(config, state, _resting(self._exchanges.for_bot(config)))

    def _stop_with_error(self, config: BotConfig, reason: str) -> None:
        self._failures.stop_with_error(config, reason)


def _resting(exchange: Exchange) -> RestingExchange:
    """Only a bot that wants resting orders (or has some) gets here: its exchange keeps orders between ticks."""
    return cast(RestingExchange, exchange)


def _pending(config: BotConfig, tick_at: int, decision: Decision) -> tuple[PendingOrder, ...]:
    return tuple(
        PendingOrder(
            client_order_id=client_order_id(config.id, tick_at, i.leg),
            leg=i.leg,
            side=i.side.value,
            reason=i.reason,
            quote_amount=str(i.quote_amount) if i.quote_amount is not None else None,
            quantity=str(i.quantity) if i.quantity is not None else None,
        )
        for i in decision.intents
    )
