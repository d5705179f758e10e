"""One request-weight budget per egress address, shared by every client behind it.

Binance counts weight per IP per minute and bans (418) IPs that keep going after 429s. Each call first
reserves its weight in the shared counter and refuses to start above `headroom` of the limit (slowing
down BEFORE the limit: wait for the next minute if it is near, else fail temporary so the tick retries);
every response feeds Binance's own count (X-MBX-USED-WEIGHT-1M) back. A ban or Retry-After seen by one
client is recorded as a pause that every client of that egress honours.

The budget is split so no user can halt the bots: ticks own the larger share, and user-triggered calls (key
checks, the web app's candles, backtests fetching history) draw from a capped share of their own
(`UserTriggered`), each user from a smaller cap of their own. A user-triggered call over either cap is
refused at once with `RateLimited` (429 to the user); it is never counted in the ticks' share, so however
many such calls are made, the ticks keep `soft_limit - share` a minute.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Protocol

from chalicelib.domain.clock import Clock
from chalicelib.domain.errors import ExchangeTemporaryError, RateLimited

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


@dataclass(frozen=True, slots=True)
class UserTriggered:
    """A call a user's request triggered, not a tick. `share` of the soft limit is all such calls may use
    per minute, together; `per_user` is one user's weight per minute (None: the call has no user, e.g. the
    symbol check when a bot is created)."""

    user_id: str | None = None
    share: float = 0.2
    per_user: int = 120


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
        user_triggered: UserTriggered | None = None,
    ) -> None:
        self._store = store
        self._user = user_triggered
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

    @property
    def user_share(self) -> int:
        return int(self._soft_limit * self._user.share) if self._user else 0

    def acquire(self, weight: int) -> None:
        """Reserve `weight` in this minute's shared budget, waiting for the next minute if it is near."""
        self.check_pause()
        if self._user is not None:
            self._acquire_user_triggered(weight, self._user)
            return
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

    def _acquire_user_triggered(self, weight: int, user: UserTriggered) -> None:
        """Never waits (a person is waiting for the answer) and never takes the ticks' share."""
        now = self._clock.now_ms()
        minute = now // MINUTE_MS
        retry_after = max(1, -(-((minute + 1) * MINUTE_MS - now) // 1000))
        if user.user_id is not None:
            mine = self._store.add_weight(f"{self._egress}~user~{user.user_id}", minute, weight)
            if mine > user.per_user:
                raise RateLimited(
                    f"Too many exchange requests from your account this minute (limit {user.per_user} request "
                    f"weight a minute); try again in {retry_after} s.",
                    retry_after_s=retry_after,
                    code="exchange_user_rate_limited",
                    details={"limit_weight_per_minute": user.per_user},
                )
        shared = self._store.add_weight(f"{self._egress}~users", minute, weight)
        if shared > self.user_share or self._store.add_weight(self._egress, minute, weight) > self._soft_limit:
            raise RateLimited(
                "The exchange request budget for user requests is used up this minute (running bots keep theirs); "
                f"try again in {retry_after} s.",
                retry_after_s=retry_after,
                code="exchange_budget_busy",
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
