"""The dispatcher against in-memory ports: every due bot leaves exactly once, in batches of ten cut across
shards, and a shard claimed by an earlier run is skipped."""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Sequence
from typing import Any

import pytest

from chalicelib.services.dispatch import Dispatcher

TICK = 1_767_225_660_000  # 00:01 UTC: only 1m bars close


class Index:
    def __init__(self, sizes: dict[str, int]) -> None:
        self.bots = {key: [(f"u{i % 3}", f"{key}/bot{i}", "BTCUSDT") for i in range(n)] for key, n in sizes.items()}

    def due(self, shard_key: str) -> list[tuple[str, str, str]]:
        time.sleep(random.uniform(0, 0.01))  # shards answer in any order
        return list(self.bots.get(shard_key, []))


class Queue:
    def __init__(self) -> None:
        self.batches: list[list[dict[str, Any]]] = []
        self._lock = threading.Lock()

    def send_batch(self, bodies: Sequence[dict[str, Any]]) -> int:
        assert 1 <= len(bodies) <= 10
        with self._lock:
            self.batches.append(list(bodies))
        return 1


class Claims:
    def __init__(self, taken: set[str] = frozenset()) -> None:  # type: ignore[assignment]
        self.keys = set(taken)
        self._lock = threading.Lock()

    def claim(self, key: str, ttl_s: int) -> bool:
        with self._lock:
            if key in self.keys:
                return False
            self.keys.add(key)
            return True

    def release(self, key: str) -> None:
        with self._lock:
            self.keys.remove(key)


class FailingQueue(Queue):
    """Refuses its n-th SendMessageBatch, as SQS does when it is unavailable."""

    def __init__(self, fail_on: int) -> None:
        super().__init__()
        self.calls = 0
        self.fail_on = fail_on

    def send_batch(self, bodies: Sequence[dict[str, Any]]) -> int:
        with self._lock:
            self.calls += 1
            failing = self.calls == self.fail_on
        if failing:
            raise RuntimeError("SQS unavailable")
        return super().send_batch(bodies)


class FailingIndex(Index):
    def due(self, shard_key: str) -> list[tuple[str, str, str]]:
        if shard_key == "1m#05":
            raise RuntimeError("DynamoDB unavailable")
        return super().due(shard_key)


@pytest.mark.parametrize("seed", range(5))
def test_every_due_bot_is_sent_once_in_full_batches(seed):
    random.seed(seed)
    sizes = {f"1m#{s:02d}": random.choice([0, 1, 7, 10, 13, 25]) for s in range(16)}
    queue = Queue()
    report = Dispatcher(index=Index(sizes), queue=queue, claims=Claims(), shards=16).dispatch(TICK + 1234)

    sent = [body for batch in queue.batches for body in batch]
    expected = sum(sizes.values())
    assert report.bots == expected and report.shards == 16 and report.skipped_shards == 0
    assert sorted(b["bot_id"] for b in sent) == sorted(f"{k}/bot{i}" for k, n in sizes.items() for i in range(n))
    assert all(b["tick_at"] == TICK and b["interval"] == "1m" and b["symbol"] == "BTCUSDT" for b in sent)
    # Batches are cut across shards: all carry ten but one, so the calls are ceil(bots / 10).
    assert report.send_calls == len(queue.batches) == -(-expected // 10)
    assert sum(1 for batch in queue.batches if len(batch) < 10) <= 1


def test_a_second_run_for_the_same_minute_sends_nothing_and_skips_claimed_shards():
    claims = Claims()
    index = Index({f"1m#{s:02d}": 3 for s in range(16)})
    first = Dispatcher(index=index, queue=Queue(), claims=claims, shards=16).dispatch(TICK)
    queue = Queue()
    again = Dispatcher(index=index, queue=queue, claims=claims, shards=16).dispatch(TICK + 59_999)
    assert first.bots == 48
    assert again.bots == 0 and again.skipped_shards == 16 and queue.batches == []


def test_only_intervals_whose_bar_closes_are_dispatched():
    sizes = {"1m#00": 2, "5m#00": 3, "1h#00": 4, "1d#00": 5}
    queue = Queue()
    report = Dispatcher(index=Index(sizes), queue=queue, claims=Claims(), shards=1).dispatch(1_767_225_600_000)
    # 00:00 UTC closes every interval's bar.
    assert report.bots == 14 and report.shards == 6
    queue = Queue()
    report = Dispatcher(index=Index(sizes), queue=queue, claims=Claims(), shards=1).dispatch(1_767_225_900_000)
    # 00:05 UTC closes 1m and 5m bars only.
    assert report.bots == 5 and {b["interval"] for batch in queue.batches for b in batch} == {"1m", "5m"}


@pytest.mark.parametrize("failure", ["send", "query"])
def test_a_failed_run_gives_its_shards_back_so_the_retry_sends_the_whole_minute(failure):
    sizes = {f"1m#{s:02d}": 12 for s in range(16)}
    claims = Claims({"dispatch#1m#03#" + str(TICK)})  # one shard was dispatched by an earlier run
    queue = FailingQueue(fail_on=4) if failure == "send" else Queue()
    index = FailingIndex(sizes) if failure == "query" else Index(sizes)
    with pytest.raises(RuntimeError, match="unavailable"):
        Dispatcher(index=index, queue=queue, claims=claims, shards=16).dispatch(TICK)
    # Only the earlier run's claim is left; this run's are released.
    assert claims.keys == {"dispatch#1m#03#" + str(TICK)}

    retry_queue = Queue()
    retry = Dispatcher(index=Index(sizes), queue=retry_queue, claims=claims, shards=16).dispatch(TICK)
    sent_again = {b["bot_id"] for batch in retry_queue.batches for b in batch}
    assert retry.skipped_shards == 1 and retry.bots == 15 * 12
    assert sent_again == {f"1m#{s:02d}/bot{i}" for s in range(16) if s != 3 for i in range(12)}


def test_a_claim_that_cannot_be_released_does_not_hide_the_failure_or_keep_the_others():
    class StickyClaims(Claims):
        def release(self, key: str) -> None:
            if key.startswith("dispatch#1m#07#"):
                raise RuntimeError("DynamoDB throttled the delete")
            super().release(key)

    claims = StickyClaims()
    with pytest.raises(RuntimeError, match="SQS unavailable") as failed:
        Dispatcher(
            index=Index({f"1m#{s:02d}": 12 for s in range(16)}), queue=FailingQueue(fail_on=1), claims=claims, shards=16
        ).dispatch(TICK)
    assert claims.keys == {f"dispatch#1m#07#{TICK}"}
    assert "1 dispatch claims could not be released" in "".join(failed.value.__notes__)
