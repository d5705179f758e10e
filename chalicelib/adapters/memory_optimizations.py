"""Optimization jobs in memory, with the DynamoDB store's conditional semantics (a trial is recorded once,
only while its job runs; a batch advances once): the CLI runs a search through the same service and
coordinator as the API on it, and unit tests use it."""

from __future__ import annotations

import threading
from dataclasses import replace
from typing import Any

from chalicelib.domain.optimization.job import ACTIVE, DONE, PENDING, RUNNING, Job, Trial


class MemoryOptimizationStore:
    def __init__(self) -> None:
        self._jobs: dict[tuple[str, str], Job] = {}
        self._trials: dict[tuple[str, str], dict[int, Trial]] = {}
        self._lock = threading.Lock()

    def create(self, job: Job) -> None:
        with self._lock:
            if (job.user_id, job.id) in self._jobs:
                raise ValueError("job exists")
            self._jobs[(job.user_id, job.id)] = job
            self._trials[(job.user_id, job.id)] = {}

    def get(self, user_id: str, job_id: str) -> Job | None:
        return self._jobs.get((user_id, job_id))

    def page(self, user_id: str, cursor: str | None, limit: int) -> tuple[list[Job], str | None]:
        mine = sorted((j for (u, _), j in self._jobs.items() if u == user_id), key=lambda j: j.id, reverse=True)
        start = int(cursor) if cursor else 0
        more = start + limit < len(mine)
        return mine[start : start + limit], str(start + limit) if more else None

    def add_trials(self, user_id: str, job_id: str, trials: list[Trial]) -> None:
        with self._lock:
            stored = self._trials[(user_id, job_id)]
            for t in trials:
                stored.setdefault(t.number, replace(t, state=PENDING))

    def _change(self, user_id: str, job_id: str, ok: Any, **changes: Any) -> bool:
        with self._lock:
            job = self._jobs.get((user_id, job_id))
            if job is None or not ok(job):
                return False
            self._jobs[(user_id, job_id)] = replace(job, **changes)
            return True

    def advance(self, user_id: str, job_id: str, batch: int, added: int, now_ms: int) -> bool:
        job = self.get(user_id, job_id)
        if job is None:
            return False
        started = now_ms if batch == 0 else job.started_at_ms
        return self._change(user_id, job_id, lambda j: j.batch == batch - 1 and j.status in ACTIVE,
                            batch=batch, dispatched=job.dispatched + added, status=RUNNING,
                            started_at_ms=started, updated_at_ms=now_ms)

    def record(self, user_id: str, job_id: str, trial: Trial, now_ms: int) -> bool:
        with self._lock:
            job = self._jobs.get((user_id, job_id))
            stored = self._trials.get((user_id, job_id), {}).get(trial.number)
            if job is None or job.status != RUNNING or stored is None or stored.state != PENDING:
                return False
            self._trials[(user_id, job_id)][trial.number] = replace(
                stored, state=trial.state, score=trial.score, in_sample=trial.in_sample, fold_scores=trial.fold_scores
            )
            self._jobs[(user_id, job_id)] = replace(job, done=job.done + 1, updated_at_ms=now_ms)
            return True

    def trials(self, user_id: str, job_id: str) -> list[Trial]:
        return [t for _, t in sorted(self._trials.get((user_id, job_id), {}).items())]

    def finish(self, user_id: str, job_id: str, summary: dict[str, Any], now_ms: int) -> bool:
        return self._change(user_id, job_id, lambda j: j.status == RUNNING, status=DONE, summary=summary,
                            updated_at_ms=now_ms)

    def end(self, user_id: str, job_id: str, status: str, error: str | None, now_ms: int) -> bool:
        return self._change(user_id, job_id, lambda j: j.status in ACTIVE, status=status, error=error,
                            updated_at_ms=now_ms)
