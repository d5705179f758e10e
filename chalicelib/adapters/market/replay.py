"""Replay: closed candles from the replay store (imported from Binance kline CSVs), as of the clock.

Run the platform's clock at the replayed period (a ManualClock or an AcceleratedClock started there) and
ticks see the market as it was. Missing bars in the data stay missing: nothing is interpolated.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Protocol

from chalicelib.domain.candles import Candle, interval_ms
from chalicelib.domain.clock import Clock, floor_to

MINUTE_MS = 60_000


class CandleStore(Protocol):
    def latest(self, symbol: str, interval: str, *, limit: int, open_time_max: int) -> list[Candle]: ...


class ReplayMarket:
    def __init__(self, store: CandleStore, clock: Clock) -> None:
        self._store = store
        self._clock = clock

    def closed_candles(
        self, symbol: str, interval: str, *, limit: int = 500, end_ms: int | None = None
    ) -> list[Candle]:
        end = self._clock.now_ms() if end_ms is None else end_ms
        # A bar is closed when its last millisecond (open_time + step - 1) is at or before `end`.
        open_time_max = end - interval_ms(interval) + 1
        candles = self._store.latest(symbol, interval, limit=limit, open_time_max=open_time_max)
        return [c for c in candles if c.close_time <= end]

    def minute_open(self, symbol: str, at_ms: int) -> Decimal | None:
        minute = floor_to(at_ms, MINUTE_MS)
        found = self._store.latest(symbol, "1m", limit=1, open_time_max=minute)
        return found[-1].open if found and found[-1].open_time == minute else None
