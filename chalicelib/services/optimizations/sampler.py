"""The sampler: Optuna's ask/tell over the job's history, rebuilt for each batch.

A Lambda keeps no study between messages, so each coordinator step builds an in-memory study, tells it every
trial recorded so far (`add_trials`: the told values, and each grid point's `grid_id` so a grid never repeats
a point), and asks for the next batch. The sampler is seeded with `seed + batch`, so the same history gives
the same batch: a redelivered coordinator message re-creates exactly the trials it may already have stored,
and the CLI reproduces the API's search. TPE runs with `constant_liar`, so the trials of one batch (asked
before any is told) spread out instead of piling onto one point.

Optuna is imported here only: the API never loads it (tests/deploy/test_cold_import.py)."""

from __future__ import annotations

import logging
from typing import Any

from chalicelib.domain.optimization.job import COMPLETE, Spec, Trial
from chalicelib.domain.optimization.space import Dimension, SearchSpace

TPE_STARTUP_TRIALS = 10


def _distribution(d: Dimension) -> Any:
    from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution

    if d.kind == "choice":
        return CategoricalDistribution(list(d.choices))
    if d.kind == "int":
        return IntDistribution(int(d.low or 0), int(d.high or 0), step=int(d.step or 1))
    assert d.low is not None and d.high is not None
    if d.step is not None:  # Optuna wants high on the step's lattice
        steps = int((d.high - d.low) / d.step + 1e-9)
        return FloatDistribution(d.low, d.low + steps * d.step, step=d.step)
    return FloatDistribution(d.low, d.high)


def _sampler(spec: Spec, space: SearchSpace, seed: int) -> Any:
    import optuna

    if spec.sampler == "grid":  # one seed for the whole job: it fixes which point each grid_id names
        return optuna.samplers.GridSampler(space.grid(), seed=spec.seed)
    if spec.sampler == "random":
        return optuna.samplers.RandomSampler(seed=seed)
    return optuna.samplers.TPESampler(seed=seed, constant_liar=True, n_startup_trials=TPE_STARTUP_TRIALS)


def _frozen(trial: Trial, distributions: dict[str, Any], grid: dict[str, Any] | None) -> Any:
    from optuna.trial import TrialState, create_trial

    attrs = dict(trial.system_attrs)
    if grid is not None and "grid_id" in attrs:
        attrs["search_space"] = grid  # kept once here rather than on every stored trial

    told = trial.state == COMPLETE and trial.score is not None
    return create_trial(
        state=TrialState.COMPLETE if told else TrialState.FAIL,
        value=trial.score if told else None,
        params=trial.point,
        distributions=distributions,
        system_attrs=attrs,
    )


def ask(spec: Spec, history: list[Trial], batch: int, count: int) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """The next `count` points, each with the sampler's attributes to keep with it, after `history`."""
    import optuna

    optuna.logging.set_verbosity(logging.WARNING)
    space = spec.parsed_space()
    distributions = {d.name: _distribution(d) for d in space.dimensions}
    study = optuna.create_study(direction="maximize", sampler=_sampler(spec, space, spec.seed + batch))
    grid = space.grid() if spec.sampler == "grid" else None
    study.add_trials([_frozen(t, distributions, grid) for t in sorted(history, key=lambda t: t.number)])
    points = []
    for _ in range(count):
        asked = study.ask(fixed_distributions=distributions)
        attrs = study._storage.get_trial_system_attrs(asked._trial_id)
        points.append((dict(asked.params), {k: v for k, v in attrs.items() if k == "grid_id"}))
    return points
