"""Event-source glue: the schedule and the queue consumers. Each SQS batch reports partial failures
(Powertools Batch), so one failed record is retried alone and the others are not repeated; the deployed
event source mappings declare ReportBatchItemFailures (see infra/package_template.py)."""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any, TypeVar

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from chalicelib import drift_worker
from chalicelib.bootstrap import container
from chalicelib.domain.errors import DependencyUnavailable, DomainError
from chalicelib.observability import logger, metrics, tracer
from chalicelib.services.messages import (
    BacktestJobMessage,
    MalformedMessage,
    NotificationMessage,
    OptimizationMessage,
    QueueMessage,
    SignalMessage,
    TickMessage,
)
from chalicelib.tick_batches import BotBatchProcessor
from chalicelib.tick_reporting import log_batch, refused_by_the_platform, report_tick, tick_error_text

# Lambda retries a failed scheduled invocation after about one and then two more minutes; a time older than
# this (a hand-made test event, a throttled retry hours later) or ahead of the clock is not trusted: an old
# minute would trade on stale bars and a future one would mark the bots' next real ticks as done.
SCHEDULE_RETRY_WINDOW_MS = 15 * 60_000
SCHEDULE_CLOCK_SKEW_MS = 60_000


def _scheduled_ms(value: str | None, now_ms: int) -> int | None:
    if not value:
        return None
    try:
        at = int(datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp() * 1000)
    except ValueError:
        logger.warning("unreadable schedule time", extra={"time": value})
        return None
    if not now_ms - SCHEDULE_RETRY_WINDOW_MS <= at <= now_ms + SCHEDULE_CLOCK_SKEW_MS:
        logger.warning("schedule time outside the retry window; dispatching the current minute", extra={"time": value})
        return None
    return at


@tracer.capture_method
def dispatch(now_ms: int | None = None, scheduled_time: str | None = None) -> dict[str, Any]:
    """Dispatch the minute the schedule fired for (the event's `time`), so a retried invocation sends the
    minute that failed rather than whichever minute it runs in; the clock's minute when there is none, or
    when the time is outside the retry window."""
    c = container()
    started = time.perf_counter()
    if now_ms is None:
        clock_ms = c.clock.now_ms()
        scheduled = _scheduled_ms(scheduled_time, clock_ms)
        now_ms = clock_ms if scheduled is None else scheduled
    report = c.dispatcher.dispatch(now_ms)
    lag_ms = c.clock.now_ms() - report.tick_at
    metrics.add_metric(name="BotsDispatched", unit=MetricUnit.Count, value=report.bots)
    metrics.add_metric(name="DispatchLag", unit=MetricUnit.Milliseconds, value=lag_ms)
    logger.info(
        "dispatched",
        extra={
            "tick_at": report.tick_at,
            "bots": report.bots,
            "send_calls": report.send_calls,
            "skipped_shards": report.skipped_shards,
            "elapsed_ms": round((time.perf_counter() - started) * 1000),
        },
    )
    _daily_summaries(c, now_ms)
    drift_worker.daily(c, now_ms)
    return report.__dict__


def _daily_summaries(c: Any, now_ms: int) -> None:
    """The daily summaries due by this minute ride on the minute's schedule, after the ticks are dispatched;
    their failure never fails the dispatch (EventBridge would retry it and dispatch the minute again)."""
    try:
        report = c.daily_summaries.run(now_ms)
    except Exception as exc:
        metrics.add_metric(name="DailySummaryErrors", unit=MetricUnit.Count, value=1)
        logger.warning("daily summaries failed", extra={"error": type(exc).__name__}, exc_info=True)
        return
    if report.due:
        metrics.add_metric(name="DailySummariesSent", unit=MetricUnit.Count, value=report.sent)
        logger.info("daily summaries", extra=report.__dict__)


@tracer.capture_method
def _tick_record(record: SQSRecord) -> str:
    # The record's correlation_id is set by tick_batches, per thread: the batch's records run concurrently.
    if '"kind":"signal"' in record.body.replace(" ", ""):
        return _signal_record(record)
    tick = _parse(TickMessage, record)
    user_id, bot_id, tick_at = tick.user_id, tick.bot_id, tick.tick_at
    # Keys go in `extra`, not append_keys: the local runtime runs handlers on several threads at once.
    keys = {"bot_id": bot_id, "tick_at": tick_at}
    ticks = container().ticks
    started = time.perf_counter()
    try:
        outcome = ticks.run(user_id, bot_id, tick_at, tick.symbol, tick.interval)
    except Exception as exc:
        metrics.add_metric(name="TickErrors", unit=MetricUnit.Count, value=1)
        code = getattr(exc, "exchange_code", None)
        if code is not None:
            metrics.add_metric(name=f"ExchangeError{code}", unit=MetricUnit.Count, value=1)
        if refused_by_the_platform(exc):
            # The egress's shared budget or a pause stopped the tick before it reached the exchange: that is
            # the platform's state, not the bot's failure. SQS redelivers it; it never counts towards ERROR.
            metrics.add_metric(name="TicksDeferred", unit=MetricUnit.Count, value=1)
            logger.info("tick deferred", extra={**keys, "reason": getattr(exc, "code", None)})
            raise
        logger.warning(
            "tick failed",
            extra={**keys, "error": type(exc).__name__, "receive_count": record.attributes.approximate_receive_count},
            # An AWS failure keeps its traceback (the SDK's exception is its cause), as before adapters translated it.
            exc_info=not isinstance(exc, DomainError) or isinstance(exc, DependencyUnavailable),
        )
        ticks.record_failure(user_id, bot_id, tick_error_text(exc, record.message_id))
        raise
    delay_ms = container().clock.now_ms() - tick_at
    return report_tick(keys, outcome, started, delay_ms)  # a quiet tick's line is DEBUG (tick_reporting.py)


def _signal_record(record: SQSRecord) -> str:
    """Signals share the ticks queue and worker; the bot's queued signals are applied in arrival order."""
    message = _parse(SignalMessage, record)
    keys = {"bot_id": message.bot_id, "seq": message.seq}
    try:
        settled = container().signals.drain(message.user_id, message.bot_id)
    except Exception as exc:
        metrics.add_metric(name="SignalErrors", unit=MetricUnit.Count, value=1)
        expected = isinstance(exc, DomainError)
        logger.warning("signal failed", extra={**keys, "error": type(exc).__name__}, exc_info=not expected)
        raise
    metrics.add_metric(name="SignalsApplied", unit=MetricUnit.Count, value=settled)
    logger.info("signals", extra={**keys, "settled": settled})
    return "signal"


@tracer.capture_method
def _notification_record(record: SQSRecord) -> None:
    logger.set_correlation_id(record.message_id)
    event = _parse(NotificationMessage, record)
    keys = {"user_id": event.user_id, "kind": event.kind}
    try:
        outcome = container().notifications.deliver(record.message_id, event.body())
    except Exception as exc:
        from chalicelib.adapters.webhooks import WebhookFailed

        # The reason only (status, deadline, unreachable): never the URL, the body or the signature.
        metrics.add_metric(name="WebhookFailures", unit=MetricUnit.Count, value=1)
        logger.warning(
            "webhook failed",
            extra={
                **keys,
                "error": type(exc).__name__,
                "reason": str(exc)[:200] if isinstance(exc, WebhookFailed) else None,
                "receive_count": record.attributes.approximate_receive_count,
            },
        )
        raise
    if outcome == "delivered":
        metrics.add_metric(name="WebhooksDelivered", unit=MetricUnit.Count, value=1)
    elif outcome in ("circuit_open", "refused"):
        metrics.add_metric(name="WebhooksSkipped", unit=MetricUnit.Count, value=1)
        logger.warning("webhook not called", extra={**keys, "outcome": outcome})


def _job_record(record: SQSRecord) -> None:
    if '"kind":"optimization"' in record.body.replace(" ", ""):
        return _optimization_record(record)  # optimizations share the jobs queue and worker
    if '"kind":"drift' in record.body.replace(" ", ""):
        return drift_worker.record(record)  # so do drift reports and the daily drift check
    job = _parse(BacktestJobMessage, record)
    user_id, backtest_id = job.user_id, job.backtest_id
    c = container()
    receives = int(record.attributes.approximate_receive_count or 1)
    final = receives >= int(c.settings.extra.get("TRADEBOT_JOB_MAX_RECEIVES", "3"))  # the jobs queue's maxReceiveCount
    started = time.perf_counter()
    try:
        outcome = c.backtests.run_job(user_id, backtest_id, final_attempt=final)
    except Exception as exc:
        metrics.add_metric(name="BacktestJobErrors", unit=MetricUnit.Count, value=1)
        logger.warning(
            "backtest job failed",
            extra={"backtest_id": backtest_id, "error": type(exc).__name__, "receive_count": receives, "final": final},
            exc_info=True,
        )
        raise
    metrics.add_metric(name="BacktestJobs", unit=MetricUnit.Count, value=1)
    elapsed_ms = round((time.perf_counter() - started) * 1000)
    logger.info("backtest job", extra={"backtest_id": backtest_id, "outcome": outcome, "elapsed_ms": elapsed_ms})


def _optimization_record(record: SQSRecord) -> None:
    """One optimization step (coordinate a batch, or evaluate a vector of trials). A failure is retried by
    SQS; on the last allowed receive the job fails, so it never waits forever for a lost step."""
    message = _parse(OptimizationMessage, record)
    c = container()
    receives = int(record.attributes.approximate_receive_count or 1)
    keys = {"job_id": message.job_id, "step": message.step, "batch": message.batch}
    started = time.perf_counter()
    try:
        outcome = c.optimizations.handle(message)
    except Exception as exc:
        metrics.add_metric(name="OptimizationErrors", unit=MetricUnit.Count, value=1)
        logger.warning("optimization step failed", extra={**keys, "error": type(exc).__name__}, exc_info=True)
        if receives >= int(c.settings.extra.get("TRADEBOT_JOB_MAX_RECEIVES", "3")):
            text = exc.message if isinstance(exc, DomainError) else f"An internal error stopped it ({message.job_id})."
            c.optimizations.abandon(message, text)
        raise
    metrics.add_metric(name="OptimizationSteps", unit=MetricUnit.Count, value=1)
    logger.info("optimization step", extra={**keys, "outcome": outcome,
                                            "elapsed_ms": round((time.perf_counter() - started) * 1000)})


_M = TypeVar("_M", bound=QueueMessage)


def _parse(model: type[_M], record: SQSRecord) -> _M:
    """The record's body as its typed message; a body that does not fit fails the record before any work
    (SQS delivers it again, then its dead-letter queue keeps it for a person to look at)."""
    try:
        return model.parse(record.body)
    except MalformedMessage as exc:
        metrics.add_metric(name="MalformedMessages", unit=MetricUnit.Count, value=1)
        logger.error(
            "malformed message refused",
            extra={
                "message_id": record.message_id,
                "model": model.__name__,
                "problems": exc.problems[:10],
                "receive_count": record.attributes.approximate_receive_count,
            },
        )
        raise


def _process(raw_event: dict[str, Any], handler: Any, context: Any, processor: Any = None) -> dict[str, Any]:
    if processor is None:
        processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)
    return dict(process_partial_response(event=raw_event, record_handler=handler, processor=processor, context=context))


def run_ticks(raw_event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    """The batch's records run concurrently, a bot's one after the other (tick_batches.py); the container
    is built before the threads start, so they share one."""
    processor = BotBatchProcessor(prepare=lambda: container())
    started = time.perf_counter()
    response = _process(raw_event, _tick_record, context, processor)
    log_batch(processor, started)
    return response


def send_notifications(raw_event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    return _process(raw_event, _notification_record, context)


def run_jobs(raw_event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    return _process(raw_event, _job_record, context)


def recheck_api_keys() -> dict[str, Any]:
    """Daily: ask the exchange again what every stored API key may do (services/key_recheck.py)."""
    report = container().key_recheck.run()
    metrics.add_metric(name="ApiKeysFlagged", unit=MetricUnit.Count, value=len(report.flagged))
    return {**report.__dict__, "flagged": len(report.flagged), "flagged_keys": report.flagged}
