"""A ticks batch's records run at once. A tick spends most of its time waiting on DynamoDB (and a live bot on
the exchange), and Lambda bills an invocation's wall time: ten ticks waited for one after the other cost ten
times what ten waited for together do.

- Records of one bot run one after the other, in batch order, on one thread: two deliveries of a bot's tick
  (or a tick and the bot's signal) never race inside an invocation. Concurrent invocations are held by the
  version checks, as they always were.
- The first tick of a (symbol, interval, minute) in the batch runs before the others of that key, which then
  read the candle window it cached rather than each polling the fill lock it holds (adapters/dynamo/
  candle_cache.py). A record waits only for an earlier one, so the waits cannot go round in a circle, and
  each bot has its own thread, so a wait never holds the thread its leader needs.
- Failures are reported per record, as Powertools' BatchProcessor reports them, in batch order.
- Each record's log lines carry its message id as correlation_id through the logger's thread-local keys."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType

from chalicelib.observability import logger

# The ticks queue's batch size (app.py); a larger batch runs in slices of this many, one after the other.
MAX_RECORDS = 10


@contextmanager
def correlated(message_id: str) -> Iterator[None]:
    """The record's id on every log line its thread writes while it runs, and on no other thread's."""
    logger.thread_safe_append_keys(correlation_id=message_id)
    try:
        yield
    finally:
        logger.thread_safe_remove_keys(["correlation_id"])


def _keys(record: dict[str, Any]) -> tuple[str, str | None]:
    """(the bot the record is for, the candle window its tick reads); a body that does not parse is a group
    of its own and fails in the record handler, as before."""
    try:
        body = json.loads(record.get("body") or "")
    except ValueError:
        body = None
    if not isinstance(body, dict) or not body.get("bot_id"):
        return f"message#{record.get('messageId')}", None
    bot = f"{body.get('user_id')}#{body['bot_id']}"
    if body.get("kind") == "signal" or not body.get("symbol"):
        return bot, None
    return bot, f"{body['symbol']}#{body.get('interval')}#{body.get('tick_at')}"


class _Plan:
    """Which records run on which thread, and which earlier record each waits for."""

    def __init__(self, records: list[dict[str, Any]]) -> None:
        groups: dict[str, list[int]] = {}
        first_of: dict[str, int] = {}
        self.leader: dict[int, int] = {}
        for i, record in enumerate(records):
            bot, candles = _keys(record)
            groups.setdefault(bot, []).append(i)
            if candles is not None:
                leader = first_of.setdefault(candles, i)
                if leader != i:
                    self.leader[i] = leader
        self.groups = list(groups.values())
        self.finished = [threading.Event() for _ in records]


class BotBatchProcessor(BatchProcessor):
    """Powertools' SQS BatchProcessor, its records run concurrently by bot. `prepare` runs on the calling
    thread before any other starts (the process's container, so the threads share one)."""

    def __init__(self, prepare: Callable[[], object] | None = None) -> None:
        super().__init__(event_type=EventType.SQS, raise_on_entire_batch_failure=False)
        self._prepare_threads = prepare
        self.outcomes: list[tuple[Any, ...]] = []  # ("success" | "fail", result, record), in batch order

    def process(self) -> list[tuple[Any, ...]]:
        records = list(self.records)
        results: list[tuple[Any, ...]] = []
        for start in range(0, len(records), MAX_RECORDS):
            results += self._slice(records[start : start + MAX_RECORDS])
        position = {r.get("messageId"): i for i, r in enumerate(records)}
        self.fail_messages.sort(key=lambda m: position.get(getattr(m, "message_id", None), 0))
        self.outcomes = results
        return results

    def _slice(self, records: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
        plan = _Plan(records)
        results: list[Any] = [None] * len(records)

        def run(group: list[int]) -> None:
            for i in group:
                if i in plan.leader:
                    plan.finished[plan.leader[i]].wait()
                try:
                    with correlated(str(records[i].get("messageId"))):
                        results[i] = self._process_record(records[i])
                finally:
                    plan.finished[i].set()

        if len(plan.groups) == 1:
            run(plan.groups[0])
            return results
        if self._prepare_threads is not None:
            self._prepare_threads()
        with ThreadPoolExecutor(max_workers=len(plan.groups), thread_name_prefix="tick") as pool:
            for done in [pool.submit(run, group) for group in plan.groups]:
                done.result()
        return results
