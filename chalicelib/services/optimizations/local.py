"""An optimization run in one process (the CLI): the same service, coordinator, trial messages and views as
the API, on the in-memory store with its conditional semantics and a FIFO queue drained in place."""

from __future__ import annotations

import json
from collections import deque
from typing import Any

from chalicelib.adapters.memory_optimizations import MemoryOptimizationStore
from chalicelib.domain.clock import Clock
from chalicelib.services.messages import OptimizationMessage
from chalicelib.services.optimizations.service import Limits, OptimizationService
from chalicelib.services.optimizations.view import job_view

LOCAL_USER = "local"


class _Queue:
    def __init__(self) -> None:
        self.bodies: deque[str] = deque()

    def send(self, body: dict[str, Any]) -> None:
        self.bodies.append(json.dumps(body))  # as SQS would carry it: a body that does not serialise fails


class _Blobs:
    def __init__(self) -> None:
        self._data: dict[str, bytes] = {}

    def put(self, key: str, data: bytes, content_type: str) -> None:
        self._data[key] = data

    def get(self, key: str) -> bytes | None:
        return self._data.get(key)

    def delete(self, key: str) -> bool:
        return self._data.pop(key, None) is not None


class _NoMarket:
    def closed_candles(self, *args: Any, **kwargs: Any) -> list[Any]:
        raise RuntimeError("the local optimizer reads a CSV, not the market")

    def minute_open(self, *args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("the local optimizer reads a CSV, not the market")


class _WallClock:
    def now_ms(self) -> int:
        import time

        return int(time.time() * 1000)


def run_local(body: dict[str, Any], *, limits: Limits | None = None, clock: Clock | None = None) -> dict[str, Any]:
    """Run the job of `body` (with `csv`) to its end and return its view (as GET shows it)."""
    queue, store = _Queue(), MemoryOptimizationStore()
    service = OptimizationService(
        store=store, blobs=_Blobs(), queue=queue, market=_NoMarket(), clock=clock or _WallClock(), limits=limits
    )
    job = service.create(LOCAL_USER, body)
    while queue.bodies:
        service.handle(OptimizationMessage.parse(queue.bodies.popleft()))
    done = service.get(LOCAL_USER, job.id)
    return job_view(done, service.trials(done), (clock or _WallClock()).now_ms())
