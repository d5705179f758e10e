"""One bot tick, exactly once in effect under at-least-once delivery.

Order of work: load config + state (+ cached candles) -> skip if this tick is done -> settle orders a
previous delivery left pending -> decide on closed candles -> save the order intents (client order ids
derived from bot, tick and leg) BEFORE sending -> place -> record trades and state in one transaction.
Every state write is conditional on the version read, so a concurrent copy of the same tick loses the
race and does nothing; a crash after placing and before saving is repaired by looking the order up."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import replace
from decimal import Decimal
from typing import Any

from chalicelib.domain.bots import BotConfig, BotState, BotStatus, PendingOrder, client_order_id
from chalicelib.domain.candles import INTERVAL_MS, Candle, CandleSeries
from chalicelib.domain.clock import Clock
from chalicelib.domain.engine import Balances, Decision, decide
from chalicelib.domain.errors import ExchangeRejected
from chalicelib.domain.orders import Side
from chalicelib.domain.retry import STATE_WRITE
from chalicelib.domain.strategies import validate_params, warmup_bars
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
from chalicelib.services.ports.signals import SignalRecord
from chalicelib.services.tick.booking import cash_of
from chalicelib.services.tick.execution import OrderExecutor, TickOutcome
from chalicelib.services.tick.signals import SignalExecutor, SignalResult

CANDLES_PER_FETCH = 500
# A quiet tick (no intent, no change but the tick's time and price) writes nothing: a redelivery of it decides
# the same nothing again, so the duplicate check does not need its last_tick_at. The state is still written
# at least this often, so last_tick_at and last_price (the UI's health and unrealised P&L) lag by at most this.
HEARTBEAT_MS = 15 * 60_000
# A failure counter written under contention: a few re-reads, then the next failure counts instead.


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
        self._heartbeat_ms = heartbeat_ms
        self._orders = OrderExecutor(states, notifier, clock)
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
            client_order_id(config.id, at, "close"), "close", Side.SELL.value, reason, None, str(state.position_qty)
        )
        pending_state = state.next(pending=(intent,), pending_tick_at=at)
        self._states.put(pending_state, expected_version=state.version)
        return self._orders.execute(config, pending_state, exchange, at, resuming=False)

    def run_signal(
        self, config: BotConfig, record: SignalRecord, mark_placing: Callable[[], None]
    ) -> SignalResult:
        """Apply one accepted signal (services/tick/signals.py): the same intents, lookups and booking as a tick."""
        params = validate_params(config.strategy, config.params)
        return self._signals.apply(config, params, record, mark_placing)

    def _price(self, config: BotConfig) -> Decimal | None:
        candles = self._market.closed_candles(config.symbol, "1m", limit=1, end_ms=self._clock.now_ms())
        return candles[-1].close if candles else None

    # --- the tick ------------------------------------------------------------------------------

    def _run(
        self, config: BotConfig, state: BotState, tick_at: int, cached: list[Candle] | None
    ) -> TickOutcome:
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
        decision = self._decide(config, params, state, candles[-need:])
        return self._act(config, state, decision, tick_at, candles[-1], exchange)

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
    ) -> TickOutcome:
        """Save the decision: the new engine state alone, or the intents (BEFORE sending them) and send."""
        if not decision.intents:
            after = state.next(
                engine=decision.state,
                last_tick_at=tick_at,
                last_price=last.close,
                consecutive_failures=0,
                last_error=None,
            )
            if not (after.only_ticked(state) and tick_at - state.last_tick_at < self._heartbeat_ms):
                self._states.put(after, expected_version=state.version)
            return TickOutcome("no_trade")
        pending = tuple(
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
        pending_state = state.next(
            engine=decision.state, pending=pending, pending_tick_at=tick_at, last_price=last.close
        )
        self._states.put(pending_state, expected_version=state.version)
        exchange = exchange or self._exchanges.for_bot(config)
        return self._orders.execute(config, pending_state, exchange, tick_at, resuming=False)

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
            # The preloaded candles are the cache's tail: a strategy that needs more reads the whole window.
            enough = cached if cached is not None and len(cached) >= need else None
            candles = self._candles.get_or_fetch(config.symbol, config.interval, tick_at, fetch, preloaded=enough)
        return [c for c in candles if c.close_time < tick_at]

    def _sync_budget(self, config: BotConfig, state: BotState) -> BotState:
        if state.budget_seen == config.budget:
            return state
        return replace(state, cash=cash_of(state) + (config.budget - state.budget_seen), budget_seen=config.budget)

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

