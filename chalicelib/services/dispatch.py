"""The dispatcher: every minute, one SQS message per due bot tick. Shards are queried in parallel through
the sparse schedule index (never a Scan), and each (shard, tick) is claimed once, so a schedule that
fires twice dispatches nothing twice.

Fair across users: the minute's messages are ordered in rounds, one message per user per round (users in an
order that changes every minute), and the batches holding the first round are in the queue before any other
batch is sent. So every user's first due tick is among the first ceil(U / 10) * 10 messages of the minute, U
being the number of users with a tick due, however many bots anyone has (docs/bots.md, "Fairness")."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from dataclasses import dataclass

from chalicelib.domain.bots import is_due
from chalicelib.domain.candles import INTERVAL_MS
from chalicelib.domain.clock import floor_to
from chalicelib.services.messages import TickMessage
from chalicelib.services.ports.bots import DispatchClaims, DueIndex, MessageQueue

MINUTE_MS = 60_000


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
        claim_lease_s: int = 90,
        executor: Callable[[int], ThreadPoolExecutor] = lambda n: ThreadPoolExecutor(max_workers=n),
    ) -> None:
        self._index = index
        self._queue = queue
        self._claims = claims
        self._shards = shards
        self._parallelism = parallelism
        # A claim is a lease, longer than the dispatcher's 50 s timeout: a second delivery of the same minute
        # within it sends nothing, and a run killed before it could give its claims back (a timeout, a crash)
        # holds them only this long, so the schedule's retry of that minute sends what was left unsent.
        self._claim_lease_s = claim_lease_s
        self._executor = executor

    def dispatch(self, now_ms: int) -> DispatchReport:
        tick_at = floor_to(now_ms, MINUTE_MS)
        keys = [
            f"{interval}#{shard:02d}"
            for interval in INTERVAL_MS
            if is_due(interval, tick_at)
            for shard in range(self._shards)
        ]
        claimed: list[str] = []
        try:
            with self._executor(self._parallelism) as pool:
                found_by_key, skipped = self._collect(pool, keys, tick_at, claimed)
                # Every shard is in before anything is sent, so the order can be fair across users.
                bodies = fair_order([b for key in keys for b in found_by_key.get(key, [])], tick_at)
                send_calls = self._send(pool, bodies)
        except Exception as failure:
            self._give_back(claimed, failure)
            raise
        return DispatchReport(
            tick_at=tick_at,
            bots=len(bodies),
            shards=len(keys),
            send_calls=send_calls,
            skipped_shards=skipped,
        )

    def _collect(
        self, pool: ThreadPoolExecutor, keys: list[str], tick_at: int, claimed: list[str]
    ) -> tuple[dict[str, list[dict[str, object]]], int]:
        """Each shard's messages by shard key, and how many shards another run had already claimed."""
        queries = {key: pool.submit(self._due_in_shard, key, tick_at, claimed) for key in keys}
        for done in as_completed(queries.values()):
            done.result()  # the first failure stops the run (and releases the claims)
        found_by_key: dict[str, list[dict[str, object]]] = {}
        skipped = 0
        for key, query in queries.items():
            found = query.result()
            if found is None:
                skipped += 1
            else:
                found_by_key[key] = found
        return found_by_key, skipped

    def _send(self, pool: ThreadPoolExecutor, bodies: list[dict[str, object]]) -> int:
        """Batches are cut across shards and users: every SendMessageBatch but the last carries ten. The
        batches holding every user's first tick go first, and the rest only once they are in the queue."""
        batches = [bodies[i : i + 10] for i in range(0, len(bodies), 10)]
        first_round = -(-len({str(b["user_id"]) for b in bodies}) // 10)
        send_calls = 0
        for wave in (batches[:first_round], batches[first_round:]):
            sends: list[Future[int]] = [pool.submit(self._queue.send_batch, batch) for batch in wave]
            send_calls += sum(send.result() for send in sends)
        return send_calls

    def _give_back(self, claimed: list[str], failure: Exception) -> None:
        """A failed run gives its shards back, so the schedule's retry sends the whole minute again: ticks
        are idempotent on (bot, tick_at), and a repeat costs less than a bot missing its bar. A claim that
        cannot be given back expires with its lease; the run's own failure is what is raised."""
        kept = []
        for key in claimed:
            try:
                self._claims.release(key)
            except Exception:
                kept.append(key)
        if kept:
            failure.add_note(
                f"{len(kept)} dispatch claims could not be released; they expire after their "
                f"{self._claim_lease_s} s lease: {kept}"
            )

    def _due_in_shard(self, shard_key: str, tick_at: int, claimed: list[str]) -> list[dict[str, object]] | None:
        """The shard's tick messages, or None when another run already claimed this (shard, tick)."""
        claim = f"dispatch#{shard_key}#{tick_at}"
        if not self._claims.claim(claim, ttl_s=self._claim_lease_s):
            return None
        claimed.append(claim)
        interval = shard_key.split("#", 1)[0]
        return [
            TickMessage(user_id=user_id, bot_id=bot_id, tick_at=tick_at, symbol=symbol, interval=interval).body()
            for user_id, bot_id, symbol in self._index.due(shard_key)
        ]


def fair_order(bodies: Sequence[dict[str, object]], tick_at: int) -> list[dict[str, object]]:
    """Round-robin across users: each user's first message, then each user's second, and so on. The users'
    order is a hash of (user, minute), so nobody is always first. A user's message of rank r (0-based) is
    sent at position <= r * U + U - 1 whatever the others have, U being the number of users."""
    counts: dict[str, int] = {}
    ranked: list[tuple[int, str, int]] = []
    for index, body in enumerate(bodies):
        user = str(body["user_id"])
        rank = counts.get(user, 0)
        counts[user] = rank + 1
        ranked.append((rank, user, index))
    turn = {u: hashlib.sha256(f"{tick_at}:{u}".encode()).digest() for u in counts}
    ranked.sort(key=lambda item: (item[0], turn[item[1]], item[2]))
    return [bodies[index] for _, _, index in ranked]
