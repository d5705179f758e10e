"""Drift reports through the cache and the jobs queue (docs/drift.md, "Long periods" and "Cache").

A request within DriftService's inline limit is computed at once; when its `to` is past (older than one bar)
the rendered answer is stored per (user, bot, config version, from, to), so asking again reads one item and
no candle. A longer request (up to `async_max_bars`) is claimed once with a conditional put of a pending
record and queued; the GET answers 202 `{status: "pending", report_id, retry_after_ms}` until the jobs worker
stored the answer, then 200 with the same body the inline path gives. A job failing on the user's input
stores its 422 and the GET answers it; a pending record older than `STALE_MS` (its job lost) is claimed again
by the next GET. The config version is the bot config's `updated_at_ms`: an edit starts new records."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from chalicelib.domain.bots import BotConfig, BotState
from chalicelib.domain.clock import Clock
from chalicelib.domain.drift.model import METHOD, Report
from chalicelib.domain.drift.replay import Window
from chalicelib.domain.errors import InvalidInput, Unavailable
from chalicelib.domain.intervals import INTERVAL_MS
from chalicelib.services.drift import DriftService, PeriodTooLong
from chalicelib.services.messages import DriftJobMessage
from chalicelib.services.ports.backtests import JobQueue
from chalicelib.services.ports.drift_reports import DriftRecord, DriftReportStore, ReportKey

ASYNC_MAX_BARS = 90 * 1440  # 90 days of 1m bars through the queue
STALE_MS = 15 * 60_000  # a pending record this old lost its job: the next GET queues it again
OPEN_FRESH_MS = 15 * 60_000  # an open-ended (`to` omitted) request reuses a job whose `to` is this recent
RETRY_AFTER_MS = 3_000
DONE_TTL_S = 14 * 86_400
FAILED_TTL_S = 3_600
PENDING_TTL_S = 86_400

Render = Callable[[Report, str], dict[str, Any]]


@dataclass(frozen=True)
class Pending:
    report_id: str
    retry_after_ms: int = RETRY_AFTER_MS

    def body(self) -> dict[str, Any]:
        return {"status": "pending", "report_id": self.report_id, "retry_after_ms": self.retry_after_ms}


def report_id(key: ReportKey) -> str:
    # The method too: a large body's blob is named by the id, and one method's must never overwrite another's.
    text = f"{key.bot_id}:{key.version}:{key.from_ms}:{key.to_ms}:{METHOD}"
    return hashlib.sha256(text.encode()).hexdigest()[:24]


class DriftJobs:
    def __init__(
        self,
        *,
        drift: DriftService,
        get_bot: Callable[[str, str], tuple[BotConfig, BotState]],
        store: DriftReportStore,
        queue: JobQueue,
        render: Render,
        clock: Clock,
        async_max_bars: int = ASYNC_MAX_BARS,
    ) -> None:
        self._inline = drift
        self._long = drift.with_limit(async_max_bars)
        self._async_max_bars = async_max_bars
        self._get_bot = get_bot
        self._store = store
        self._queue = queue
        self._render = render
        self._clock = clock

    def get(self, user_id: str, bot_id: str, from_ms: int | None, to_ms: int | None) -> dict[str, Any] | Pending:
        """The rendered report, or Pending; NotFound for another user's bot (the bots service's lookup)."""
        config, _ = self._get_bot(user_id, bot_id)
        if config.strategy == "signal":  # refused by the report itself, before any period check
            return self._render(*self._inline.report(user_id, bot_id, from_ms, to_ms))
        try:
            window = self._inline.window(config, from_ms, to_ms)
        except PeriodTooLong:
            return self._queued(user_id, config, from_ms, to_ms)
        return self._inline_cached(user_id, config, window)

    def _inline_cached(self, user_id: str, config: BotConfig, window: Window) -> dict[str, Any]:
        key = ReportKey(config.id, config.updated_at_ms, window.from_ms, window.to_ms)
        now = self._clock.now_ms()
        past = window.to_ms < now - window.interval_ms
        hit = self._live(self._store.get(user_id, key)) if past else None
        if hit is not None and hit.status != "pending":
            return _answer(hit)
        report, source = self._inline.report(user_id, config.id, window.from_ms, window.to_ms)
        body = self._render(report, source)
        if past:
            self._store.put_done(user_id, key, report_id(key), body, now, now // 1000 + DONE_TTL_S)
        return body

    def _queued(
        self, user_id: str, config: BotConfig, from_ms: int | None, to_ms: int | None
    ) -> dict[str, Any] | Pending:
        try:
            window = self._long.window(config, from_ms, to_ms)
        except PeriodTooLong:
            raise _too_long(self._async_max_bars, config.interval) from None
        now = self._clock.now_ms()
        found = None
        if to_ms is None or to_ms > now:  # "until now" moves every bar: a recent job's answer stands for it
            found = self._live(self._store.latest(user_id, config.id, config.updated_at_ms, window.from_ms))
            lost = found is not None and found.status == "pending" and found.updated_at_ms < now - STALE_MS
            if found is not None and (lost or found.key.to_ms < window.to_ms - OPEN_FRESH_MS):
                found = None
        key = found.key if found else ReportKey(config.id, config.updated_at_ms, window.from_ms, window.to_ms)
        record = found or self._live(self._store.get(user_id, key))
        if record is not None and record.status != "pending":
            return _answer(record)
        if record is not None and record.updated_at_ms >= now - STALE_MS:
            return Pending(record.report_id)
        return self._enqueue(user_id, key, now)

    def _enqueue(self, user_id: str, key: ReportKey, now: int) -> Pending:
        rid = report_id(key)
        if not self._store.claim(user_id, key, rid, now, now - STALE_MS, now // 1000 + PENDING_TTL_S):
            return Pending(rid)  # a concurrent GET claimed it and queues the job
        message = DriftJobMessage(
            user_id=user_id, bot_id=key.bot_id, version=key.version, from_ms=key.from_ms, to_ms=key.to_ms
        )
        try:
            self._queue.send(message.body())
        except Exception as exc:
            self._store.release(user_id, key, rid)
            raise Unavailable("The jobs queue is unavailable; try again.", code="queue_unavailable") from exc
        return Pending(rid)

    def run_job(self, message: DriftJobMessage) -> str:
        """The jobs worker's step: compute and store once. `skipped` when the record is not pending (a
        redelivered message after the answer was stored); a 422 of the user's period is stored as the answer;
        anything else raises for SQS to retry."""
        user_id = message.user_id
        key = ReportKey(message.bot_id, message.version, message.from_ms, message.to_ms)
        record = self._live(self._store.get(user_id, key))
        if record is None or record.status != "pending":
            return "skipped"
        config, _ = self._get_bot(user_id, key.bot_id)
        now = self._clock.now_ms()
        try:
            if config.updated_at_ms != key.version:
                raise InvalidInput(
                    "The bot's configuration changed since this report was asked for; ask again.",
                    code="config_changed",
                    details=[{"field": "bot_id", "message": "edited"}],
                )
            report, source = self._long.report(user_id, key.bot_id, key.from_ms, key.to_ms)
        except InvalidInput as exc:
            error = {"code": exc.code, "message": exc.message, "details": exc.details}
            self._store.fail(user_id, key, error, self._clock.now_ms(), now // 1000 + FAILED_TTL_S)
            return "failed"
        body = self._render(report, source)
        stored = self._store.finish(user_id, key, body, self._clock.now_ms(), now // 1000 + DONE_TTL_S)
        return "done" if stored else "duplicate"

    def _live(self, record: DriftRecord | None) -> DriftRecord | None:
        """DynamoDB's TTL deletes lazily: an expired record may still be read and must not be served."""
        if record is None or record.expires_at_s < self._clock.now_ms() // 1000:
            return None
        return record


def _answer(record: DriftRecord) -> dict[str, Any]:
    if record.status == "failed":
        error = record.error or {}
        raise InvalidInput(
            str(error.get("message", "The report failed.")),
            code=str(error.get("code", "invalid_input")),
            details=error.get("details"),
        )
    return dict(record.body or {})


def _too_long(max_bars: int, interval: str) -> InvalidInput:
    days = max_bars * INTERVAL_MS[interval] // 86_400_000
    message = f"at most {max_bars} {interval} bars ({days} days) per report; ask for a shorter period"
    return InvalidInput(
        message[0].upper() + message[1:] + ".", code="period_too_long", details=[{"field": "to", "message": message}]
    )
