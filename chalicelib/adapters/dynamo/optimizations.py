"""Optimization jobs and their trials in one DynamoDB table (`<prefix>-optimizations`, keys pk/sk):

* a job: pk = user_id, sk = job id (ids sort by creation time, so a query lists them newest first);
* a trial: pk = "<user_id>#<job id>", sk = its zero-padded number.

A trial's result and the job's done count change in one transaction conditioned on the trial being pending
and the job running: a redelivered or concurrent trial message is counted once, and nothing is counted
after a cancel."""

from __future__ import annotations

import base64
import json
from typing import Any

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import PutError, TransactWriteError, UpdateError
from pynamodb.transactions import TransactWrite

from chalicelib.adapters.aws_errors import AwsBoundary
from chalicelib.adapters.dynamo.base import Model, connection, table_meta
from chalicelib.domain.backtest_jobs import KEEP_DAYS
from chalicelib.domain.optimization.job import ACTIVE, DONE, PENDING, RUNNING, Job, Spec, Trial


class OptimizationItem(Model):
    Meta = table_meta("optimizations")
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    doc = UnicodeAttribute()  # JSON: the job's fixed fields, or the trial's point and sampler attributes
    status = UnicodeAttribute(null=True)  # job status, or trial state
    batch = NumberAttribute(null=True)
    dispatched = NumberAttribute(null=True)
    done = NumberAttribute(null=True)
    result = UnicodeAttribute(null=True)  # JSON: the trial's result, or the job's summary
    error = UnicodeAttribute(null=True)
    started_at_ms = NumberAttribute(null=True)
    updated_at_ms = NumberAttribute(null=True)
    expires_at = NumberAttribute(null=True)


def _trial_pk(user_id: str, job_id: str) -> str:
    return f"{user_id}#{job_id}"


def _job_doc(job: Job) -> str:
    fixed = {k: getattr(job, k) for k in ("source", "symbol", "interval", "start_ms", "end_ms", "bars",
                                          "created_at_ms")}
    return json.dumps({**fixed, "spec": job.spec.to_dict()}, allow_nan=False)


def _job(m: OptimizationItem) -> Job:
    d = json.loads(m.doc)
    return Job(
        id=m.sk, user_id=m.pk, status=m.status or "", spec=Spec(**d.pop("spec")),
        batch=int(m.batch if m.batch is not None else -1), dispatched=int(m.dispatched or 0), done=int(m.done or 0),
        started_at_ms=None if m.started_at_ms is None else int(m.started_at_ms),
        summary=json.loads(m.result) if m.result else None, error=m.error,
        updated_at_ms=int(m.updated_at_ms or 0), **d,
    )


def _trial(m: OptimizationItem) -> Trial:
    d = json.loads(m.doc)
    r = json.loads(m.result) if m.result else {}
    return Trial(number=int(m.sk), batch=int(m.batch or 0), point=d["point"], system_attrs=d.get("attrs", {}),
                 state=m.status or PENDING, score=r.get("score"), in_sample=r.get("in_sample"),
                 fold_scores=r.get("fold_scores"))


def _conditional(exc: PutError | UpdateError) -> bool:
    response = getattr(exc.cause, "response", None) or {}
    return bool(response.get("Error", {}).get("Code") == "ConditionalCheckFailedException")


class DynamoOptimizationStore(AwsBoundary):
    def create(self, job: Job) -> None:
        OptimizationItem(
            job.user_id, job.id, doc=_job_doc(job), status=job.status, batch=job.batch, dispatched=0, done=0,
            updated_at_ms=job.updated_at_ms, expires_at=job.created_at_ms // 1000 + KEEP_DAYS * 86_400,
        ).save(condition=OptimizationItem.sk.does_not_exist())

    def get(self, user_id: str, job_id: str) -> Job | None:
        try:
            return _job(OptimizationItem.get(user_id, job_id, consistent_read=True))
        except OptimizationItem.DoesNotExist:
            return None

    def page(self, user_id: str, cursor: str | None, limit: int) -> tuple[list[Job], str | None]:
        start: dict[str, Any] | None = json.loads(base64.urlsafe_b64decode(cursor.encode())) if cursor else None
        results = OptimizationItem.query(user_id, scan_index_forward=False, limit=limit, last_evaluated_key=start)
        items = [_job(m) for m in results]
        last = results.last_evaluated_key
        return items, base64.urlsafe_b64encode(json.dumps(last).encode()).decode() if last else None

    def add_trials(self, user_id: str, job_id: str, trials: list[Trial]) -> None:
        # Job ids start with their creation time in hex (services/optimizations): the trials expire with the job.
        expires = int(job_id[:12], 16) // 1000 + KEEP_DAYS * 86_400
        for t in trials:
            try:
                OptimizationItem(
                    _trial_pk(user_id, job_id), f"{t.number:06d}", status=PENDING, batch=t.batch,
                    doc=json.dumps({"point": t.point, "attrs": t.system_attrs}), expires_at=expires,
                ).save(condition=OptimizationItem.sk.does_not_exist())
            except PutError as exc:
                if not _conditional(exc):
                    raise

    def _update(self, user_id: str, job_id: str, actions: list[Any], condition: Any) -> bool:
        try:
            OptimizationItem(user_id, job_id).update(actions=actions,
                                                     condition=OptimizationItem.sk.exists() & condition)
        except UpdateError as exc:
            if _conditional(exc):
                return False
            raise
        return True

    def advance(self, user_id: str, job_id: str, batch: int, added: int, now_ms: int) -> bool:
        i = OptimizationItem
        actions = [i.batch.set(batch), i.dispatched.add(added), i.status.set(RUNNING), i.updated_at_ms.set(now_ms)]
        if batch == 0:
            actions.append(i.started_at_ms.set(now_ms))
        return self._update(user_id, job_id, actions, (i.batch == batch - 1) & i.status.is_in(*ACTIVE))

    def record(self, user_id: str, job_id: str, trial: Trial, now_ms: int) -> bool:
        i = OptimizationItem
        result = {"score": trial.score, "in_sample": trial.in_sample, "fold_scores": trial.fold_scores}
        try:
            with TransactWrite(connection=connection()) as tx:
                tx.update(i(_trial_pk(user_id, job_id), f"{trial.number:06d}"),
                          actions=[i.status.set(trial.state), i.result.set(json.dumps(result, allow_nan=False))],
                          condition=i.status == PENDING)
                tx.update(i(user_id, job_id), actions=[i.done.add(1), i.updated_at_ms.set(now_ms)],
                          condition=i.status == RUNNING)
        except TransactWriteError as exc:
            codes = [r.code if r is not None else None for r in (exc.cancellation_reasons or [])]
            if "ConditionalCheckFailed" in codes:
                return False
            raise
        return True

    def trials(self, user_id: str, job_id: str) -> list[Trial]:
        return [_trial(m) for m in OptimizationItem.query(_trial_pk(user_id, job_id), consistent_read=True)]

    def finish(self, user_id: str, job_id: str, summary: dict[str, Any], now_ms: int) -> bool:
        i = OptimizationItem
        actions = [i.status.set(DONE), i.result.set(json.dumps(summary, allow_nan=False)), i.updated_at_ms.set(now_ms)]
        return self._update(user_id, job_id, actions, i.status == RUNNING)

    def end(self, user_id: str, job_id: str, status: str, error: str | None, now_ms: int) -> bool:
        i = OptimizationItem
        actions = [i.status.set(status), i.updated_at_ms.set(now_ms)]
        if error is not None:
            actions.append(i.error.set(error[:1000]))
        return self._update(user_id, job_id, actions, i.status.is_in(*ACTIVE))


def delete_user_optimizations(user_id: str) -> int:
    """Every job of the user and its trials (account deletion); returns the jobs deleted."""
    jobs = [j.sk for j in OptimizationItem.query(user_id, attributes_to_get=["pk", "sk"])]
    with OptimizationItem.batch_write() as batch:  # BatchWriteItem, 25 a call, unprocessed items retried
        for job_id in jobs:
            for t in OptimizationItem.query(_trial_pk(user_id, job_id), attributes_to_get=["pk", "sk"]):
                batch.delete(OptimizationItem(t.pk, t.sk))
            batch.delete(OptimizationItem(user_id, job_id))
    return len(jobs)


__all__ = ["DynamoOptimizationStore", "OptimizationItem", "delete_user_optimizations"]
