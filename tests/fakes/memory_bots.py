"""In-memory fakes of the bot ports (services/ports/bots.py): configs, states, trades, the tick's batch read,
the candle cache and the dispatcher's claims. They keep DynamoDB's documented behaviour where the services
rely on it, the inconvenient parts included:
- `create` refuses an existing id and `save` a missing one (the adapters' conditional puts), `delete` of
  something absent is a no-op (an unconditional DeleteItem);
- a state write is conditional on the version; a state with trades is one transaction that fails whole
  (StateConflict) when the version moved or any trade key already exists;
- everything read is a copy: mutating what a read returned never changes what is stored;
- a trades query is newest first and its `limit` counts the items read before the filter (as a DynamoDB
  Query's Limit does), so a page may hold fewer than `limit` trades and still have a cursor.
`tests/contract/` runs the same assertions against these and the DynamoDB adapters on moto."""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable, Sequence

from chalicelib.domain.bots import BotConfig, BotState, BotStatus
from chalicelib.domain.candles import Candle
from chalicelib.domain.trades import Trade, TradeFilter
from chalicelib.services.ports.bot_orders import BotOrderRecord
from chalicelib.services.ports.bots import StateConflict
from tests.fakes.memory_orders import InMemoryBotOrderStore


class AlreadyExists(Exception):
    """A conditional create found the record (DynamoDB's ConditionalCheckFailed)."""


class Missing(Exception):
    """A conditional overwrite found no record."""


class InMemoryBotRepository:
    def __init__(self) -> None:
        self._rows: dict[tuple[str, str], tuple[BotConfig, str | None]] = {}
        self._lock = threading.Lock()

    def create(self, config: BotConfig) -> None:
        with self._lock:
            if (config.user_id, config.id) in self._rows:
                raise AlreadyExists(config.id)
            self._rows[(config.user_id, config.id)] = (copy.deepcopy(config), None)

    def get(self, user_id: str, bot_id: str) -> BotConfig | None:
        row = self._rows.get((user_id, bot_id))
        return copy.deepcopy(row[0]) if row else None

    def list_for(self, user_id: str) -> list[BotConfig]:
        # A DynamoDB Query answers in sort-key (bot id) order.
        return [copy.deepcopy(c) for (u, _), (c, _) in sorted(self._rows.items()) if u == user_id]

    def save(self, config: BotConfig, schedule_shard: str | None) -> None:
        with self._lock:
            if (config.user_id, config.id) not in self._rows:
                raise Missing(config.id)
            self._rows[(config.user_id, config.id)] = (copy.deepcopy(config), schedule_shard)

    def delete(self, user_id: str, bot_id: str) -> None:
        self._rows.pop((user_id, bot_id), None)

    def due(self, shard_key: str) -> list[tuple[str, str, str]]:
        # The sparse index: only rows with a shard, in bot id order within the shard.
        rows = [(c.user_id, c.id, c.symbol) for (c, shard) in self._rows.values() if shard == shard_key]
        return sorted(rows, key=lambda r: r[1])

    def uses_key(self, user_id: str, key_id: str) -> bool:
        return any(c.api_key_id == key_id and c.status is not BotStatus.STOPPED for c in self.list_for(user_id))


class InMemoryTradeRepository:
    def __init__(self) -> None:
        self._rows: dict[tuple[str, str], Trade] = {}  # (user_id, trade key) -> trade

    def has(self, trade: Trade) -> bool:
        return (trade.user_id, trade.key) in self._rows

    def add_all(self, trades: Sequence[Trade]) -> None:
        for trade in trades:
            self._rows[(trade.user_id, trade.key)] = trade

    def query(self, user_id: str, flt: TradeFilter, cursor: str | None, limit: int) -> tuple[list[Trade], str | None]:
        low = f"{flt.start_ms or 0:013d}"
        high = f"{flt.end_ms if flt.end_ms is not None else 9_999_999_999_999:013d}~"
        in_range = sorted(
            (t for (u, key), t in self._rows.items() if low <= key <= high and self._owned(t, u, user_id, flt)),
            key=lambda t: t.key,
            reverse=True,
        )
        if cursor is not None:
            in_range = [t for t in in_range if t.key < cursor]
        read = in_range[:limit]
        page = [t for t in read if flt.matches(t)]
        # Like a Query's LastEvaluatedKey: a cursor whenever the read filled its limit, even if nothing follows.
        return page, (read[-1].key if read and len(read) == limit else None)

    @staticmethod
    def _owned(trade: Trade, owner: str, user_id: str, flt: TradeFilter) -> bool:
        # By bot: the bot index holds every user's trades, so ownership is a filter, as in the adapter.
        return owner == user_id and (flt.bot_id is None or trade.bot_id == flt.bot_id)


class InMemoryBotStateStore:
    def __init__(
        self, trades: InMemoryTradeRepository | None = None, orders: InMemoryBotOrderStore | None = None
    ) -> None:
        self.trades = trades if trades is not None else InMemoryTradeRepository()
        self.orders = orders if orders is not None else InMemoryBotOrderStore()
        self._rows: dict[str, BotState] = {}
        self._lock = threading.Lock()
        self.writes = 0

    def get(self, bot_id: str) -> BotState | None:
        found = self._rows.get(bot_id)
        return copy.deepcopy(found) if found is not None else None

    def get_many(self, bot_ids: Sequence[str]) -> dict[str, BotState]:
        return {b: copy.deepcopy(self._rows[b]) for b in dict.fromkeys(bot_ids) if b in self._rows}

    def put(self, state: BotState, expected_version: int | None) -> None:
        with self._lock:
            self._check(state.bot_id, expected_version)
            self._rows[state.bot_id] = copy.deepcopy(state)
            self.writes += 1

    def put_with_trades(self, state: BotState, expected_version: int, trades: Sequence[Trade]) -> None:
        if not trades:
            self.put(state, expected_version)
            return
        with self._lock:
            self._check(state.bot_id, expected_version)
            if any(self.trades.has(t) for t in trades):
                raise StateConflict(state.bot_id)  # the transaction is cancelled whole
            self._rows[state.bot_id] = copy.deepcopy(state)
            self.trades.add_all(trades)
            self.writes += 1

    def put_with_orders(
        self, state: BotState, expected_version: int, trades: Sequence[Trade], orders: Sequence[BotOrderRecord]
    ) -> None:
        with self._lock:
            self._check(state.bot_id, expected_version)
            if any(self.trades.has(t) for t in trades):
                raise StateConflict(state.bot_id)  # the transaction is cancelled whole
            self._rows[state.bot_id] = copy.deepcopy(state)
            self.trades.add_all(trades)
            self.orders.put_all(orders)
            self.writes += 1

    def delete(self, bot_id: str) -> None:
        self._rows.pop(bot_id, None)

    def _check(self, bot_id: str, expected_version: int | None) -> None:
        current = self._rows.get(bot_id)
        if expected_version is None and current is not None:
            raise StateConflict(bot_id)
        if expected_version is not None and (current is None or current.version != expected_version):
            raise StateConflict(bot_id)


class InMemoryTickReader:
    """The tick's one read: config and state. The candles are left to the candle cache (None: not preloaded)."""

    def __init__(self, bots: InMemoryBotRepository, states: InMemoryBotStateStore) -> None:
        self._bots, self._states = bots, states
        self.loads = 0

    def load(
        self, user_id: str, bot_id: str, symbol: str | None, interval: str | None, tick_at_ms: int
    ) -> tuple[BotConfig | None, BotState | None, list[Candle] | None]:
        self.loads += 1
        return self._bots.get(user_id, bot_id), self._states.get(bot_id), None


class InMemoryCandleCache:
    """Closed candles per (symbol, interval, tick): fetched once, then shared by every bot of that tick."""

    def __init__(self) -> None:
        self._rows: dict[tuple[str, str, int], list[Candle]] = {}
        self.fetches = 0

    def get_or_fetch(
        self,
        symbol: str,
        interval: str,
        tick_at_ms: int,
        fetch: Callable[[], list[Candle]],
        preloaded: list[Candle] | None = None,
    ) -> list[Candle]:
        key = (symbol, interval, tick_at_ms)
        if key not in self._rows:
            self.fetches += 1
            self._rows[key] = list(fetch())
        return list(self._rows[key])


class InMemoryClaims:
    """Dispatch claims with a lease: a key is free again once its claim is `ttl_s` old on the clock."""

    def __init__(self, now_ms: Callable[[], int]) -> None:
        self._now_ms = now_ms
        self._held: dict[str, int] = {}  # key -> expires at (s)
        self._lock = threading.Lock()

    def claim(self, key: str, ttl_s: int) -> bool:
        now_s = self._now_ms() // 1000
        with self._lock:
            if self._held.get(key, 0) > now_s:
                return False
            self._held[key] = now_s + ttl_s
            return True

    def release(self, key: str) -> None:
        self._held.pop(key, None)
