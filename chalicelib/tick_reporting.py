"""What the ticks worker reports of its work: a tick's metrics and log line, the text a bot's owner sees for
a failed tick, and one summary line per batch.

CloudWatch Logs bills ingestion by the byte and most ticks decide nothing, so a quiet tick's line is DEBUG
(prod logs at INFO); a tick that placed an order, traded, was rejected or repaired a previous delivery stays
at INFO, as do failures, and the batch's summary line counts every record by result."""

from __future__ import annotations

import time
from collections import Counter
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit

from chalicelib.domain.errors import DomainError
from chalicelib.observability import logger, metrics

PLATFORM_REFUSALS = frozenset({"exchange_weight_budget", "exchange_paused", "exchange_banned"})
QUIET_RESULTS = frozenset({"no_trade", "warming_up", "duplicate", "not_running", "gone"})
# A tick that finishes a minute or more after its moment and placed or booked an order did so in a later minute than
# its own: a 1m bot traded a bar late (what a backtest of the same bars cannot show). Worth a line at WARNING.
LATE_TICK_MS = 60_000


def refused_by_the_platform(exc: Exception) -> bool:
    from chalicelib.domain.errors import ExchangeTemporaryError

    return isinstance(exc, ExchangeTemporaryError) and exc.code in PLATFORM_REFUSALS


def tick_error_text(exc: Exception, message_id: str) -> str:
    """What the bot's owner sees (last_error, the ERROR reason, the notification): a domain error's own
    message; for anything else only its type and the message id the log's correlation_id carries, never
    the exception's text (it may hold ARNs, table names or a response body)."""
    if isinstance(exc, DomainError):
        return f"{type(exc).__name__}: {exc.message}"
    return f"{type(exc).__name__}: internal error (reference {message_id})"


def is_quiet(outcome: Any) -> bool:
    return outcome.result in QUIET_RESULTS and not outcome.orders_placed and not outcome.trades


def report_tick(keys: dict[str, Any], outcome: Any, started: float, delay_ms: int) -> str:
    """The metrics and the log line of a tick that ran; its result. `delay_ms`: from the tick's moment to its end."""
    metrics.add_metric(name="TicksRun", unit=MetricUnit.Count, value=1)
    metrics.add_metric(name="TickLatency", unit=MetricUnit.Milliseconds, value=(time.perf_counter() - started) * 1000)
    metrics.add_metric(name="TickDelay", unit=MetricUnit.Milliseconds, value=delay_ms)
    if delay_ms >= LATE_TICK_MS and not is_quiet(outcome):  # a quiet one changed nothing (a redelivery, say)
        logger.warning("tick ran late", extra={**keys, "delay_ms": delay_ms, "result": outcome.result})
    if outcome.orders_placed:
        metrics.add_metric(name="OrdersPlaced", unit=MetricUnit.Count, value=outcome.orders_placed)
    if outcome.result == "rejected":
        metrics.add_metric(name="OrdersRejected", unit=MetricUnit.Count, value=1)
    log = logger.debug if is_quiet(outcome) else logger.info
    extra = {**keys, "result": outcome.result, "orders": outcome.orders_placed, "trades": len(outcome.trades)}
    log("tick", extra=extra)
    return str(outcome.result)


def log_batch(processor: Any, started: float) -> None:
    """One INFO line per invocation: its records by result (a signal record's is `signal`), the failed ones,
    and the invocation's time (the records ran concurrently, see tick_batches.py)."""
    results = Counter(str(r[1]) for r in processor.outcomes if r and r[0] == "success")
    logger.info(
        "ticks",
        extra={
            "records": len(processor.records),
            "results": dict(results),
            "failed": len(processor.fail_messages),
            "elapsed_ms": round((time.perf_counter() - started) * 1000),
        },
    )
