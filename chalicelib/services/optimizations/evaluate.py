"""Evaluating trials and summing a search up: the windows a trial is scored on, its in-sample metrics, and
at the end the top trials re-run on the held-out bars (and each walk-forward fold's choice on its test)."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from chalicelib.domain.candles import CandleSeries
from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.optimization import (
    TOP_K,
    evaluate_batch,
    overfitting_warning,
    score,
    split,
    split_trial,
)
from chalicelib.domain.optimization.job import COMPLETE, INFEASIBLE, NO_SCORE, Job, Spec, Trial
from chalicelib.services.backtests.results import chart_indices

# Equity points kept per curve of a top trial: 5 trials x 2 curves x 300 compact [ms, equity] pairs is
# ~90 KB of JSON, well inside the job's DynamoDB item (400 KB) next to the rest of the summary.
EQUITY_POINTS = 300

CACHE_SERIES = 4
# Market data for a job's period, loaded once per worker process, not once per trial message: a warm Lambda
# (or the local runtime's worker) serves every trial message of the job from here.
_SERIES: OrderedDict[tuple[Any, ...], CandleSeries] = OrderedDict()


def series_key(job: Job) -> tuple[Any, ...]:
    if job.source == "csv":
        return ("csv", job.input_key)
    return ("range", job.symbol, job.interval, job.start_ms, job.end_ms)


def cached_series(key: tuple[Any, ...], load: Callable[[], CandleSeries]) -> CandleSeries:
    if key in _SERIES:
        _SERIES.move_to_end(key)
        return _SERIES[key]
    series = load()
    _SERIES[key] = series
    while len(_SERIES) > CACHE_SERIES:
        _SERIES.popitem(last=False)
    return series


def trial_inputs(spec: Spec, point: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    params, risk = split_trial(point)
    return {**spec.params, **params}, {**spec.risk, **risk}


def _run(spec: Spec, window: CandleSeries, inputs: list[tuple[dict[str, Any], dict[str, Any]]]) -> list[Any]:
    return evaluate_batch(window, spec.strategy, list(inputs), fee=spec.fee, slippage=spec.slippage, cash=spec.cash)


def _feasible(spec: Spec, trials: list[Trial]) -> tuple[list[Trial], list[Trial]]:
    from chalicelib.domain.risk import validate_risk
    from chalicelib.domain.strategies import validate_params

    ok, bad = [], []
    for t in trials:
        params, risk = trial_inputs(spec, t.point)
        try:
            validate_params(spec.strategy, params)
            validate_risk(risk)
            ok.append(t)
        except InvalidInput:
            bad.append(replace(t, state=INFEASIBLE))  # e.g. fast >= slow where the two ranges overlap
    return ok, bad


def evaluate_trials(spec: Spec, series: CandleSeries, trials: list[Trial]) -> list[Trial]:
    """Each trial scored on the search windows in one batch per window; the last window's metrics are its
    in-sample result. Trials whose params break a cross-field rule are infeasible, not run."""
    ok, bad = _feasible(spec, trials)
    if not ok:
        return bad
    windows = split(len(series), spec.validation).train
    inputs = [trial_inputs(spec, t.point) for t in ok]
    per_window = [_run(spec, series.slice(a, b), inputs) for a, b in windows]
    out = []
    for k, t in enumerate(ok):
        metrics = [per_window[w][k].metrics.to_dict() for w in range(len(windows))]
        scores = [score(m, spec.objective, spec.min_trades) for m in metrics]
        out.append(replace(t, state=COMPLETE if scores[-1] is not None else NO_SCORE, score=scores[-1],
                           in_sample=metrics[-1], fold_scores=scores if len(windows) > 1 else None))
    return out + bad


def ranked(trials: list[Trial], key: Callable[[Trial], float | None] = lambda t: t.score) -> list[Trial]:
    scored = [t for t in trials if key(t) is not None]
    return sorted(scored, key=lambda t: (-float(key(t) or 0.0), t.number))


def _out_of_sample(spec: Spec, window: CandleSeries, trials: list[Trial]) -> list[dict[str, Any]]:
    return _rows(spec, trials, _run(spec, window, [trial_inputs(spec, t.point) for t in trials]))


def _rows(spec: Spec, trials: list[Trial], results: list[Any]) -> list[dict[str, Any]]:
    out = []
    for t, r in zip(trials, results, strict=True):
        metrics = r.metrics.to_dict()
        out.append({"trial": t.number, "params": t.point, "in_sample_score": t.score,
                    "out_of_sample_score": score(metrics, spec.objective, spec.min_trades), "out_of_sample": metrics})
    return out


def _fold_score(i: int) -> Callable[[Trial], float | None]:
    return lambda t: t.fold_scores[i] if t.fold_scores else None


def _walk_forward(spec: Spec, series: CandleSeries, trials: list[Trial]) -> list[dict[str, Any]] | None:
    cut = split(len(series), spec.validation)
    if len(cut.train) == 1:
        return None
    folds: list[dict[str, Any]] = []
    for i, (test_a, test_b) in enumerate(cut.test):
        best = ranked(trials, _fold_score(i))
        if not best:
            folds.append({"fold": i, "train_bars": cut.train[i][1], "trial": None})
            continue
        row = _out_of_sample(spec, series.slice(test_a, test_b), best[:1])[0]
        folds.append({"fold": i, "train_bars": cut.train[i][1], "test_bars": test_b - test_a, **row,
                      "in_sample_score": (best[0].fold_scores or [None])[i]})
    return folds


def _curve(result: Any) -> list[list[float]]:
    """A chart-sized equity curve as compact [open time ms, equity] pairs (peaks and troughs kept)."""
    times, values = result.open_time.tolist(), result.equity.tolist()
    return [[int(times[i]), round(float(values[i]), 6)] for i in chart_indices(result.equity, points=EQUITY_POINTS)]


def _top_rows(spec: Spec, series: CandleSeries, top: list[Trial]) -> list[dict[str, Any]]:
    """The top trials re-run on the held-out bars, each with its equity on its in-sample window (the one its
    metrics come from: the last search window) and on the held-out bars that follow it. Trial results store
    metrics only, so the in-sample run is repeated here for these few trials."""
    cut = split(len(series), spec.validation)
    inputs = [trial_inputs(spec, t.point) for t in top]
    ins = _run(spec, series.slice(*cut.train[-1]), inputs)
    outs = _run(spec, series.slice(*cut.held_out), inputs)
    rows = _rows(spec, top, outs)
    for row, a, b in zip(rows, ins, outs, strict=True):
        row["equity"] = {"in_sample": _curve(a), "out_of_sample": _curve(b)}
    return rows


def summarize(spec: Spec, series: CandleSeries, trials: list[Trial]) -> dict[str, Any]:
    """The best trial, the top K re-run on the held-out bars (with both equity curves), the walk-forward
    folds and the warning."""
    top = ranked(trials)[:TOP_K]
    held_a, held_b = split(len(series), spec.validation).held_out
    oos = _top_rows(spec, series, top) if top else []
    best = oos[0] if oos else None
    warning = overfitting_warning(best["in_sample_score"], best["out_of_sample_score"]) if best else None
    return {"best_trial": top[0].number if top else None, "top": oos, "held_out_bars": held_b - held_a,
            "walk_forward": _walk_forward(spec, series, trials), "overfitting_warning": warning}
