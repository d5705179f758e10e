"""Ports of the backtest feature: the metadata store, the result (blob) store and the jobs queue."""

from __future__ import annotations

from typing import Any, Protocol

from chalicelib.domain.backtest_jobs import Backtest


class BacktestStore(Protocol):
    def create(self, backtest: Backtest) -> None:
        """Insert a new row (its id is new)."""
        ...

    def get(self, user_id: str, backtest_id: str) -> Backtest | None: ...

    def page(self, user_id: str, cursor: str | None, limit: int) -> tuple[list[Backtest], str | None]:
        """The user's backtests, newest first (ids sort by creation time)."""
        ...

    def start(self, user_id: str, backtest_id: str, now_ms: int) -> Backtest | None:
        """queued|running -> running (attempts + 1), conditionally; None when the row is finished or gone."""
        ...

    def progress(self, user_id: str, backtest_id: str, progress: int, now_ms: int) -> None:
        """Set progress while running; a no-op otherwise."""
        ...

    def finish(self, user_id: str, backtest_id: str, bars: int, metrics: dict[str, Any], now_ms: int) -> bool:
        """running -> done, conditionally; False when it was not running (finished or deleted)."""
        ...

    def fail(self, user_id: str, backtest_id: str, error: str, now_ms: int) -> bool:
        """queued|running -> failed, conditionally."""
        ...

    def delete(self, user_id: str, backtest_id: str) -> bool: ...


class ResultStore(Protocol):
    def put(self, key: str, data: bytes, content_type: str) -> None: ...

    def get(self, key: str) -> bytes | None: ...

    def delete(self, key: str) -> bool:
        """Best effort; False when the blob could not be deleted (it expires with the bucket's lifecycle)."""
        ...


class JobQueue(Protocol):
    def send(self, body: dict[str, Any]) -> None: ...
