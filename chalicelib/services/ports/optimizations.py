"""Port of the optimization feature: the jobs and their trials. Every state change is conditional, so a
redelivered or concurrent message changes nothing twice (see chalicelib/services/optimizations)."""

from __future__ import annotations

from typing import Any, Protocol

from chalicelib.domain.optimization.job import Job, Trial


class OptimizationStore(Protocol):
    def create(self, job: Job) -> None: ...

    def get(self, user_id: str, job_id: str) -> Job | None: ...

    def page(self, user_id: str, cursor: str | None, limit: int) -> tuple[list[Job], str | None]:
        """The user's jobs, newest first (ids sort by creation time)."""
        ...

    def add_trials(self, user_id: str, job_id: str, trials: list[Trial]) -> None:
        """Insert each trial unless its number is already stored (a redelivered coordinator re-adds them)."""
        ...

    def advance(self, user_id: str, job_id: str, batch: int, added: int, now_ms: int) -> bool:
        """Batch `batch - 1` -> `batch` with `added` more trials dispatched, while queued or running;
        False when another copy advanced it first, or the job is no longer active."""
        ...

    def record(self, user_id: str, job_id: str, trial: Trial, now_ms: int) -> bool:
        """Atomically: the pending trial takes its result and the running job counts one more done trial.
        False (nothing written) when the trial was already recorded or the job is no longer running."""
        ...

    def trials(self, user_id: str, job_id: str) -> list[Trial]:
        """Every trial of the job, by number."""
        ...

    def finish(self, user_id: str, job_id: str, summary: dict[str, Any], now_ms: int) -> bool:
        """running -> done with its summary, conditionally."""
        ...

    def end(self, user_id: str, job_id: str, status: str, error: str | None, now_ms: int) -> bool:
        """queued|running -> cancelled or failed, conditionally."""
        ...
