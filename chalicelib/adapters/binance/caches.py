"""What a Binance adapter remembers across the adapters a process builds: exchange info, and the
server-time offset measured after a -1021."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Protocol

EXCHANGE_INFO_TTL_S = 3600
# How long a measured server-time offset is trusted before a new -1021 has to measure it again.
TIME_OFFSET_REFRESH_S = 900.0


class InfoCache(Protocol):
    def get(self, key: str, now_ms: int) -> str | None: ...

    def put(self, key: str, value: str, ttl_s: int, now_ms: int) -> None: ...


class InMemoryInfoCache:
    def __init__(self) -> None:
        self._items: dict[str, tuple[str, int]] = {}

    def get(self, key: str, now_ms: int) -> str | None:
        hit = self._items.get(key)
        return hit[0] if hit and hit[1] > now_ms else None

    def put(self, key: str, value: str, ttl_s: int, now_ms: int) -> None:
        self._items[key] = (value, now_ms + ttl_s * 1000)


class ServerTimeOffsets:
    """Server-time offsets measured after a -1021, kept per process and venue.

    Each tick builds a new adapter; without this, a machine whose clock is skewed would pay a rejected request
    and a `/time` call on the first signed request of every tick. With it, one resync per cold start (and per
    refresh interval, so a drifting clock is measured again) serves every adapter the process builds."""

    def __init__(self, refresh_s: float = TIME_OFFSET_REFRESH_S, monotonic: Callable[[], float] = time.monotonic):
        self._refresh_s = refresh_s
        self._monotonic = monotonic
        self._offsets: dict[str, tuple[int, float]] = {}
        self._lock = threading.Lock()

    def get(self, venue: str) -> int | None:
        with self._lock:
            hit = self._offsets.get(venue)
        if hit is None or self._monotonic() - hit[1] > self._refresh_s:
            return None
        return hit[0]

    def put(self, venue: str, offset_ms: int) -> None:
        with self._lock:
            self._offsets[venue] = (offset_ms, self._monotonic())


PROCESS_TIME_OFFSETS = ServerTimeOffsets()


class ListClientIds:
    """OCO list numbers -> their client ids, per process and venue. Binance's open orders name a leg's list by
    its number only; the number of a list never changes, so a warm process resolves each list once
    (GET /api/v3/orderList, weight 4) and every later tick's open-orders read (weight 6) costs nothing more."""

    def __init__(self, max_items: int = 10_000) -> None:
        self._max_items = max_items
        self._ids: dict[tuple[str, str, int], str] = {}
        self._lock = threading.Lock()

    def get(self, venue: str, symbol: str, number: int) -> str | None:
        with self._lock:
            return self._ids.get((venue, symbol, number))

    def put(self, venue: str, symbol: str, number: int, list_client_order_id: str) -> None:
        with self._lock:
            if len(self._ids) >= self._max_items:
                self._ids.pop(next(iter(self._ids)))  # the oldest: dicts keep insertion order
            self._ids[(venue, symbol, number)] = list_client_order_id


PROCESS_LIST_IDS = ListClientIds()
