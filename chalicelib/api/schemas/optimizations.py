"""Request and response models of /optimizations (see docs/optimization.md)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import ConfigDict, Field

from chalicelib.api.schemas.backtests import MAX_CSV_CHARS
from chalicelib.api.schemas.bots import _STRATEGY, BUDGET_PATTERN, NAME_PATTERN, Interval, RiskIn
from chalicelib.api.validation import ApiModel, StrictModel

MAX_BODY = 6 * 1024 * 1024 + 64 * 1024  # a ~6 MB kline CSV plus the rest of the request
Objective = Literal["sharpe", "sortino", "calmar", "total_return", "profit_factor", "return_over_max_drawdown"]


class OptimizationIn(StrictModel):
    strategy: str = Field(min_length=1, max_length=40, json_schema_extra=_STRATEGY)
    params: dict[str, Any] = Field(default_factory=dict, description="Fixed strategy params (not searched)")
    risk: RiskIn = Field(default_factory=RiskIn)
    space: dict[str, dict[str, Any]] = Field(
        min_length=1, max_length=8,
        description="Per parameter (a strategy param, or risk.<name>): {low, high, step?} or {choices: [...]}",
    )
    objective: Objective = "sharpe"
    min_trades: int = Field(default=1, ge=0, le=100_000, description="Fewer closed trades: the trial has no score")
    sampler: Literal["grid", "random", "tpe"] = "tpe"
    trials: int = Field(default=100, ge=1, le=1_000_000, description="The budget (a grid runs all its points)")
    seed: int = Field(default=0, ge=0, le=2**31 - 1)
    validation: dict[str, Any] | None = Field(default=None, description="{test_pct} (default 30) or "
                                                                          "{walk_forward_folds}")
    symbol: str | None = Field(default=None, pattern=r"^[A-Za-z0-9]{2,20}$", description="Required with start/end")
    interval: Interval | None = None
    start: str | None = Field(default=None, max_length=40, description="ISO-8601 with a time zone, or Unix ms")
    end: str | None = Field(default=None, max_length=40, description="ISO-8601 with a time zone, or Unix ms")
    csv: str | None = Field(default=None, min_length=1, max_length=MAX_CSV_CHARS,
                            description="A Binance kline CSV (instead of start/end)")
    fee: float = Field(default=0.001, ge=0, lt=0.5)
    slippage: float = Field(default=0.0, ge=0, lt=0.5)
    cash: float = Field(default=10_000.0, gt=0, le=1e15)


class EquityPointOut(ApiModel):
    time: int = Field(description="The bar's open time, Unix ms")
    equity: float


class TrialEquityOut(ApiModel):
    """A top trial's equity, each curve downsampled to at most 300 points (first, last, peaks, troughs)."""

    in_sample: list[EquityPointOut] = Field(description="On the window its in-sample metrics come from")
    out_of_sample: list[EquityPointOut] = Field(description="On the held-out bars, which follow it")


class TopTrialOut(ApiModel):
    model_config = ConfigDict(extra="allow")

    trial: int
    params: dict[str, Any]
    in_sample_score: float | None
    out_of_sample_score: float | None
    out_of_sample: dict[str, Any]
    equity: TrialEquityOut | None = Field(default=None, description="Null for jobs finished before curves were kept")


class OptimizationResultOut(ApiModel):
    model_config = ConfigDict(extra="allow")

    objective: str
    trials: list[dict[str, Any]]
    best: dict[str, Any] | None
    top: list[TopTrialOut] = Field(description="The top trials re-run on the held-out bars, best first")
    walk_forward: list[dict[str, Any]] | None
    overfitting_warning: str | None
    overfit_fraction: float
    held_out_bars: int | None
    unfinished_trials: int


class OptimizationOut(ApiModel):
    id: str
    status: Literal["queued", "running", "done", "cancelled", "failed"]
    error: str | None
    strategy: str
    symbol: str
    interval: str
    source: str
    bars: int
    start: str | None
    end: str | None
    created_at: str
    updated_at: str
    spec: dict[str, Any]
    progress: dict[str, Any] = Field(description="done, total, percent, best_so_far, eta_s")
    result: OptimizationResultOut | None = Field(
        default=None, description="When done or cancelled: trials, best, top (out of sample, with equity), "
                                  "walk_forward, overfitting_warning")


class OptimizationListOut(ApiModel):
    items: list[OptimizationOut]
    next_cursor: str | None


class OptimizationQuery(StrictModel):
    cursor: str | None = Field(default=None, max_length=2048)
    limit: int = Field(default=50, ge=1, le=200)


class TrialBotIn(StrictModel):
    model_config = ConfigDict(extra="forbid", regex_engine="python-re")  # the budget pattern looks ahead

    trial: int = Field(ge=0, description="The trial's id")
    name: str | None = Field(default=None, min_length=1, max_length=80, pattern=NAME_PATTERN)
    symbol: str | None = Field(default=None, pattern=r"^[A-Za-z0-9]{2,20}$",
                               description="Default: the job's symbol (required for a CSV job)")
    budget: str | None = Field(default=None, pattern=BUDGET_PATTERN, description="Default: the job's cash")
    mode: Literal["paper", "live"] = "paper"
    api_key_id: str | None = Field(default=None, max_length=64)
