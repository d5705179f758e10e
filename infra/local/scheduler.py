"""Fires `@app.schedule` handlers the way EventBridge does: once per matching minute of the (injectable,
possibly accelerated) clock, at the minute boundary, with a scheduled-event-shaped dict, calling the same
handler object Lambda calls.

Minutes are never skipped while the runtime keeps up: a slow handler delays later minutes, which then fire
back to back with their own `time`, so an accelerated market sees every minute. After a long stall (a
sleeping laptop) at most `max_catch_up` minutes are replayed; EventBridge would not replay any.
"""

from __future__ import annotations

import logging
import re
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from chalice import Chalice
from chalice.app import ScheduledEventConfig, ScheduleExpression

from chalicelib.domain.clock import Clock, iso_utc
from infra.local.functions import Handler, handler_for

log = logging.getLogger("infra.local.scheduler")

MINUTE_MS = 60_000
_RATE = re.compile(r"^rate\(\s*(\d+)\s+(minute|minutes|hour|hours|day|days)\s*\)$", re.IGNORECASE)
_CRON = re.compile(r"^cron\((.+)\)$", re.IGNORECASE)
_UNIT_MINUTES = {"minute": 1, "hour": 60, "day": 1440}
_MONTHS = {
    m: i + 1 for i, m in enumerate(["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"])
}
_DAYS = {d: i + 1 for i, d in enumerate(["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"])}


def _cron_field(text: str, low: int, high: int, names: dict[str, int] | None = None) -> set[int] | None:
    """The values one cron field allows; None means any. Supports * ? , - / and names (not L, W, #)."""
    if text in ("*", "?"):
        return None
    allowed: set[int] = set()
    for part in text.upper().split(","):
        base, _, step_text = part.partition("/")
        step = int(step_text) if step_text else 1
        if base in ("*", ""):
            first, last = low, high
        else:
            first_text, _, last_text = base.partition("-")
            first = _cron_value(first_text, names)
            last = _cron_value(last_text, names) if last_text else (high if step_text else first)
        if not low <= first <= last <= high:
            raise ValueError(f"cron field {text!r} out of range {low}-{high}")
        allowed.update(range(first, last + 1, step))
    return allowed


def _cron_value(text: str, names: dict[str, int] | None) -> int:
    if names and text in names:
        return names[text]
    if not text.isdigit():
        raise ValueError(f"unsupported cron token {text!r}")
    return int(text)


def schedule_matcher(expression: str | ScheduleExpression) -> Callable[[int], bool]:
    """A predicate over minute-boundary Unix ms: does the schedule fire at that minute (UTC)?"""
    text = expression.to_string() if isinstance(expression, ScheduleExpression) else expression
    rate = _RATE.match(text.strip())
    if rate:
        every = int(rate.group(1)) * _UNIT_MINUTES[rate.group(2).lower().rstrip("s")]
        if every < 1:
            raise ValueError(f"invalid rate {text!r}")
        return lambda ms: (ms // MINUTE_MS) % every == 0
    cron = _CRON.match(text.strip())
    if not cron or len(cron.group(1).split()) != 6:
        raise ValueError(f"unsupported schedule expression {text!r}")
    minutes, hours, dom, month, dow, year = cron.group(1).split()
    fields = (
        _cron_field(minutes, 0, 59),
        _cron_field(hours, 0, 23),
        _cron_field(dom, 1, 31),
        _cron_field(month, 1, 12, _MONTHS),
        _cron_field(dow, 1, 7, _DAYS),
        _cron_field(year, 1970, 2199),
    )

    def matches(ms: int) -> bool:
        at = datetime.fromtimestamp(ms / 1000, tz=UTC)
        values = (at.minute, at.hour, at.day, at.month, at.isoweekday() % 7 + 1, at.year)
        return all(allowed is None or value in allowed for allowed, value in zip(fields, values, strict=True))

    return matches


@dataclass(frozen=True)
class ScheduleSource:
    name: str
    matches: Callable[[int], bool]
    handler: Handler


def schedule_sources(app: Chalice) -> list[ScheduleSource]:
    sources = []
    for config in app.event_sources:
        if isinstance(config, ScheduledEventConfig):
            try:
                matcher = schedule_matcher(config.schedule_expression)
            except ValueError as error:
                log.warning("schedule %s is not run locally: %s", config.name, error)
                continue
            sources.append(ScheduleSource(config.name, matcher, handler_for(app, config.name)))
    return sources


def scheduled_event(rule_arn: str, at_ms: int, region: str, account_id: str) -> dict[str, Any]:
    """The event EventBridge delivers for a schedule rule."""
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": account_id,
        # At a minute boundary: "2024-01-01T09:30:00Z", as EventBridge writes it.
        "time": iso_utc(at_ms),
        "region": region,
        "resources": [rule_arn],
        "detail": {},
    }


class SkippedShardsNotice:
    """Watches what the dispatcher returns (`skipped_shards`) and says once, in words, why bots did not tick.

    The scheduler fires each minute once, so a partition the dispatcher skips was claimed by an earlier run
    of the runtime (its claims are restored from the snapshot): nothing the user can see in the web app."""

    def __init__(self, state_dir: str = ".local", logger: logging.Logger | None = None) -> None:
        self._state_dir = state_dir
        self._log = logger or log
        self._said = False

    def __call__(self, name: str, at_ms: int, result: Any) -> None:
        if self._said or not isinstance(result, dict):
            return
        skipped = int(result.get("skipped_shards") or 0)
        if skipped <= 0:
            return
        self._said = True
        minute = iso_utc(int(result.get("tick_at") or at_ms))[:16].replace("T", " ")
        self._log.warning(
            "minute %s UTC already dispatched by an earlier run: %s skipped %d of %d schedule partitions, so the "
            "bots in them do not tick at this minute. The earlier run's claims are kept in %s and hold for an "
            "hour of market time after they were taken. (This is said once per run.)",
            minute,
            name,
            skipped,
            int(result.get("shards") or skipped),
            self._state_dir,
        )


class Scheduler:
    """`fire_due` fires every schedule for each minute boundary the clock has passed since the last call;
    `start` calls it on a thread, sleeping (in wall time) until the next market minute."""

    def __init__(
        self,
        sources: list[ScheduleSource],
        clock: Clock,
        contexts: Callable[[str], Any],
        app_name: str = "app",
        stage: str = "dev",
        region: str = "us-east-1",
        account_id: str = "123456789012",
        speed: float | None = None,
        max_catch_up: int = 60,
        max_sleep_s: float = 0.5,
        start_ms: int | None = None,
        on_result: Callable[[str, int, Any], None] | None = None,
    ) -> None:
        self._sources = sources
        self._clock = clock
        self._contexts = contexts
        self._app_name = app_name
        self._stage = stage
        self._region = region
        self._account_id = account_id
        self._speed = speed if speed is not None else float(getattr(clock, "speed", 1.0))
        self._max_catch_up = max_catch_up
        self._max_sleep_s = max_sleep_s
        # The first boundary strictly after start (now, or when an accelerated market began, so no market
        # minute is lost while the app loads): EventBridge does not fire at rule creation.
        start = clock.now_ms() if start_ms is None else start_ms
        self._next_ms = (start // MINUTE_MS + 1) * MINUTE_MS
        self._on_result = on_result
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def fire_due(self) -> int:
        """Fire every minute now due, in order. Returns how many minutes fired."""
        now = self._clock.now_ms()
        if now < self._next_ms:
            return 0
        behind = (now - self._next_ms) // MINUTE_MS + 1
        if behind > self._max_catch_up:
            log.warning("scheduler %d minutes behind: skipping to the last %d", behind, self._max_catch_up)
            self._next_ms += (behind - self._max_catch_up) * MINUTE_MS
        fired = 0
        while self._next_ms <= now and not self._stop.is_set():
            self._fire_minute(self._next_ms)
            self._next_ms += MINUTE_MS
            fired += 1
        return fired

    def _fire_minute(self, at_ms: int) -> None:
        for source in self._sources:
            if source.matches(at_ms):
                rule_name = f"{self._app_name}-{self._stage}-{source.name}-event"
                rule = f"arn:aws:events:{self._region}:{self._account_id}:rule/{rule_name}"
                event = scheduled_event(rule, at_ms, self._region, self._account_id)
                try:
                    result = source.handler(event, self._contexts(source.name))
                    if self._on_result is not None:
                        self._on_result(source.name, at_ms, result)
                except Exception:
                    log.exception("scheduled handler %s failed for %s", source.name, event["time"])

    def seconds_to_next(self) -> float:
        remaining_ms = self._next_ms - self._clock.now_ms()
        return max(0.0, min(self._max_sleep_s, remaining_ms / 1000 / self._speed))

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="scheduler", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            self.fire_due()
            self._stop.wait(self.seconds_to_next() or 0.001)

    def stop(self, timeout: float | None = None) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
