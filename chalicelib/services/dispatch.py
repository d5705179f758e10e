"""The dispatcher: every minute, one SQS message per due bot tick. Shards are queried in parallel through
the sparse schedule index (never a Scan), and each (shard, tick) is claimed once, so a schedule that
fires twice dispatches nothing twice."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
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
        bodies: list[dict[str, object]] = []
        skipped = 0
        claimed: list[str] = []
        try:
            with self._executor(self._parallelism) as pool:
                queries = [pool.submit(self._due_in_shard, key, tick_at, claimed) for key in keys]
                sends: list[Future[int]] = []
                # Each full batch leaves as soon as the shards found it, so sending overlaps the slower shards'
                # queries; batches are cut across shards, so every SendMessageBatch but the last carries ten.
                for done in as_completed(queries):
                    found = done.result()
                    if found is None:
                        skipped += 1
                        continue
                    start = len(bodies) - len(bodies) % 10
                    bodies.extend(found)
                    full = len(bodies) - len(bodies) % 10
                    sends += [pool.submit(self._queue.send_batch, bodies[i : i + 10]) for i in range(start, full, 10)]
                if len(bodies) % 10:
                    sends.append(pool.submit(self._queue.send_batch, bodies[len(bodies) - len(bodies) % 10 :]))
                send_calls = sum(send.result() for send in sends)
        except Exception as failure:
            # A failed run gives its shards back, so the schedule's retry sends the whole minute again: ticks
            # are idempotent on (bot, tick_at), and a repeat costs less than a bot missing its bar. A claim
            # that cannot be given back expires with its TTL; the run's own failure is what is raised.
            kept = []
            for key in claimed:
                try:
                    self._claims.release(key)
                except Exception:
                    kept.append(key)
            if kept:
                failure.add_note(f"{len(kept)} dispatch claims could not be released and expire in an hour: {kept}")
            raise
        return DispatchReport(
            tick_at=tick_at,
            bots=len(bodies),
            shards=len(keys),
            send_calls=send_calls,
            skipped_shards=skipped,
        )

    def _due_in_shard(self, shard_key: str, tick_at: int, claimed: list[str]) -> list[dict[str, object]] | None:
        """The shard's tick messages, or None when another run already claimed this (shard, tick)."""
        claim = f"dispatch#{shard_key}#{tick_at}"
        if not self._claims.claim(claim, ttl_s=3600):
            return None
        claimed.append(claim)
        interval = shard_key.split("#", 1)[0]
        return [
            {"user_id": user_id, "bot_id": bot_id, "tick_at": tick_at, "symbol": symbol, "interval": interval}
            for user_id, bot_id, symbol in self._index.due(shard_key)
        ]
