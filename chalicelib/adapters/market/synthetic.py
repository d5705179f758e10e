"""The offline default market: deterministic synthetic candles (chalicelib.domain.synthetic) as of the
clock, the same bars for the same (seed, symbol, open time) however the window is cut."""

from __future__ import annotations

from decimal import Decimal

from chalicelib.domain.candles import Candle, interval_ms
from chalicelib.domain.clock import Clock, floor_to
from chalicelib.domain.synthetic import EPOCH_MS, generate_candles


class SyntheticMarket:
    def __init__(self, clock: Clock, *, seed: int = 0) -> None:
        self._clock = clock
        self._seed = seed

    def closed_candles(
        self, symbol: str, interval: str, *, limit: int = 500, end_ms: int | None = None
    ) -> list[Candle]:
        step = interval_ms(interval)
        end = self._clock.now_ms() if end_ms is None else end_ms
        stop = (end + 1) // step * step  # every bar opening before `stop` has closed by `end`
        start = max(stop - limit * step, EPOCH_MS)
        if stop <= start:
            return []
        return generate_candles(start, stop, interval, seed=self._seed, symbol=symbol)

    def minute_open(self, symbol: str, at_ms: int) -> Decimal | None:
        minute = floor_to(at_ms, 60_000)
        if minute < EPOCH_MS:
            return None
        return generate_candles(minute, minute + 60_000, "1m", seed=self._seed, symbol=symbol)[0].open
