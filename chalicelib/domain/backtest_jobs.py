"""A backtest as a stored job: its metadata row and the states it moves through (queued -> running ->
done | failed). The run itself is `chalicelib.domain.backtest`; this is what the product keeps about one."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

KEEP_DAYS = 90  # the artifacts bucket expires backtests/ after 90 days; the metadata row follows

QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"
STATUSES = (QUEUED, RUNNING, DONE, FAILED)


@dataclass(frozen=True)
class Backtest:
    """One backtest's metadata (the result itself lives in the result store under `result_key`)."""

    id: str
    user_id: str
    status: str
    strategy: str
    params: dict[str, Any]
    risk: dict[str, Any]
    symbol: str
    interval: str
    source: str  # "range" | "csv"
    start_ms: int | None
    end_ms: int | None
    fee: float
    slippage: float
    cash: float
    bars: int
    progress: int
    error: str | None
    metrics: dict[str, Any] | None
    created_at_ms: int
    updated_at_ms: int
    attempts: int = 0

    @property
    def result_key(self) -> str:
        return result_key(self.user_id, self.id)

    @property
    def input_key(self) -> str:
        return f"backtests/{self.user_id}/{self.id}.csv"

    @property
    def takes_signals(self) -> bool:
        """A signal bot's backtest may have been given signals, kept under `signals_key` while it is queued."""
        return self.strategy == "signal"

    @property
    def signals_key(self) -> str:
        return f"backtests/{self.user_id}/{self.id}.signals.json"


def result_key(user_id: str, backtest_id: str) -> str:
    return f"backtests/{user_id}/{backtest_id}.json"
