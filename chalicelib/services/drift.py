"""The drift report of one bot over a period (docs/drift.md): its live trades against a replay of its
configuration over the candles of the period, from the market data port the ticks read, starting from the
bot's real cash at `from`. Inline only: a period longer than `max_bars` bars is refused with a 422."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from chalicelib.domain.bots import BotConfig, BotState, BotStatus
from chalicelib.domain.candles import Candle
from chalicelib.domain.clock import Clock
from chalicelib.domain.drift.compute import BotSetup, drift
from chalicelib.domain.drift.model import Report, RunFacts
from chalicelib.domain.drift.replay import Window
from chalicelib.domain.drift.sides import live_fills
from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.intervals import INTERVAL_MS
from chalicelib.domain.plan import DEFAULT_FEE_RATE
from chalicelib.domain.strategies import validate_params, warmup_bars
from chalicelib.domain.trades import Trade, TradeFilter
from chalicelib.services.ports.bots import TradeRepository
from chalicelib.services.ports.market import MarketData

MAX_BARS = 3 * 1440  # 3 days of 1m bars inline
PAGE = 1000  # candles per market request (Binance's kline limit)
TRADE_PAGES = 50
FLAT_QUOTE = Decimal("0.01")


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
    ) -> None:
        self._get_bot = get_bot
        self._trades = trades
        self._market_for = market_for
        self._quote_asset = quote_asset
        self._clock = clock
        self._max_bars = max_bars

    def report(self, user_id: str, bot_id: str, from_ms: int | None, to_ms: int | None) -> tuple[Report, str]:
        """The report and the candles' source; NotFound for another user's bot, InvalidInput for a bad period."""
        config, state = self._get_bot(user_id, bot_id)
        if config.strategy == "signal":
            raise _bad("not_replayable", "bot_id", "a signal bot trades on the signals it receives, not on candles: "
                       "there is no backtest to compare it with")  # fmt: skip
        window = self._window(config, from_ms, to_ms)
        since = self._all_trades(user_id, bot_id, window.from_ms)
        setup = BotSetup(config.id, config.strategy, config.params, config.risk, _cash_at(config, state, since),
                         DEFAULT_FEE_RATE, self._quote_asset(config.symbol))  # fmt: skip
        market = self._market_for(user_id)
        need = warmup_bars(config.strategy, validate_params(config.strategy, config.params))
        candles = self._candles(market, config, window, need)
        return drift(setup, candles, since, _facts(config, state, window), window), _source(market)

    def _window(self, config: BotConfig, from_ms: int | None, to_ms: int | None) -> Window:
        step = INTERVAL_MS[config.interval]
        now = self._clock.now_ms()
        end = min(now if to_ms is None else to_ms, now)
        end -= end % step
        if from_ms is None:
            if config.status is not BotStatus.RUNNING:
                raise _bad("from_required", "from", "the bot is not running: give the period's start")
            from_ms = config.updated_at_ms  # the last start (or edit) of the running bot
        if from_ms >= end:
            raise _bad("invalid_period", "from", "from must be before to (and before now)")
        if (end - from_ms) // step > self._max_bars:
            raise _bad("period_too_long", "to", f"at most {self._max_bars} {config.interval} bars inline; "
                       "ask for a shorter period")  # fmt: skip
        return Window(from_ms, end, step)

    def _all_trades(self, user_id: str, bot_id: str, from_ms: int) -> list[Trade]:
        flt, out, cursor = TradeFilter(bot_id=bot_id, start_ms=from_ms), [], None
        for _ in range(TRADE_PAGES):
            page, cursor = self._trades.query(user_id, flt, cursor, 500)
            out += page
            if cursor is None:
                return [t for t in out if t.executed_at_ms > from_ms]
        raise _bad("period_too_long", "from", "too many trades since from for an inline report")

    def _candles(self, market: MarketData, config: BotConfig, window: Window, need: int) -> list[Candle]:
        start = window.from_ms - need * window.interval_ms
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


def _cash_at(config: BotConfig, state: BotState, since: list[Trade]) -> Decimal:
    """The bot's quote cash at `from`: today's, with every fill since taken back; refused when it held a position
    then (the replay starts flat)."""
    cash = (state.cash or Decimal(0)) + (config.budget - state.budget_seen)
    held = state.position_qty  # a sale's `net_quantity` includes the residue it moved to dust
    for f in live_fills(since):
        sign = Decimal(1) if f.side == "BUY" else Decimal(-1)
        cash += sign * f.quote + f.cash_fee
        held -= sign * f.held
    if abs(held) * (since[0].price if since else Decimal(0)) >= FLAT_QUOTE:
        raise _bad("not_flat_at_from", "from", "the bot held a position at from; the replay starts flat: "
                   "choose a from when the bot held nothing (e.g. its last start)")  # fmt: skip
    return cash


def _facts(config: BotConfig, state: BotState, window: Window) -> RunFacts:
    running = config.status is BotStatus.RUNNING
    edited = running and window.from_ms < config.updated_at_ms <= window.to_ms
    return RunFacts(
        status=config.status.value, status_reason=config.status_reason,
        status_changed_ms=None if running else config.updated_at_ms,
        config_changed_ms=config.updated_at_ms if edited else None, last_tick_at=state.last_tick_at,
        consecutive_failures=state.consecutive_failures, last_error=state.last_error,
    )  # fmt: skip


def _source(market: MarketData) -> str:
    return f"market:{type(market).__name__}"


def _bad(code: str, field: str, message: str) -> InvalidInput:
    return InvalidInput(
        message[0].upper() + message[1:] + ".", code=code, details=[{"field": field, "message": message}]
    )
