"""Closed candles per (symbol, interval, tick) shared by every bot that needs them: the cache the seed gave
to Redis. One fetch per tick and symbol; concurrent workers wait briefly for the one that holds the lock.

Read units are billed per 4 KB of an item, so each entry is stored packed (see `pack`) as a Binary, twice: the
whole window under `candle_key`, and its last TAIL candles under `tail_key`, which is what the tick reader
batches with the bot's records (most strategies need fewer bars than that). Entries written as JSON text
before the packed format are still read (`decode`); they live one tick anyway."""

from __future__ import annotations

import itertools
import json
import time
import zlib
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from pynamodb.exceptions import PutError

from chalicelib.adapters.aws_clients import cache_poll, client
from chalicelib.adapters.aws_errors import AwsBoundary
from chalicelib.adapters.dynamo.market_cache import MarketCacheItem
from chalicelib.config import settings
from chalicelib.domain.candles import Candle
from chalicelib.domain.clock import Clock

_TTL_S = 15 * 60
_LOCK_TTL_S = 30
# Candles in the tail entry: enough for the default parameters of every strategy (ema_cross needs 131), small
# enough packed (about 3 KB) that an eventually consistent read of it is half a read unit (under 4 KB).
TAIL = 160


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


def _column(values: list[Decimal]) -> str:
    """Exact decimals as `exponent;first,delta,delta...` of integers scaled to the column's finest digit:
    neighbouring candles differ little, so the deltas are short and compress well."""
    exponent = min(int(v.as_tuple().exponent) for v in values)
    scaled = [int(v.scaleb(-exponent)) for v in values]
    deltas = [scaled[0], *(b - a for a, b in itertools.pairwise(scaled))]
    return f"{exponent};" + ",".join(map(str, deltas))


def _uncolumn(text: str) -> list[Decimal]:
    exponent, _, body = text.partition(";")
    total, out = 0, []
    for delta in body.split(","):
        total += int(delta)
        out.append(Decimal(total).scaleb(int(exponent)))
    return out


def pack(candles: list[Candle]) -> bytes:
    """The candles as compressed columns (open and close times, open, high, low, close, volume)."""
    if not candles:
        return zlib.compress(b"")
    columns = [
        _column([Decimal(c.open_time) for c in candles]),
        _column([Decimal(c.close_time - c.open_time) for c in candles]),
        *(_column([getattr(c, f) for c in candles]) for f in ("open", "high", "low", "close", "volume")),
    ]
    return zlib.compress("\n".join(columns).encode(), 9)


def unpack(data: bytes) -> list[Candle]:
    text = zlib.decompress(data).decode()
    if not text:
        return []
    opens, spans, *prices = (_uncolumn(line) for line in text.split("\n"))
    return [
        Candle(int(t), o, h, lo, c, v, int(t) + int(span))
        for t, span, o, h, lo, c, v in zip(opens, spans, *prices, strict=True)
    ]


def candle_key(symbol: str, interval: str, tick_at_ms: int) -> str:
    """The cache entry of (symbol, interval) as of a tick: the whole window fetched."""
    return f"candles#{symbol}#{interval}#{tick_at_ms}"


def tail_key(symbol: str, interval: str, tick_at_ms: int) -> str:
    """Its last TAIL candles; the tick reader fetches this one with the bot's records."""
    return candle_key(symbol, interval, tick_at_ms) + "#tail"


def candles_from_item(item: dict[str, Any]) -> list[Candle]:
    """The candles of a cache entry read raw (the tick reader's BatchGetItem): packed, or JSON text (older)."""
    value = item["value"]
    return unpack(bytes(value["B"])) if "B" in value else decode(value["S"])


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
        expires = str(self._clock.now_ms() // 1000 + _TTL_S)
        # A worker that found the tail but needs more and misses the whole window waits on the lock for it.
        for pk, part in ((tail_key(symbol, interval, tick_at_ms), candles[-TAIL:]), (key, candles)):
            client("dynamodb").put_item(
                TableName=settings().table("market-cache"),
                Item={"pk": {"S": pk}, "value": {"B": pack(part)}, "expires_at": {"N": expires}},
            )
        return candles

    def _get(self, key: str) -> list[Candle] | None:
        # Eventually consistent: an entry is written once and never changed, so any copy read is the entry.
        found = client("dynamodb").get_item(TableName=settings().table("market-cache"), Key={"pk": {"S": key}})
        return candles_from_item(found["Item"]) if "Item" in found else None

    def _lock(self, key: str) -> bool:
        try:
            MarketCacheItem(f"lock#{key}", value="1", expires_at=self._clock.now_ms() // 1000 + _LOCK_TTL_S).save(
                condition=MarketCacheItem.pk.does_not_exist()
            )
        except PutError:
            return False
        return True
