"""The optimization use cases: create a job, coordinate it batch by batch, evaluate trial vectors, read,
cancel, and make a bot of a trial.

The job runs on the jobs queue and its worker (`run_jobs`), as backtests do. A `coordinate` message for
batch b: when batch b-1 is complete, ask the sampler for batch b (deterministic: same history, same
points), store its trials (idempotent puts), advance the job to b (conditional: one copy wins), and send the
trials as vectors of up to `vector` trials per message. A `trials` message evaluates its vector in one pass
(domain/optimization/batch.py) and records each result in one transaction with the job's done count: a
redelivered or concurrent copy counts nothing twice, and nothing is counted after a cancel. Whichever
delivery finds the batch complete sends the next `coordinate` (copies are harmless: the advance is
conditional). When the budget is spent, the coordinator re-runs the top trials on the held-out bars and
finishes the job."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from chalicelib.domain.candles import CandleSeries
from chalicelib.domain.clock import Clock
from chalicelib.domain.errors import InvalidInput, NotFound, QuotaExceeded, Unavailable
from chalicelib.domain.optimization import split
from chalicelib.domain.optimization.job import (
    ACTIVE,
    CANCELLED,
    ERROR,
    FAILED,
    PENDING,
    RUNNING,
    Job,
    Trial,
    parse_spec,
)
from chalicelib.services.backtests.requests import BacktestRequest, csv_candles, parse_csv, range_candles
from chalicelib.services.messages import OptimizationMessage, OptimizationTrialRef
from chalicelib.services.optimizations import evaluate
from chalicelib.services.optimizations.candles import fetch_range
from chalicelib.services.ports.backtests import JobQueue, ResultStore
from chalicelib.services.ports.market import MarketData
from chalicelib.services.ports.optimizations import OptimizationStore


@dataclass(frozen=True)
class Limits:
    max_active: int = 2  # running or queued jobs per user
    max_trials: int = 2000  # trials per job
    max_bars: int = 200_000  # candles per job
    batch: int = 40  # trials asked of the sampler at once
    vector: int = 8  # trials per worker message: a batch fans out over 5 workers


class OptimizationService:
    def __init__(self, *, store: OptimizationStore, blobs: ResultStore, queue: JobQueue, market: MarketData,
                 clock: Clock, limits: Limits | None = None, market_for: Callable[[str], MarketData] | None = None,
                 new_id: Callable[[int], str] | None = None) -> None:
        self._store, self._blobs, self._queue, self._market = store, blobs, queue, market
        self._clock, self._limits, self._market_for = clock, limits or Limits(), market_for
        self._new_id = new_id or (lambda now_ms: f"{now_ms:012x}{secrets.token_hex(8)}")

    @property
    def limits(self) -> Limits:
        return self._limits

    # --- create ------------------------------------------------------------------------------------------

    def create(self, user_id: str, body: dict[str, Any]) -> Job:
        spec = parse_spec(body, max_trials=self._limits.max_trials)
        now = self._clock.now_ms()
        req = BacktestRequest(spec.strategy, spec.params, spec.risk, body.get("symbol"), body.get("interval"),
                              body.get("start_ms"), body.get("end_ms"), body.get("csv"))
        if req.csv is not None:
            candles = csv_candles(req, self._limits.max_bars, lambda size: None)
        else:
            candles = range_candles(req, now, self._limits.max_bars)
        split(candles.bars, spec.validation)  # too few bars for the validation: refused now, not in the worker
        self._check_active(user_id)
        job = Job(self._new_id(now), user_id, "queued", spec, candles.source, candles.symbol, candles.interval,
                  candles.start_ms, candles.end_ms, candles.bars, now, now)
        if req.csv is not None:
            self._blobs.put(job.input_key, req.csv.encode(), "text/csv")
        self._store.create(job)
        try:
            self._send(OptimizationMessage(step="coordinate", user_id=user_id, job_id=job.id, batch=0))
        except Exception as exc:
            self._store.end(user_id, job.id, FAILED, "The job could not be queued; start it again.", now)
            raise Unavailable("The jobs queue is unavailable; try again.", code="queue_unavailable") from exc
        return job

    def _check_active(self, user_id: str) -> None:
        active, cursor = 0, None
        while True:  # a user's jobs are few (each expires after 90 days)
            page, cursor = self._store.page(user_id, cursor, 100)
            active += sum(1 for j in page if j.status in ACTIVE)
            if cursor is None:
                break
        if active >= self._limits.max_active:
            raise QuotaExceeded(
                f"{active} optimizations are running; at most {self._limits.max_active} at a time.",
                code="too_many_optimizations",
                details=[{"field": "optimizations", "message": f"at most {self._limits.max_active} running"}],
            )

    def _send(self, message: OptimizationMessage) -> None:
        self._queue.send(message.body())

    # --- the job --------------------------------------------------------------------------------------

    def handle(self, message: OptimizationMessage) -> str:
        if message.step == "coordinate":
            return self.coordinate(message.user_id, message.job_id, message.batch)
        return self.run_trials(message.user_id, message.job_id, message.batch, message.trials)

    def coordinate(self, user_id: str, job_id: str, batch: int) -> str:
        job = self._store.get(user_id, job_id)
        if job is None or job.status not in ACTIVE:
            return "skipped"
        stored = self._store.trials(user_id, job_id)
        if job.batch >= batch:  # advanced by an earlier copy, which may have died before sending: resend
            if job.batch == batch:
                self._dispatch(job, [t for t in stored if t.batch == batch and t.state == PENDING])
            return "resent"
        if job.done < job.dispatched or job.batch != batch - 1:
            return "waiting"
        count = min(self._limits.batch, job.spec.trials - job.dispatched)
        if count <= 0:
            return self._finish(job, stored)
        # A copy that died after storing this batch's trials left them: they are the batch (never re-asked).
        trials = [t for t in stored if t.batch == batch] or self._ask(job, [t for t in stored if t.batch < batch],
                                                                       batch, count)
        self._store.add_trials(user_id, job_id, trials)
        if not self._store.advance(user_id, job_id, batch, len(trials), self._clock.now_ms()):
            return "skipped"
        self._dispatch(job, trials)
        return "dispatched"

    def _ask(self, job: Job, history: list[Trial], batch: int, count: int) -> list[Trial]:
        from chalicelib.services.optimizations.sampler import ask

        points = ask(job.spec, history, batch, count)
        return [Trial(job.dispatched + k, batch, p, attrs) for k, (p, attrs) in enumerate(points)]

    def _dispatch(self, job: Job, trials: list[Trial]) -> None:
        size = self._limits.vector
        for k in range(0, len(trials), size):
            refs = [OptimizationTrialRef(number=t.number, point=t.point) for t in trials[k : k + size]]
            self._send(OptimizationMessage(step="trials", user_id=job.user_id, job_id=job.id,
                                           batch=trials[k].batch, trials=refs))

    def run_trials(self, user_id: str, job_id: str, batch: int, refs: list[OptimizationTrialRef]) -> str:
        job = self._store.get(user_id, job_id)
        if job is None or job.status != RUNNING:
            return "skipped"
        series = self.series(job)
        trials = [Trial(r.number, batch, r.point) for r in refs]
        counted = sum(self._store.record(user_id, job_id, t, self._clock.now_ms())
                      for t in evaluate.evaluate_trials(job.spec, series, trials))
        self._next_if_complete(user_id, job_id, batch)
        return f"recorded {counted}"

    def abandon(self, message: OptimizationMessage, reason: str) -> None:
        """The last allowed receive of a step failed. A trials vector is recorded as failed, so the job loses
        only those trials and goes on; a failed coordinator fails the job (nothing could continue it)."""
        if message.step == "coordinate":
            self._store.end(message.user_id, message.job_id, FAILED, reason, self._clock.now_ms())
            return
        for ref in message.trials:
            self._store.record(message.user_id, message.job_id, Trial(ref.number, message.batch, ref.point,
                                                                       state=ERROR), self._clock.now_ms())
        self._next_if_complete(message.user_id, message.job_id, message.batch)

    def _next_if_complete(self, user_id: str, job_id: str, batch: int) -> None:
        current = self._store.get(user_id, job_id)
        if current is not None and current.status == RUNNING and current.batch == batch \
                and current.done >= current.dispatched:
            self._send(OptimizationMessage(step="coordinate", user_id=user_id, job_id=job_id, batch=batch + 1))

    def _finish(self, job: Job, history: list[Trial]) -> str:
        summary = evaluate.summarize(job.spec, self.series(job), history)
        return "done" if self._store.finish(job.user_id, job.id, summary, self._clock.now_ms()) else "skipped"

    def series(self, job: Job) -> CandleSeries:
        return evaluate.cached_series(evaluate.series_key(job), lambda: self._load(job))

    def _load(self, job: Job) -> CandleSeries:
        if job.source == "csv":
            blob = self._blobs.get(job.input_key)
            if blob is None:
                raise InvalidInput("The uploaded CSV is no longer stored; upload it again.")
            return parse_csv(blob.decode())
        market = self._market_for(job.user_id) if self._market_for is not None else self._market
        assert job.start_ms is not None and job.end_ms is not None
        return fetch_range(market, job.symbol, job.interval, job.start_ms, job.end_ms, self._limits.max_bars)

    # --- reads and cancel --------------------------------------------------------------------------------

    def get(self, user_id: str, job_id: str) -> Job:
        found = self._store.get(user_id, job_id)
        if found is None:
            raise NotFound("No such optimization.", code="optimization_not_found")
        return found

    def trials(self, job: Job) -> list[Trial]:
        return self._store.trials(job.user_id, job.id)

    def page(self, user_id: str, cursor: str | None, limit: int) -> tuple[list[Job], str | None]:
        return self._store.page(user_id, cursor, limit)

    def cancel(self, user_id: str, job_id: str) -> Job:
        """Stop dispatching: no batch is asked and no result recorded after this; the trials recorded stay."""
        self.get(user_id, job_id)
        self._store.end(user_id, job_id, CANCELLED, None, self._clock.now_ms())
        return self.get(user_id, job_id)
