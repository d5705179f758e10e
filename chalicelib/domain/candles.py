"""Candles: the one market-data vocabulary shared by strategies, backtests, ticks and exchanges.

`Candle` is the exact (Decimal) form that crosses the exchange port; `CandleSeries` is the
columnar float64 form strategies and the backtester compute on.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

import numpy as np
import numpy.typing as npt

from chalicelib.domain.intervals import INTERVAL_MS, interval_ms

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

__all__ = ["INTERVAL_MS", "Candle", "CandleSeries", "FloatArray", "IntArray", "interval_ms"]


@dataclass(frozen=True, slots=True)
class Candle:
    """One closed kline. Times are Unix milliseconds UTC; close_time is the bar's last millisecond."""

    open_time: int
    open: Decimal
    high: Decimal
    low: Decimal
    close: Decimal
    volume: Decimal
    close_time: int


@dataclass(frozen=True, slots=True)
class CandleSeries:
    """Column arrays of equal length, oldest first."""

    open_time: IntArray
    open: FloatArray
    high: FloatArray
    low: FloatArray
    close: FloatArray
    volume: FloatArray

    def __len__(self) -> int:
        return int(self.open_time.shape[0])

    @classmethod
    def from_candles(cls, candles: Sequence[Candle]) -> CandleSeries:
        return cls(
            open_time=np.fromiter((c.open_time for c in candles), dtype=np.int64, count=len(candles)),
            open=np.fromiter((float(c.open) for c in candles), dtype=np.float64, count=len(candles)),
            high=np.fromiter((float(c.high) for c in candles), dtype=np.float64, count=len(candles)),
            low=np.fromiter((float(c.low) for c in candles), dtype=np.float64, count=len(candles)),
            close=np.fromiter((float(c.close) for c in candles), dtype=np.float64, count=len(candles)),
            volume=np.fromiter((float(c.volume) for c in candles), dtype=np.float64, count=len(candles)),
        )

    def tail(self, n: int) -> CandleSeries:
        return self.slice(max(0, len(self) - n), len(self))

    def slice(self, start: int, stop: int) -> CandleSeries:
        return CandleSeries(
            self.open_time[start:stop],
            self.open[start:stop],
            self.high[start:stop],
            self.low[start:stop],
            self.close[start:stop],
            self.volume[start:stop],
        )
