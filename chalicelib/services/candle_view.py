"""Closed candles for a person looking at a chart: served from the candle cache the ticks share, so a page of
charts opened by many users costs Binance one request per symbol, interval and minute; what must still be
fetched draws from the users' share of the exchange budget (`market_for(user_id)`)."""

from __future__ import annotations

from collections.abc import Callable

from chalicelib.domain.candles import Candle
from chalicelib.domain.clock import Clock
from chalicelib.services.ports.bots import CandleCache
from chalicelib.services.ports.market import MarketData
from chalicelib.services.tick import CANDLES_PER_FETCH

MINUTE_MS = 60_000


class CandleView:
    def __init__(self, cache: CandleCache, market_for: Callable[[str], MarketData], clock: Clock) -> None:
        self._cache = cache
        self._market_for = market_for
        self._clock = clock

    def closed(self, user_id: str, symbol: str, interval: str, limit: int) -> list[Candle]:
        now = self._clock.now_ms()
        minute = now - now % MINUTE_MS
        market = self._market_for(user_id)
        if limit > CANDLES_PER_FETCH:
            return market.closed_candles(symbol, interval, limit=limit, end_ms=minute)

        def fetch() -> list[Candle]:
            # The same request a tick at this minute makes, so either one fills the cache for the other.
            return market.closed_candles(symbol, interval, limit=CANDLES_PER_FETCH, end_ms=minute)

        rows = self._cache.get_or_fetch(symbol, interval, minute, fetch)
        return [c for c in rows if c.close_time < minute][-limit:]
