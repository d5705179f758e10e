"""The drift report of one bot over a period (docs/drift.md): its live trades against a replay of its
configuration history over the candles of the period, from the market data port the ticks read, starting from
the bot's real state at `from` (services/drift_setup.py). A period longer than `max_bars` bars raises
PeriodTooLong (a 422), which services/drift_jobs.py turns into a queued job."""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import replace
from decimal import Decimal
from typing import Any

from chalicelib.domain.bots import BotConfig, BotState, BotStatus
from chalicelib.domain.candles import Candle
from chalicelib.domain.clock import Clock
from chalicelib.domain.config_history import ConfigVersion, last_start
from chalicelib.domain.drift.compute import BotSetup, drift
from chalicelib.domain.drift.model import Report, RunFacts
from chalicelib.domain.drift.replay import Window
from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.intervals import INTERVAL_MS
from chalicelib.domain.plan import DEFAULT_FEE_RATE
from chalicelib.domain.trades import Trade, TradeFilter
from chalicelib.services.drift_setup import Plan, cash_at, plan, start_state
from chalicelib.services.ports.bots import TradeRepository
from chalicelib.services.ports.config_history import ConfigHistory
from chalicelib.services.ports.market import MarketData

MAX_BARS = 3 * 1440  # 3 days of 1m bars inline
PAGE = 1000  # candles per market request (Binance's kline limit)
TRADE_PAGES = 50


class PeriodTooLong(InvalidInput):
    """More bars than the service computes inline: services/drift_jobs.py queues such a period instead."""


class DriftService:
    def __init__(
        self,
        *,
        get_bot: Callable[[str, str], tuple[BotConfig, BotState]],
        trades: TradeRepository,
        market_for: Callable[[str], MarketData],
        quote_asset: Callable[[str], str],
        clock: Clock,
        max_bars: int = MAX_BARS,
        history: ConfigHistory | None = None,
    ) -> None:
        self._history = history
        self._get_bot = get_bot
        self._trades = trades
        self._market_for = market_for
        self._quote_asset = quote_asset
        self._clock = clock
        self._max_bars = max_bars

    def with_limit(self, max_bars: int) -> DriftService:
        """The same service with another bar limit (the jobs worker's, for long periods)."""
        clone = copy.copy(self)
        clone._max_bars = max_bars
        return clone

    def window(self, config: BotConfig, from_ms: int | None, to_ms: int | None) -> Window:
        """The period the report would cover (defaults resolved, floored); PeriodTooLong past the limit."""
        return self._window(config, from_ms, to_ms, self._versions(config.id))

    def _versions(self, bot_id: str) -> list[ConfigVersion]:
        return self._history.versions(bot_id, until_ms=self._clock.now_ms()) if self._history else []

    def report(self, user_id: str, bot_id: str, from_ms: int | None, to_ms: int | None) -> tuple[Report, str]:
        """The report and the candles' source; NotFound for another user's bot, InvalidInput for a bad period."""
        config, state = self._get_bot(user_id, bot_id)
        if config.strategy == "signal":
            raise _bad("not_replayable", "bot_id", "a signal bot trades on the signals it receives, not on candles: "
                       "there is no backtest to compare it with")  # fmt: skip
        versions = self._versions(bot_id)
        window = self._window(config, from_ms, to_ms, versions)
        p = plan(config, versions, window, self._max_bars)
        since = self._all_trades(user_id, bot_id, p.since_ms(window))
        after_from = [t for t in since if t.executed_at_ms > window.from_ms]
        cash, held = cash_at(state, p.budget(config), after_from)
        market = self._market_for(user_id)
        need = p.warmup(config)
        candles = self._candles(market, config, window, need, p.since_ms(window))
        start = start_state(p, state, window, candles, since, held)
        setup = _setup(config, p, cash, held, start, self._quote_asset(config.symbol))
        # The bar after `to` opens with the minute at `to`: where the live tick of `to` filled.
        setup = replace(setup, next_open=market.minute_open(config.symbol, window.to_ms))
        period = [c for c in candles if c.open_time >= window.from_ms - need * window.interval_ms]
        # drift() picks the period's fills itself: a tick's trade executes just after the tick, the last one after `to`
        return drift(setup, period, after_from, _facts(config, state, window, p), window), _source(market)

    def _window(
        self, config: BotConfig, from_ms: int | None, to_ms: int | None, versions: list[ConfigVersion]
    ) -> Window:
        step = INTERVAL_MS[config.interval]
        now = self._clock.now_ms()
        end = min(now if to_ms is None else to_ms, now)
        end -= end % step
        if from_ms is None:
            if config.status is not BotStatus.RUNNING:
                raise _bad("from_required", "from", "the bot is not running: give the period's start")
            started = last_start(versions, now)
            # The last start; a bot started before its history was kept: its last start or edit.
            from_ms = started.at_ms if started else config.updated_at_ms
        if from_ms >= end:
            raise _bad("invalid_period", "from", "from must be before to (and before now)")
        if (end - from_ms) // step > self._max_bars:
            raise _bad("period_too_long", "to", f"at most {self._max_bars} {config.interval} bars inline; "
                       "ask for a shorter period", PeriodTooLong)  # fmt: skip
        return Window(from_ms, end, step)

    def _all_trades(self, user_id: str, bot_id: str, from_ms: int) -> list[Trade]:
        flt, out, cursor = TradeFilter(bot_id=bot_id, start_ms=from_ms), [], None
        for _ in range(TRADE_PAGES):
            page, cursor = self._trades.query(user_id, flt, cursor, 500)
            out += page
            if cursor is None:
                return [t for t in out if t.executed_at_ms > from_ms]
        raise _bad("period_too_long", "from", "too many trades since from for an inline report")

    def _candles(self, market: MarketData, config: BotConfig, window: Window, need: int, since_ms: int) -> list[Candle]:
        start = min(window.from_ms, since_ms) - need * window.interval_ms
        rows: dict[int, Candle] = {}
        end: int = window.to_ms
        while end > start:
            got = market.closed_candles(config.symbol, config.interval, limit=PAGE, end_ms=end)
            fresh = [c for c in got if c.open_time >= start and c.close_time < window.to_ms]
            rows.update((c.open_time, c) for c in fresh)
            if not got or got[0].open_time >= end:
                break
            end = got[0].open_time
        return [rows[k] for k in sorted(rows)]


def _setup(
    config: BotConfig, p: Plan, cash: Decimal, held: Decimal, start: dict[str, Any], quote_asset: str
) -> BotSetup:
    base = p.base or config
    return BotSetup(
        config.id, base.strategy, base.params, base.risk, cash, DEFAULT_FEE_RATE, quote_asset, edits=p.edits,
        budget=p.budget(config), start=start, held=held,
    )  # fmt: skip


def _facts(config: BotConfig, state: BotState, window: Window, p: Plan) -> RunFacts:
    running = config.status is BotStatus.RUNNING
    # Without a recorded history the replay cannot follow an edit: what follows the last one is `config_change`.
    edited = p.base is None and running and window.from_ms < config.updated_at_ms <= window.to_ms
    return RunFacts(
        status=config.status.value, status_reason=config.status_reason,
        status_changed_ms=None if running else config.updated_at_ms,
        config_changed_ms=config.updated_at_ms if edited else None, last_tick_at=state.last_tick_at,
        consecutive_failures=state.consecutive_failures, last_error=state.last_error,
    )  # fmt: skip


def _source(market: MarketData) -> str:
    return f"market:{type(market).__name__}"


def _bad(code: str, field: str, message: str, kind: type[InvalidInput] = InvalidInput) -> InvalidInput:
    return kind(
        message[0].upper() + message[1:] + ".", code=code, details=[{"field": field, "message": message}]
    )
