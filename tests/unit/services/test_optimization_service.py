"""The optimization service on the in-memory store (the CLI's): the sampler's batches, grid coverage,
determinism, walk-forward folds, and a step delivered twice."""

from __future__ import annotations

import json
from typing import Any

import pytest

from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.optimization.job import parse_spec
from chalicelib.services.optimizations.local import run_local
from chalicelib.services.optimizations.sampler import ask
from chalicelib.services.optimizations.service import Limits
from tests.conftest import SHARED_MARKET

ETH_5M = SHARED_MARKET / "freqtrade_ETH_BTC_5m_20180110_20180130.csv"
SPACE = {"fast": {"low": 3, "high": 20}, "slow": {"low": 10, "high": 80}}


def _body(**overrides: Any) -> dict[str, Any]:
    body = {"strategy": "sma_cross", "space": SPACE, "trials": 10, "sampler": "random", "seed": 3,
            "objective": "total_return", "min_trades": 1, "csv": ETH_5M.read_text()}
    body.update(overrides)
    return body


def test_a_grid_runs_every_point_once_across_batches() -> None:
    space = {"fast": {"low": 4, "high": 10, "step": 2}, "slow": {"choices": [20, 40, 60]}}
    view = run_local(_body(sampler="grid", space=space), limits=Limits(batch=5, vector=2))
    points = [(t["point"]["fast"], t["point"]["slow"]) for t in view["result"]["trials"]]
    assert len(points) == 12 and len(set(points)) == 12
    assert view["progress"]["total"] == 12


def test_the_same_seed_gives_the_same_result_and_another_seed_another_search() -> None:
    a = run_local(_body(sampler="tpe", trials=14), limits=Limits(batch=6, vector=4))
    b = run_local(_body(sampler="tpe", trials=14), limits=Limits(batch=6, vector=4))
    c = run_local(_body(sampler="tpe", trials=14, seed=4), limits=Limits(batch=6, vector=4))
    assert json.dumps(a["result"]) == json.dumps(b["result"])
    assert [t["point"] for t in a["result"]["trials"]] != [t["point"] for t in c["result"]["trials"]]


def test_walk_forward_reports_each_fold_on_bars_its_choice_never_saw() -> None:
    view = run_local(_body(validation={"walk_forward_folds": 3}))
    folds = view["result"]["walk_forward"]
    assert [f["fold"] for f in folds] == [0, 1, 2]
    assert [f["train_bars"] for f in folds] == sorted(f["train_bars"] for f in folds)
    for fold in folds:
        assert fold["trial"] is not None and fold["out_of_sample"]["num_trades"] >= 0
    assert all(len(t["fold_scores"]) == 3 for t in view["result"]["trials"] if t["state"] != "infeasible")


def test_infeasible_points_are_recorded_without_running() -> None:
    view = run_local(_body(space={"fast": {"low": 10, "high": 30}, "slow": {"low": 12, "high": 32}}, trials=20))
    states = {t["state"] for t in view["result"]["trials"]}
    assert "infeasible" in states and view["progress"]["done"] == 20
    infeasible = [t for t in view["result"]["trials"] if t["state"] == "infeasible"]
    assert all(t["in_sample"] is None and t["params"]["fast"] >= t["params"]["slow"] for t in infeasible)


def test_the_sampler_asks_distinct_points_within_a_batch() -> None:
    spec = parse_spec({"strategy": "sma_cross", "space": SPACE, "sampler": "tpe", "trials": 30}, max_trials=100)
    points = [tuple(p.values()) for p, _ in ask(spec, [], 0, 12)]
    assert len(set(points)) > 6  # constant liar / random start-up: a batch spreads out
    assert ask(spec, [], 0, 12) == ask(spec, [], 0, 12)


def test_a_float_range_without_step_has_no_grid() -> None:
    with pytest.raises(InvalidInput) as exc:
        parse_spec({"strategy": "rsi_reversion", "space": {"lower": {"low": 20, "high": 35}}, "sampler": "grid"},
                   max_trials=100)
    assert exc.value.details[0]["field"] == "space.lower"


def _service(store: Any) -> tuple[Any, Any]:
    from chalicelib.services.optimizations.local import _Blobs, _NoMarket, _Queue, _WallClock
    from chalicelib.services.optimizations.service import OptimizationService

    queue = _Queue()
    service = OptimizationService(store=store, blobs=_Blobs(), queue=queue, market=_NoMarket(),
                                  clock=_WallClock(), limits=Limits(batch=6, vector=3))
    return service, queue


def test_a_coordinator_that_died_after_storing_its_batch_is_redone_with_the_same_trials() -> None:
    from chalicelib.adapters.memory_optimizations import MemoryOptimizationStore
    from chalicelib.services.messages import OptimizationMessage

    store = MemoryOptimizationStore()
    real_advance, calls = store.advance, []

    def dies_once(*args: Any) -> bool:
        calls.append(args)
        if len(calls) == 1:
            raise RuntimeError("killed between the trials and the advance")
        return real_advance(*args)

    store.advance = dies_once  # type: ignore[method-assign]
    service, queue = _service(store)
    job = service.create("u", _body(sampler="tpe", trials=6))
    first = queue.bodies.popleft()
    with pytest.raises(RuntimeError):
        service.handle(OptimizationMessage.parse(first))
    stored = {t.number: t.point for t in store.trials("u", job.id)}
    assert service.handle(OptimizationMessage.parse(first)) == "dispatched"  # the redelivery
    sent = [OptimizationMessage.parse(b) for b in queue.bodies]
    assert {r.number: r.point for m in sent for r in m.trials} == stored


def test_a_trial_vector_that_fails_every_receive_loses_only_its_trials() -> None:
    from chalicelib.adapters.memory_optimizations import MemoryOptimizationStore
    from chalicelib.services.messages import OptimizationMessage

    store = MemoryOptimizationStore()
    service, queue = _service(store)
    job = service.create("u", _body(trials=6))
    service.handle(OptimizationMessage.parse(queue.bodies.popleft()))
    poisoned = OptimizationMessage.parse(queue.bodies.popleft())
    service.abandon(poisoned, "boom")
    while queue.bodies:
        service.handle(OptimizationMessage.parse(queue.bodies.popleft()))
    done = service.get("u", job.id)
    states = [t.state for t in store.trials("u", job.id)]
    assert done.status == "done" and states.count("error") == len(poisoned.trials) == 3
