"""An optimization job as the product keeps it: its validated spec, its row, its trials, and its states
(queued -> running -> done | cancelled | failed)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.optimization.objectives import DEFAULT_OBJECTIVE, OBJECTIVES
from chalicelib.domain.optimization.space import SearchSpace, parse_space
from chalicelib.domain.optimization.validation import parse_validation

QUEUED, RUNNING, DONE, CANCELLED, FAILED = "queued", "running", "done", "cancelled", "failed"
ACTIVE = (QUEUED, RUNNING)
SAMPLERS = ("grid", "random", "tpe")
PENDING, COMPLETE, NO_SCORE, INFEASIBLE = "pending", "complete", "no_score", "infeasible"
ERROR = "error"  # its message failed on every allowed receive: the trial is lost, the job goes on
DEFAULT_TRIALS = 100


@dataclass(frozen=True)
class Spec:
    """What to search (validated): everything a trial and the sampler need, stored with the job as JSON."""

    strategy: str
    params: dict[str, Any]  # the fixed strategy params
    risk: dict[str, Any]  # the fixed risk rules (JSON form)
    space: dict[str, Any]  # as given (re-parsed where needed)
    objective: str
    min_trades: int
    sampler: str
    trials: int  # the budget: trials to run (a grid's size for a grid search)
    seed: int
    validation: dict[str, Any]
    fee: float
    slippage: float
    cash: float

    def parsed_space(self) -> SearchSpace:
        return parse_space(self.strategy, self.space, self.params)

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _invalid(field_name: str, message: str, code: str = "validation_error") -> InvalidInput:
    return InvalidInput(f"{field_name}: {message}", code=code, details=[{"field": field_name, "message": message}])


def parse_spec(body: dict[str, Any], *, max_trials: int) -> Spec:
    """The spec of a request body (strategy, params, risk, space, objective, min_trades, sampler, trials,
    seed, validation, fee, slippage, cash); InvalidInput naming the field otherwise."""
    strategy = body.get("strategy")
    space = parse_space(str(strategy), body.get("space"), body.get("params"))
    objective = body.get("objective") or DEFAULT_OBJECTIVE
    if objective not in OBJECTIVES:
        raise _invalid("objective", f"must be one of {', '.join(OBJECTIVES)}")
    sampler = body.get("sampler") or "tpe"
    if sampler not in SAMPLERS:
        raise _invalid("sampler", f"must be one of {', '.join(SAMPLERS)}")
    trials = body.get("trials") or DEFAULT_TRIALS
    if sampler == "grid":
        trials = space.grid_size()
    if not isinstance(trials, int) or trials < 1:
        raise _invalid("trials", "must be a positive integer")
    if trials > max_trials:
        what = f"the grid has {trials} points" if sampler == "grid" else f"{trials} trials requested"
        raise _invalid("trials", f"{what}; at most {max_trials} trials per job", code="too_many_trials")
    return Spec(
        strategy=str(strategy),
        params=space.fixed_params,
        risk=dict(body.get("risk") or {}),
        space=dict(body["space"]),
        objective=objective,
        min_trades=int(body.get("min_trades", 1)),
        sampler=sampler,
        trials=trials,
        seed=int(body.get("seed", 0)),
        validation=parse_validation(body.get("validation")),
        fee=float(body.get("fee", 0.001)),
        slippage=float(body.get("slippage", 0.0)),
        cash=float(body.get("cash", 10_000.0)),
    )


@dataclass(frozen=True)
class Trial:
    number: int
    batch: int
    point: dict[str, Any]  # the sampled values, by space name
    system_attrs: dict[str, Any] = field(default_factory=dict)  # the sampler's own (a grid point's id)
    state: str = PENDING
    score: float | None = None
    in_sample: dict[str, Any] | None = None
    fold_scores: list[float | None] | None = None


@dataclass(frozen=True)
class Job:
    id: str
    user_id: str
    status: str
    spec: Spec
    source: str  # "csv" | "range"
    symbol: str
    interval: str
    start_ms: int | None
    end_ms: int | None
    bars: int
    created_at_ms: int
    updated_at_ms: int
    batch: int = -1  # the last batch dispatched
    dispatched: int = 0  # trials created so far
    done: int = 0  # trials whose result is recorded
    started_at_ms: int | None = None
    summary: dict[str, Any] | None = None  # set when done: best, out-of-sample, warning
    error: str | None = None

    @property
    def input_key(self) -> str:
        # Under backtests/: the jobs' policy and the 90-day lifecycle already cover that prefix.
        return f"backtests/{self.user_id}/optimization-{self.id}.csv"
