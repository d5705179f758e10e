"""Powertools Logger, Tracer and Metrics, configured by POWERTOOLS_* environment variables.
Created once per process; library modules use `logger` from here. The AWS libraries' own loggers are
quietened where those libraries are wired (adapters/dynamo/base.py).

The Tracer is built on first use: building it imports the X-Ray SDK and creates its recorder (a third of a
worker's cold import), which a function pays only when it traces something."""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from aws_lambda_powertools import Logger, Metrics

if TYPE_CHECKING:
    from aws_lambda_powertools import Tracer

F = TypeVar("F", bound=Callable[..., Any])


class LazyTracer:
    """Stands for Powertools' `Tracer(service=...)`: attributes are the built tracer's."""

    def __init__(self, service: str) -> None:
        self._service = service
        self._built: Tracer | None = None
        self._building = threading.Lock()

    def build(self) -> Tracer:
        if self._built is None:
            with self._building:
                if self._built is None:
                    from aws_lambda_powertools import Tracer

                    self._built = Tracer(service=self._service)
        return self._built

    def capture_method(self, method: F) -> F:
        """As Tracer.capture_method; decorating at import time does not build the tracer, the first call does."""
        traced: Callable[..., Any] | None = None

        @functools.wraps(method)
        def call(*args: Any, **kwargs: Any) -> Any:
            nonlocal traced
            if traced is None:
                traced = self.build().capture_method(method)
            return traced(*args, **kwargs)

        return call  # type: ignore[return-value]

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):  # not built yet while copying or unpickling: no tracer for that
            raise AttributeError(name)
        return getattr(self.build(), name)


class ThreadSafeMetrics(Metrics):
    """Powertools' Metrics, whose add_metric reads a metric's values, appends and stores them back: two
    threads adding the same metric at once (a ticks batch's records run concurrently) could lose one."""

    _adding = threading.Lock()

    def add_metric(self, *args: Any, **kwargs: Any) -> None:
        with self._adding:
            super().add_metric(*args, **kwargs)


logger = Logger(service="tradebot")
tracer = LazyTracer(service="tradebot")
metrics = ThreadSafeMetrics(namespace="Tradebot", service="tradebot")

__all__ = ["LazyTracer", "ThreadSafeMetrics", "logger", "metrics", "tracer"]
