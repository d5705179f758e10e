"""In-memory fakes of the queue ports: SQS as the producers see it (services/ports/bots.py MessageQueue, the
backtests' JobQueue) and the notifier. Bodies are kept as the JSON text SQS would carry, so a body that does
not serialise fails here as it would on SQS; `send_batch` counts SendMessageBatch calls of at most 10."""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from typing import Any

from chalicelib.services.ports.bots import BotEvent


class InMemoryQueue:
    def __init__(self, url: str = "memory://queue") -> None:
        self.url = url
        self._bodies: list[str] = []
        self._lock = threading.Lock()
        self.batch_calls = 0

    def send(self, body: dict[str, Any]) -> None:
        text = json.dumps(body, separators=(",", ":"))
        with self._lock:
            self._bodies.append(text)

    def send_batch(self, bodies: Sequence[dict[str, Any]]) -> int:
        calls = 0
        for start in range(0, len(bodies), 10):
            texts = [json.dumps(b, separators=(",", ":")) for b in bodies[start : start + 10]]
            with self._lock:
                self._bodies.extend(texts)
                self.batch_calls += 1
            calls += 1
        return calls

    @property
    def messages(self) -> list[dict[str, Any]]:
        with self._lock:
            return [json.loads(b) for b in self._bodies]

    def drain(self) -> list[dict[str, Any]]:
        with self._lock:
            taken, self._bodies = self._bodies, []
        return [json.loads(b) for b in taken]


class InMemoryQueues:
    """A queue per URL, for `bootstrap(queue=...)`: the container asks for its ticks, jobs and notify queues."""

    def __init__(self) -> None:
        self.by_url: dict[str, InMemoryQueue] = {}

    def __call__(self, url: str) -> InMemoryQueue:
        if url not in self.by_url:
            self.by_url[url] = InMemoryQueue(url)
        return self.by_url[url]


class InMemoryNotifier:
    def __init__(self) -> None:
        self.events: list[BotEvent] = []

    def publish(self, events: Sequence[BotEvent]) -> None:
        self.events.extend(events)
