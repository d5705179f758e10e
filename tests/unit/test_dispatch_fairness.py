"""Dispatch is fair across users: one user's thousand bots do not push another user's tick back. Every user's
first due tick is among the first U messages of the minute (U = users with a tick due), so it leaves in the
first ceil(U / 10) SendMessageBatch calls."""

from __future__ import annotations

import math
import zlib
from typing import Any

from chalicelib.services.dispatch import Dispatcher, fair_order
from tests.unit.test_dispatcher import TICK, Claims, Queue

SHARDS = 16


class UsersIndex:
    """`bots[user] = n`: n running 1m bots, spread over the shards by a hash of their id (as in production)."""

    def __init__(self, bots: dict[str, int]) -> None:
        self.shards: dict[str, list[tuple[str, str, str]]] = {}
        for user, n in bots.items():
            for i in range(n):
                bot_id = f"{user}-bot{i}"
                key = f"1m#{zlib.crc32(bot_id.encode()) % SHARDS:02d}"
                self.shards.setdefault(key, []).append((user, bot_id, "BTCUSDT"))

    def due(self, shard_key: str) -> list[tuple[str, str, str]]:
        return list(self.shards.get(shard_key, []))


def _dispatch(bots: dict[str, int], tick: int = TICK) -> list[dict[str, Any]]:
    queue = Queue()
    Dispatcher(index=UsersIndex(bots), queue=queue, claims=Claims(), shards=SHARDS, parallelism=1).dispatch(tick)
    # parallelism 1: batches leave in the order they were submitted, which is the order to check.
    return [body for batch in queue.batches for body in batch]


def test_one_users_thousand_bots_do_not_delay_another_users_tick() -> None:
    sent = _dispatch({"heavy": 1000, "light": 1})
    assert len(sent) == 1001 and len({m["bot_id"] for m in sent}) == 1001
    position = next(i for i, m in enumerate(sent) if m["user_id"] == "light")
    assert position < 2  # U = 2 users: within the first round, so in the first SendMessageBatch


def test_every_light_users_tick_is_in_the_first_ceil_u_over_10_batches() -> None:
    light = {f"user{i:02d}": 1 + i % 3 for i in range(25)}
    queue = Queue()
    index = UsersIndex({"heavy": 1000, **light})
    Dispatcher(index=index, queue=queue, claims=Claims(), shards=SHARDS, parallelism=1).dispatch(TICK)
    users = 26
    first_round = math.ceil(users / 10)
    for user in light:
        first = next(b for b, batch in enumerate(queue.batches) if any(m["user_id"] == user for m in batch))
        assert first < first_round, user
    # Every bot still leaves once, in full batches of ten but the last.
    sizes = [len(b) for b in queue.batches]
    assert sum(sizes) == 1000 + sum(light.values()) and all(s == 10 for s in sizes[:-1])


def test_a_users_rank_r_message_is_sent_by_position_r_times_u_plus_u() -> None:
    bots = {"a": 5, "b": 50, "c": 500}
    sent = _dispatch(bots)
    users = len(bots)
    for user in bots:
        positions = [i for i, m in enumerate(sent) if m["user_id"] == user]
        for rank, position in enumerate(positions):
            assert position <= rank * users + users - 1, (user, rank, position)


def test_nobody_is_always_first() -> None:
    firsts = {fair_order([{"user_id": u, "bot_id": u} for u in "abcdef"], TICK + m * 60_000)[0]["user_id"]
              for m in range(30)}  # fmt: skip
    assert len(firsts) > 1
