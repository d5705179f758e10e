"""One injectable clock. Wall time on Lambda; locally it may run accelerated so the synthetic
market and the scheduler advance together (hours of trading in minutes)."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime
from typing import Protocol


class Clock(Protocol):
    def now_ms(self) -> int:
        """Current time in Unix milliseconds UTC."""
        ...


class SystemClock:
    def now_ms(self) -> int:
        return time.time_ns() // 1_000_000


class ManualClock:
    """A clock tests move by hand."""

    def __init__(self, start_ms: int) -> None:
        self._now = start_ms
        self._lock = threading.Lock()

    def now_ms(self) -> int:
        with self._lock:
            return self._now

    def advance(self, ms: int) -> None:
        with self._lock:
            self._now += ms

    def set(self, ms: int) -> None:
        with self._lock:
            self._now = ms


class AcceleratedClock:
    """Market time that runs `speed` times faster than the wall clock from `start_ms` on."""

    def __init__(self, start_ms: int, speed: float, wall: Clock | None = None) -> None:
        if speed <= 0:
            raise ValueError("speed must be positive")
        self._wall = wall or SystemClock()
        self._start = start_ms
        self._wall_start = self._wall.now_ms()
        self._speed = speed

    def now_ms(self) -> int:
        return self._start + int((self._wall.now_ms() - self._wall_start) * self._speed)


def floor_to(ms: int, step_ms: int) -> int:
    return ms - ms % step_ms


def iso_utc(ms: int, *, timespec: str = "auto") -> str:
    """ISO-8601 UTC with a Z. "auto" prints microseconds only when there are any (the API's timestamps);
    backtest records pass "milliseconds" so every time has the same width."""
    return datetime.fromtimestamp(ms / 1000, tz=UTC).isoformat(timespec=timespec).replace("+00:00", "Z")
