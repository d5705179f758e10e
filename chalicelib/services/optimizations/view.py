"""What GET /optimizations/{id} (and the CLI) shows of a job: its status, progress (done/total, best so far,
ETA) and, once it has ended, its result: every trial with its in-sample metrics, the best, the top trials
re-run out of sample, the walk-forward folds and the overfitting warning. `result` holds no clock time, so
the CLI and the API print the same result for the same input."""

from __future__ import annotations

from typing import Any

from chalicelib.domain.clock import iso_utc
from chalicelib.domain.optimization import OVERFIT_FRACTION
from chalicelib.domain.optimization.job import CANCELLED, DONE, PENDING, Job, Trial
from chalicelib.services.optimizations.evaluate import ranked, trial_inputs


def _trial(job: Job, t: Trial) -> dict[str, Any]:
    params, risk = trial_inputs(job.spec, t.point)
    return {"id": t.number, "point": t.point, "params": params, "risk": risk, "state": t.state, "score": t.score,
            "in_sample": t.in_sample, "fold_scores": t.fold_scores}


def _top(row: dict[str, Any]) -> dict[str, Any]:
    """A top trial as shown: its stored compact [ms, equity] pairs as {time, equity} points (jobs finished
    before curves were kept show `equity: null`)."""
    curves = row.get("equity")
    if not curves:
        return {**row, "equity": None}
    return {**row, "equity": {k: [{"time": t, "equity": e} for t, e in curves[k]]
                              for k in ("in_sample", "out_of_sample")}}


def _eta_s(job: Job, now_ms: int) -> float | None:
    if job.status not in ("queued", "running") or not job.done or job.started_at_ms is None:
        return None
    elapsed = max(now_ms - job.started_at_ms, 1) / 1000
    return round((job.spec.trials - job.done) * elapsed / job.done, 1)


def progress(job: Job, trials: list[Trial], now_ms: int) -> dict[str, Any]:
    best = ranked(trials)[:1]
    return {
        "done": job.done,
        "total": job.spec.trials,
        "percent": round(100 * job.done / job.spec.trials, 1),
        "best_so_far": {"trial": best[0].number, "point": best[0].point, "score": best[0].score} if best else None,
        "eta_s": _eta_s(job, now_ms),
    }


def result(job: Job, trials: list[Trial]) -> dict[str, Any] | None:
    if job.status not in (DONE, CANCELLED):
        return None
    summary = job.summary or {}
    shown = [t for t in trials if t.state != PENDING]
    best = ranked(shown)[:1]
    top = [_top(row) for row in summary.get("top") or []]
    return {
        "objective": job.spec.objective,
        "trials": [_trial(job, t) for t in shown],
        "best": None if not best else {**_trial(job, best[0]), "out_of_sample": top[0]["out_of_sample"] if top
                                       else None},
        "top": top,
        "walk_forward": summary.get("walk_forward"),
        "overfitting_warning": summary.get("overfitting_warning"),
        "overfit_fraction": OVERFIT_FRACTION,
        "held_out_bars": summary.get("held_out_bars"),
        "unfinished_trials": len(trials) - len(shown),
    }


def job_view(job: Job, trials: list[Trial] | None, now_ms: int) -> dict[str, Any]:
    """The job; `trials` None for a list item (no progress detail, no result)."""
    out: dict[str, Any] = {
        "id": job.id, "status": job.status, "error": job.error, "strategy": job.spec.strategy,
        "symbol": job.symbol, "interval": job.interval, "source": job.source, "bars": job.bars,
        "start": None if job.start_ms is None else iso_utc(job.start_ms),
        "end": None if job.end_ms is None else iso_utc(job.end_ms),
        "created_at": iso_utc(job.created_at_ms), "updated_at": iso_utc(job.updated_at_ms),
        "spec": job.spec.to_dict(),
    }
    if trials is None:
        out["progress"] = {"done": job.done, "total": job.spec.trials}
        return out
    return {**out, "progress": progress(job, trials, now_ms), "result": result(job, trials)}
