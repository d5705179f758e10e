"""Fixed-window attempt counters (login throttling) as atomic DynamoDB counters with a TTL."""

from __future__ import annotations

from pynamodb.attributes import NumberAttribute, UnicodeAttribute

from chalicelib.adapters.aws_errors import AwsBoundary
from chalicelib.adapters.dynamo.base import Model, table_meta
from chalicelib.domain.clock import Clock


class CounterModel(Model):
    Meta = table_meta("rate-limits")
    pk = UnicodeAttribute(hash_key=True)
    count = NumberAttribute(default=0)
    expires_at = NumberAttribute()
    last_ms = NumberAttribute(null=True)
    prev_ms = NumberAttribute(null=True)


class DynamoAttemptCounter(AwsBoundary):
    def __init__(self, clock: Clock) -> None:
        self._clock = clock

    def _window(self, key: str, window_s: int) -> tuple[str, int]:
        now_s = self._clock.now_ms() // 1000
        start = now_s - now_s % window_s
        return f"{key}#{start}", start + window_s

    def count(self, key: str, window_s: int) -> tuple[int, int]:
        pk, end = self._window(key, window_s)
        try:
            item = CounterModel.get(pk, consistent_read=True)
        except CounterModel.DoesNotExist:
            return 0, end - self._clock.now_ms() // 1000
        return int(item.count), end - self._clock.now_ms() // 1000

    def add(self, key: str, window_s: int) -> None:
        pk, end = self._window(key, window_s)
        # One atomic UpdateItem: concurrent failures are all counted.
        CounterModel(pk=pk).update(actions=[CounterModel.count.add(1), CounterModel.expires_at.set(end + 60)])

    def hit(self, key: str, window_s: int) -> tuple[int, int]:
        pk, end = self._window(key, window_s)
        item = CounterModel(pk=pk)
        # One UpdateItem: every operand reads the item as it was, so `prev_ms` gets the previous attempt's time
        # and concurrent attempts each see a different count.
        item.update(
            actions=[
                CounterModel.count.add(1),
                CounterModel.prev_ms.set(CounterModel.last_ms | 0),
                CounterModel.last_ms.set(self._clock.now_ms()),
                CounterModel.expires_at.set(end + 60),
            ]
        )
        return int(item.count) - 1, int(item.prev_ms or 0)

    def undo(self, key: str, window_s: int) -> None:
        pk, end = self._window(key, window_s)
        CounterModel(pk=pk).update(actions=[CounterModel.count.add(-1), CounterModel.expires_at.set(end + 60)])

    def reset(self, key: str, window_s: int) -> None:
        pk, _ = self._window(key, window_s)
        CounterModel(pk=pk).delete()
