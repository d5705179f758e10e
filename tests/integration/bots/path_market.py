"""A market whose 1m closes the test writes: flat at the first price before `start_ms`, one candle per
minute from there (open = the previous close, high and low spanning open and close, a volume big enough that
the 10% rule fills a bot's order whole), flat at the last price after the path. Closed candles never change,
so the platform's candle cache and the paper exchange see the same market."""

from __future__ import annotations

from decimal import Decimal

from chalicelib.domain.candles import Candle
from chalicelib.domain.clock import Clock

MINUTE = 60_000
VOLUME = Decimal(1000)


class PathMarket:
    def __init__(self, clock: Clock, start_ms: int, closes: list[str]) -> None:
        self._clock = clock
        self.start_ms = start_ms - start_ms % MINUTE
        self.closes = [Decimal(c) for c in closes]

    def close_at(self, minute: int) -> Decimal:
        return self.closes[min(max(minute, 0), len(self.closes) - 1)]

    def candle(self, minute: int) -> Candle:
        open_ = self.close_at(minute - 1) if minute > 0 else self.closes[0]
        close = self.close_at(minute)
        start = self.start_ms + minute * MINUTE
        return Candle(start, open_, max(open_, close), min(open_, close), close, VOLUME, start + MINUTE - 1)

    def closed_candles(
        self, symbol: str, interval: str, *, limit: int = 500, end_ms: int | None = None
    ) -> list[Candle]:
        assert interval == "1m", f"PathMarket serves 1m candles, not {interval}"
        end = self._clock.now_ms() if end_ms is None else end_ms
        stop = (end + 1 - self.start_ms) // MINUTE  # candles before this minute have closed by `end`
        return [self.candle(m) for m in range(stop - limit, stop)]

    def minute_open(self, symbol: str, at_ms: int) -> Decimal:
        return self.candle((at_ms - self.start_ms) // MINUTE).open

    def minute_of(self, ms: int) -> int:
        return (ms - self.start_ms) // MINUTE
