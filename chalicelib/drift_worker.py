"""Drift's share of the workers (workers.py stays the event-source glue): the jobs queue's `drift` and
`drift_daily` records, and the minute's daily hook. Like the daily summary, the hook never fails the dispatch."""

from __future__ import annotations

import time
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from chalicelib.bootstrap import container
from chalicelib.observability import logger, metrics
from chalicelib.services.messages import DriftDailyMessage, DriftJobMessage


def record(sqs_record: SQSRecord) -> None:
    """A drift job or a daily step; a failure raises, so SQS retries that record alone."""
    from chalicelib.workers import _parse

    body = sqs_record.body.replace(" ", "")
    started = time.perf_counter()
    keys: dict[str, Any]
    try:
        if '"kind":"drift_daily"' in body:
            step = _parse(DriftDailyMessage, sqs_record)
            outcome, keys = _daily_step(step), {"step": step.step, "day": step.day, "bot_id": step.bot_id}
        else:
            job = _parse(DriftJobMessage, sqs_record)
            outcome, keys = container().drift_jobs.run_job(job), {"bot_id": job.bot_id, "to_ms": job.to_ms}
    except Exception as exc:
        metrics.add_metric(name="DriftJobErrors", unit=MetricUnit.Count, value=1)
        logger.warning(
            "drift job failed",
            extra={"error": type(exc).__name__, "receive_count": sqs_record.attributes.approximate_receive_count},
            exc_info=True,
        )
        raise
    metrics.add_metric(name="DriftJobs", unit=MetricUnit.Count, value=1)
    logger.info(
        "drift job", extra={**keys, "outcome": outcome, "elapsed_ms": round((time.perf_counter() - started) * 1000)}
    )


def _daily_step(step: DriftDailyMessage) -> str:
    alerts = container().drift_alerts
    if step.step == "fanout":
        return f"queued {alerts.fanout(step.day)}"
    if step.user_id is None or step.bot_id is None:
        return "no_bot"
    outcome = alerts.check_bot(step.user_id, step.bot_id, step.day)
    if outcome == "alerted":
        metrics.add_metric(name="DriftAlerts", unit=MetricUnit.Count, value=1)
    return outcome


def daily(c: Any, now_ms: int) -> None:
    """The minute's hook: queue yesterday's drift check once, from 00:10 UTC (services/drift_alerts.py)."""
    try:
        day = c.drift_alerts.dispatch(now_ms)
    except Exception as exc:
        metrics.add_metric(name="DailyDriftErrors", unit=MetricUnit.Count, value=1)
        logger.warning("daily drift not queued", extra={"error": type(exc).__name__}, exc_info=True)
        return
    if day is not None:
        logger.info("daily drift queued", extra={"day": day})
