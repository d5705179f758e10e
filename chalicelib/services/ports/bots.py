"""Ports of the bot lifecycle, the dispatcher and the tick."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from chalicelib.domain.bots import BotConfig, BotState, BotStatus
from chalicelib.domain.symbols import SymbolRules
from chalicelib.domain.trades import Trade, TradeFilter
from chalicelib.services.ports.bot_orders import BotOrderRecord
from chalicelib.services.ports.exchange import Exchange

if TYPE_CHECKING:  # the API names these ports without loading numpy
    from chalicelib.domain.candles import Candle


class BotRepository(Protocol):
    def create(self, config: BotConfig) -> None: ...

    def get(self, user_id: str, bot_id: str) -> BotConfig | None: ...

    def list_for(self, user_id: str) -> list[BotConfig]: ...

    def save(self, config: BotConfig, schedule_shard: str | None) -> None:
        """Overwrite the config; `schedule_shard` set means 'dispatch me', None removes it from the index."""

    def delete(self, user_id: str, bot_id: str) -> None: ...

    def due(self, shard_key: str) -> list[tuple[str, str, str]]:
        """(user_id, bot_id, symbol) of the running bots in one schedule shard (an index Query, never a Scan)."""

    def uses_key(self, user_id: str, key_id: str) -> bool: ...


class DueIndex(Protocol):
    def due(self, shard_key: str) -> list[tuple[str, str, str]]:
        """(user_id, bot_id, symbol) of the running bots in one shard."""


class StateConflict(Exception):
    """The state's version moved: another delivery of the same tick (or an edit) got there first."""


class BotStateStore(Protocol):
    def get(self, bot_id: str) -> BotState | None: ...

    def get_many(self, bot_ids: Sequence[str]) -> dict[str, BotState]:
        """The states that exist, by bot id, in as few batch reads as the store allows."""

    def put(self, state: BotState, expected_version: int | None) -> None:
        """Conditional write: raises StateConflict unless the stored version is `expected_version`
        (None: the record must not exist)."""

    def put_with_trades(self, state: BotState, expected_version: int, trades: Sequence[Trade]) -> None:
        """State and its new trades in one transaction; StateConflict when the version moved."""

    def put_with_orders(
        self, state: BotState, expected_version: int, trades: Sequence[Trade], orders: Sequence[BotOrderRecord]
    ) -> None:
        """State, its new trades and the records of the resting orders they book (or that are about to be
        placed or cancelled) in one transaction; StateConflict when the version moved."""

    def delete(self, bot_id: str) -> None: ...


class TickReader(Protocol):
    def load(
        self, user_id: str, bot_id: str, symbol: str | None, interval: str | None, tick_at_ms: int
    ) -> tuple[BotConfig | None, BotState | None, list[Candle] | None]:
        """Config, state and (when symbol and interval are given) the candle cache's candles for them at
        `tick_at_ms`, in one batch read."""


class TradeRepository(Protocol):
    def query(
        self, user_id: str, flt: TradeFilter, cursor: str | None, limit: int
    ) -> tuple[list[Trade], str | None]: ...


class CandleCache(Protocol):
    def get_or_fetch(
        self,
        symbol: str,
        interval: str,
        tick_at_ms: int,
        fetch: Callable[[], list[Candle]],
        preloaded: list[Candle] | None = None,
    ) -> list[Candle]:
        """The closed candles for (symbol, interval) as of `tick_at_ms`, fetched once and shared; `preloaded`
        is what the tick reader already found in the cache."""


class MessageQueue(Protocol):
    def send_batch(self, bodies: Sequence[dict[str, Any]]) -> int:
        """Send up to 10 bodies per SendMessageBatch; returns how many calls it made."""


class DispatchClaims(Protocol):
    def claim(self, key: str, ttl_s: int) -> bool:
        """True once per key (a conditional put); False while someone else's claim on it holds. A claim
        holds for `ttl_s` seconds of the clock; after that the key is free again, even if the store has not
        deleted the expired claim yet."""

    def release(self, key: str) -> None:
        """Give a claim back (its holder failed), so the next run can take it."""


@dataclass(frozen=True)
class BotEvent:
    user_id: str
    bot_id: str
    kind: str  # trade_opened | trade_closed | stop_loss | bot_error | bot_stopped
    message: str
    data: dict[str, Any]


class Notifier(Protocol):
    def publish(self, events: Sequence[BotEvent]) -> None: ...


class ExchangeFactory(Protocol):
    def for_bot(self, config: BotConfig) -> Exchange: ...

    def prepare(self, config: BotConfig) -> None:
        """Make the bot's account ready before its first tick (a paper bot gets its budget)."""

    def symbol_rules(self, config_mode: str, symbol: str, user_id: str, api_key_id: str | None) -> SymbolRules: ...


class BotStatusWriter(Protocol):
    def set_status(self, user_id: str, bot_id: str, status: BotStatus, reason: str | None) -> None: ...
