"""Closed candles per (symbol, interval, tick) shared by every bot that needs them: the cache the seed gave
to Redis. One fetch per tick and symbol; concurrent workers wait briefly for the one that holds the lock."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from pynamodb.exceptions import PutError

from chalicelib.adapters.aws_clients import cache_poll
from chalicelib.adapters.aws_errors import AwsBoundary
from chalicelib.adapters.dynamo.market_cache import MarketCacheItem
from chalicelib.domain.candles import Candle
from chalicelib.domain.clock import Clock

_TTL_S = 15 * 60
_LOCK_TTL_S = 30


def encode(candles: list[Candle]) -> str:
    return json.dumps(
        [
            [c.open_time, str(c.open), str(c.high), str(c.low), str(c.close), str(c.volume), c.close_time]
            for c in candles
        ],
        separators=(",", ":"),
    )


def decode(value: str) -> list[Candle]:
    return [
        Candle(int(r[0]), Decimal(r[1]), Decimal(r[2]), Decimal(r[3]), Decimal(r[4]), Decimal(r[5]), int(r[6]))
        for r in json.loads(value)
    ]


def candle_key(symbol: str, interval: str, tick_at_ms: int) -> str:
    """The cache entry of (symbol, interval) as of a tick; the tick reader fetches it with the bot's records."""
    return f"candles#{symbol}#{interval}#{tick_at_ms}"


def candles_from_item(item: dict[str, Any]) -> list[Candle]:
    """The candles of a cache entry read raw (the tick reader's BatchGetItem)."""
    return decode(item["value"]["S"])


class DynamoCandleCache(AwsBoundary):
    def __init__(self, clock: Clock, wait_s: float = 2.0, sleep: Callable[[float], None] = time.sleep) -> None:
        self._clock = clock
        self._poll = cache_poll(wait_s)
        self._sleep = sleep

    def get_or_fetch(
        self,
        symbol: str,
        interval: str,
        tick_at_ms: int,
        fetch: Callable[[], list[Candle]],
        preloaded: list[Candle] | None = None,
    ) -> list[Candle]:
        if preloaded is not None:
            return preloaded
        key = candle_key(symbol, interval, tick_at_ms)
        cached = self._get(key)
        if cached is not None:
            return cached
        if not self._lock(key):
            # Another worker holds the lock and is fetching: wait for its entry rather than fetch twice.
            cached = self._poll.until(lambda: self._get(key), self._sleep)
            if cached is not None:
                return cached
        candles = fetch()
        MarketCacheItem(key, value=encode(candles), expires_at=self._clock.now_ms() // 1000 + _TTL_S).save()
        return candles

    def _get(self, key: str) -> list[Candle] | None:
        try:
            return decode(MarketCacheItem.get(key).value)
        except MarketCacheItem.DoesNotExist:
            return None

    def _lock(self, key: str) -> bool:
        try:
            MarketCacheItem(f"lock#{key}", value="1", expires_at=self._clock.now_ms() // 1000 + _LOCK_TTL_S).save(
                condition=MarketCacheItem.pk.does_not_exist()
            )
        except PutError:
            return False
        return True
