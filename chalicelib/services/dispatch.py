"""The dispatcher: every minute, one SQS message per due bot tick. Shards are queried in parallel through
the sparse schedule index (never a Scan), and each (shard, tick) is claimed once, so a schedule that
fires twice dispatches nothing twice."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Protocol

from chalicelib.domain.bots import is_due
from chalicelib.domain.candles import INTERVAL_MS
from chalicelib.domain.clock import floor_to
from chalicelib.services.ports.bots import DispatchClaims, MessageQueue

MINUTE_MS = 60_000


class DueIndex(Protocol):
    def due(self, shard_key: str) -> list[tuple[str, str, str]]:
        """(user_id, bot_id, symbol) of the running bots in one shard."""


@dataclass(frozen=True)
class DispatchReport:
    tick_at: int
    bots: int
    shards: int
    send_calls: int
    skipped_shards: int


class Dispatcher:
    def __init__(
        self,
        *,
        index: DueIndex,
        queue: MessageQueue,
        claims: DispatchClaims,
        shards: int,
        parallelism: int = 16,
        executor: Callable[[int], ThreadPoolExecutor] = lambda n: ThreadPoolExecutor(max_workers=n),
    ) -> None:
        self._index = index
        self._queue = queue
        self._claims = claims
        self._shards = shards
        self._parallelism = parallelism
        self._executor = executor

    def dispatch(self, now_ms: int) -> DispatchReport:
        tick_at = floor_to(now_ms, MINUTE_MS)
        keys = [
            f"{interval}#{shard:02d}"
            for interval in INTERVAL_MS
            if is_due(interval, tick_at)
            for shard in range(self._shards)
        ]
        with self._executor(self._parallelism) as pool:
            per_shard = list(pool.map(lambda key: self._due_in_shard(key, tick_at), keys))
            bodies = [body for found in per_shard if found is not None for body in found]
            # Batches are cut across shards, so every SendMessageBatch but the last carries ten messages.
            chunks = [bodies[i : i + 10] for i in range(0, len(bodies), 10)]
            send_calls = sum(pool.map(self._queue.send_batch, chunks))
        return DispatchReport(
            tick_at=tick_at,
            bots=len(bodies),
            shards=len(keys),
            send_calls=send_calls,
            skipped_shards=sum(1 for found in per_shard if found is None),
        )

    def _due_in_shard(self, shard_key: str, tick_at: int) -> list[dict[str, object]] | None:
        """The shard's tick messages, or None when another run already claimed this (shard, tick)."""
        if not self._claims.claim(f"dispatch#{shard_key}#{tick_at}", ttl_s=3600):
            return None
        interval = shard_key.split("#", 1)[0]
        return [
            {"user_id": user_id, "bot_id": bot_id, "tick_at": tick_at, "symbol": symbol, "interval": interval}
            for user_id, bot_id, symbol in self._index.due(shard_key)
        ]
