"""One request-weight budget per egress address, shared by every client behind it.

Binance counts weight per IP per minute and bans (418) IPs that keep going after 429s. Each call first
reserves its weight in the shared counter and refuses to start above `headroom` of the limit (slowing
down BEFORE the limit: wait for the next minute if it is near, else fail temporary so the tick retries);
every response feeds Binance's own count (X-MBX-USED-WEIGHT-1M) back. A ban or Retry-After seen by one
client is recorded as a pause that every client of that egress honours.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from typing import Protocol

from chalicelib.domain.clock import Clock
from chalicelib.domain.errors import ExchangeTemporaryError

MINUTE_MS = 60_000


class WeightStore(Protocol):
    def add_weight(self, egress_id: str, minute: int, weight: int) -> int: ...

    def observe_weight(self, egress_id: str, minute: int, used: int) -> None: ...

    def pause(self, egress_id: str, until_ms: int, reason: str) -> None: ...

    def paused_until(self, egress_id: str) -> tuple[int, str] | None: ...


class InMemoryWeightStore:
    """For local single-process runs and tests; DynamoWeightStore is the shared one."""

    def __init__(self) -> None:
        self._used: dict[tuple[str, int], int] = {}
        self._pauses: dict[str, tuple[int, str]] = {}
        self._lock = threading.Lock()

    def add_weight(self, egress_id: str, minute: int, weight: int) -> int:
        with self._lock:
            key = (egress_id, minute)
            self._used[key] = self._used.get(key, 0) + weight
            return self._used[key]

    def observe_weight(self, egress_id: str, minute: int, used: int) -> None:
        with self._lock:
            key = (egress_id, minute)
            self._used[key] = max(self._used.get(key, 0), used)

    def pause(self, egress_id: str, until_ms: int, reason: str) -> None:
        with self._lock:
            current = self._pauses.get(egress_id)
            if current is None or current[0] < until_ms:
                self._pauses[egress_id] = (until_ms, reason)

    def paused_until(self, egress_id: str) -> tuple[int, str] | None:
        with self._lock:
            return self._pauses.get(egress_id)


class WeightBudget:
    def __init__(
        self,
        store: WeightStore,
        egress_id: str,
        clock: Clock,
        sleep: Callable[[float], None],
        *,
        limit: int = 6000,
        headroom: float = 0.8,
        max_wait_s: float = 15.0,
    ) -> None:
        self._store = store
        self._egress = egress_id
        self._clock = clock
        self._sleep = sleep
        self._soft_limit = int(limit * headroom)
        self._max_wait_s = max_wait_s

    @property
    def soft_limit(self) -> int:
        return self._soft_limit

    def check_pause(self) -> None:
        paused = self._store.paused_until(self._egress)
        now = self._clock.now_ms()
        if paused is not None and paused[0] > now:
            until, reason = paused
            raise ExchangeTemporaryError(
                f"Binance calls from egress {self._egress!r} are paused for {(until - now) / 1000:.0f}s ({reason})",
                code="exchange_paused",
                retry_after_s=(until - now) / 1000,
            )

    def acquire(self, weight: int) -> None:
        """Reserve `weight` in this minute's shared budget, waiting for the next minute if it is near."""
        self.check_pause()
        for _ in range(2):
            now = self._clock.now_ms()
            minute = now // MINUTE_MS
            used = self._store.add_weight(self._egress, minute, weight)
            if used <= self._soft_limit:
                return
            wait_s = ((minute + 1) * MINUTE_MS - now) / 1000
            if wait_s > self._max_wait_s:
                break
            self._sleep(wait_s + 0.05)
        raise ExchangeTemporaryError(
            f"shared Binance request-weight budget of egress {self._egress!r} is near its limit; try next minute",
            code="exchange_weight_budget",
            retry_after_s=((self._clock.now_ms() // MINUTE_MS + 1) * MINUTE_MS - self._clock.now_ms()) / 1000,
        )

    def observe(self, headers: Mapping[str, str] | None) -> None:
        if not headers:
            return
        raw = _header(headers, "X-MBX-USED-WEIGHT-1M")
        if raw is None or not raw.strip().isdigit():
            return
        self._store.observe_weight(self._egress, self._clock.now_ms() // MINUTE_MS, int(raw))

    def pause(self, seconds: float, reason: str) -> None:
        self._store.pause(self._egress, self._clock.now_ms() + int(seconds * 1000), reason)


def _header(headers: Mapping[str, str], name: str) -> str | None:
    value = headers.get(name)
    if value is not None:
        return value
    lowered = name.lower()
    for key, val in headers.items():
        if key.lower() == lowered:
            return val
    return None
