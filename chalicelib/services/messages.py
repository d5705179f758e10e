"""The queue messages, defined once: the producer builds its body from the model and the consumer in
`workers.py` parses the record's body into it. A body that does not fit is refused whole with
`MalformedMessage` (the worker logs it and the queue redelivers it until its dead-letter queue keeps it), so a
consumer never half-processes a message it does not understand. Unknown extra fields are ignored, so a
message from a newer producer still reads during a deploy."""

from __future__ import annotations

import json
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

_ID = r"^[^\x00-\x1f/.][^\x00-\x1f]{0,127}$"  # printable, not a path
_Message = TypeVar("_Message", bound="QueueMessage")


class MalformedMessage(ValueError):
    """The body is not JSON or does not fit its model; `problems` says where."""

    def __init__(self, model: str, problems: list[str]) -> None:
        super().__init__(f"malformed {model} message: {'; '.join(problems)[:500]}")
        self.problems = problems


class QueueMessage(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    @classmethod
    def parse(cls: type[_Message], raw: str) -> _Message:
        try:
            data = json.loads(raw)
        except ValueError as exc:
            raise MalformedMessage(cls.__name__, [f"not JSON ({type(exc).__name__})"]) from None
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            problems = [f"{'.'.join(str(p) for p in e['loc']) or 'body'}: {e['msg']}" for e in exc.errors()]
            raise MalformedMessage(cls.__name__, problems) from None

    def body(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


class TickMessage(QueueMessage):
    """One bot's tick at one bar: sent by the dispatcher, run by `run_ticks`."""

    user_id: str = Field(pattern=_ID)
    bot_id: str = Field(pattern=_ID)
    tick_at: int = Field(ge=0)
    symbol: str | None = Field(default=None, pattern=r"^[A-Z0-9]{2,20}$")
    interval: str | None = Field(default=None, max_length=8)


class BacktestJobMessage(QueueMessage):
    """A queued backtest: sent by `POST /backtests`, run by `run_jobs`."""

    kind: Literal["backtest"] = "backtest"
    user_id: str = Field(min_length=1, max_length=64)
    backtest_id: str = Field(min_length=1, max_length=64)


class NotificationMessage(QueueMessage):
    """A bot event for the user: sent by ticks and jobs, delivered by `send_notifications`."""

    user_id: str = Field(min_length=1, max_length=64)
    bot_id: str | None = Field(default=None, max_length=64)
    kind: str = Field(min_length=1, max_length=40)
    message: str = Field(max_length=2000)
    data: dict[str, Any] = Field(default_factory=dict)
    at: int | None = Field(default=None, ge=0)


class SignalMessage(QueueMessage):
    """A signal accepted for a signal bot: sent by the webhook, run by `run_ticks`, which applies the bot's
    queued signals in arrival order (services/signals.py)."""

    kind: Literal["signal"] = "signal"
    user_id: str = Field(pattern=_ID)
    bot_id: str = Field(pattern=_ID)
    seq: str = Field(min_length=1, max_length=40)


class OptimizationTrialRef(QueueMessage):
    number: int = Field(ge=0)
    point: dict[str, Any]


class OptimizationMessage(QueueMessage):
    """A step of an optimization job, on the jobs queue: `coordinate` asks the sampler for batch `batch`
    (or sums the search up when the budget is spent); `trials` evaluates a vector of that batch's trials."""

    kind: Literal["optimization"] = "optimization"
    step: Literal["coordinate", "trials"]
    user_id: str = Field(min_length=1, max_length=64)
    job_id: str = Field(min_length=1, max_length=64)
    batch: int = Field(ge=0)
    trials: list[OptimizationTrialRef] = Field(default_factory=list, max_length=200)


class DriftJobMessage(QueueMessage):
    """A drift report too long to compute inline (services/drift_jobs.py), on the jobs queue; the record it
    fills is keyed by (user, bot, config version, from, to)."""

    kind: Literal["drift"] = "drift"
    user_id: str = Field(pattern=_ID)
    bot_id: str = Field(pattern=_ID)
    version: int = Field(ge=0)
    from_ms: int = Field(ge=0)
    to_ms: int = Field(ge=0)


class DriftDailyMessage(QueueMessage):
    """The daily drift check (services/drift_alerts.py), on the jobs queue: `fanout` lists the running bots
    and queues one `bot` step each, so the dispatcher's minute never computes a report."""

    kind: Literal["drift_daily"] = "drift_daily"
    step: Literal["fanout", "bot"]
    day: str = Field(pattern=r"^\d{4}-\d{2}-\d{2}$")
    user_id: str | None = Field(default=None, pattern=_ID)
    bot_id: str | None = Field(default=None, pattern=_ID)
