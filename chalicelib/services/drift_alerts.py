"""The daily drift alert (docs/drift.md, "Daily alert"). Once a day, from DAILY_AT_MINUTE past midnight UTC, the
minute's dispatch claims the previous UTC day (a lease in the dispatch claims, so a retried or doubled schedule
queues it once) and queues one `fanout` step on the jobs queue; the jobs worker lists the running bots through
the schedule index and queues one `bot` step each. A bot's step claims (bot, day) once, computes the drift of
that day through DriftJobs (inline, and cached since the day is past) and notifies the user when |unexplained|
or |slippage| passes their threshold, in bps of the bot's budget (`GET/PUT /account/drift-alerts`)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Protocol

from aws_lambda_powertools import Logger

from chalicelib.domain.bots import BotConfig, BotState, BotStatus
from chalicelib.domain.clock import Clock
from chalicelib.domain.daily_summary import day_of
from chalicelib.domain.errors import InvalidInput, NotFound
from chalicelib.domain.intervals import INTERVAL_MS
from chalicelib.domain.notifications import about_bot, bot_data
from chalicelib.services.drift_jobs import DriftJobs, Pending
from chalicelib.services.messages import DriftDailyMessage
from chalicelib.services.ports.bots import BotEvent, DispatchClaims, DueIndex, Notifier
from chalicelib.services.ports.drift_reports import AlertSetting, DriftAlertStore

logger = Logger(child=True)
KIND = "drift_alert"
DAY_MS = 86_400_000
DAILY_AT_MINUTE = 10  # 00:10 UTC: the day's last bars are closed and their ticks have run
DAILY_TRIES_MIN = 30  # the minutes after it in which a dispatch still claims the day (a failed minute retries)
CLAIM_TTL_S = 3 * 86_400
BPS = Decimal(10_000)


class JobsQueue(Protocol):
    def send(self, body: dict[str, Any]) -> None: ...

    def send_batch(self, bodies: Any) -> int: ...


class DriftAlerts:
    def __init__(
        self,
        *,
        store: DriftAlertStore,
        claims: DispatchClaims,
        queue: JobsQueue,
        index: DueIndex,
        shards: int,
        get_bot: Callable[[str, str], tuple[BotConfig, BotState]],
        reports: DriftJobs,
        notifier: Notifier,
        quote_asset: Callable[[str], str],
        clock: Clock,
    ) -> None:
        self._store = store
        self._claims = claims
        self._queue = queue
        self._index = index
        self._shards = shards
        self._get_bot = get_bot
        self._reports = reports
        self._notifier = notifier
        self._quote_asset = quote_asset
        self._clock = clock

    def setting(self, user_id: str) -> AlertSetting:
        return self._store.setting(user_id)

    def set_setting(self, user_id: str, setting: AlertSetting) -> AlertSetting:
        if not 1 <= setting.threshold_bps <= 10_000:  # the route validates too; the service never stores junk
            raise InvalidInput(
                "threshold_bps must be 1..10000.",
                code="invalid_threshold",
                details=[{"field": "threshold_bps", "message": "1..10000"}],
            )
        self._store.set_setting(user_id, setting)
        return setting

    def dispatch(self, now_ms: int) -> str | None:
        """The minute's hook: the day queued for its check (once), or None."""
        minute = now_ms % DAY_MS // 60_000
        if not DAILY_AT_MINUTE <= minute < DAILY_AT_MINUTE + DAILY_TRIES_MIN:
            return None
        day = day_of(now_ms - DAY_MS)
        key = f"dispatch#drift#{day}"
        if not self._claims.claim(key, CLAIM_TTL_S):
            return None
        try:
            self._queue.send(DriftDailyMessage(step="fanout", day=day).body())
        except Exception:
            self._claims.release(key)  # the next minute tries again
            raise
        return day

    def fanout(self, day: str) -> int:
        """One `bot` step per running bot (the schedule index: a Query per shard, never a Scan)."""
        bodies = [
            DriftDailyMessage(step="bot", day=day, user_id=user_id, bot_id=bot_id).body()
            for interval in INTERVAL_MS
            for shard in range(self._shards)
            for user_id, bot_id, _ in self._index.due(f"{interval}#{shard:02d}")
        ]
        if bodies:
            self._queue.send_batch(bodies)
        return len(bodies)

    def check_bot(self, user_id: str, bot_id: str, day: str) -> str:
        """`alerted`, `quiet`, or why nothing was checked. A failure gives the day back and raises (SQS retries)."""
        setting = self._store.setting(user_id)
        if not setting.enabled:
            return "disabled"
        try:
            config, _ = self._get_bot(user_id, bot_id)
        except NotFound:
            return "gone"
        start = int(datetime.strptime(day, "%Y-%m-%d").replace(tzinfo=UTC).timestamp() * 1000)
        from_ms, to_ms = max(start, config.updated_at_ms), start + DAY_MS
        if config.strategy == "signal":  # nothing to replay (docs/drift.md)
            return "not_replayable"
        if to_ms > self._clock.now_ms():
            return "not_over"
        if config.status is not BotStatus.RUNNING or from_ms >= to_ms - INTERVAL_MS[config.interval]:
            return "not_running"
        if not self._store.claim_day(user_id, bot_id, day, self._clock.now_ms() // 1000 + CLAIM_TTL_S):
            return "claimed"
        try:
            return self._check(user_id, config, day, setting, from_ms, to_ms)
        except InvalidInput as exc:  # the period cannot be replayed (e.g. a position held at from): no figures
            logger.info("daily drift not computed", extra={"bot_id": bot_id, "code": exc.code})
            return "no_report"
        except Exception:
            self._store.release_day(user_id, bot_id, day)
            raise

    def _check(self, user_id: str, config: BotConfig, day: str, setting: AlertSetting, from_ms: int, to_ms: int) -> str:
        body = self._reports.get(user_id, config.id, from_ms, to_ms)
        if isinstance(body, Pending):  # a day is within the inline limit of every interval
            raise RuntimeError("a one-day drift report was queued")
        unexplained, slippage = (Decimal(body["summary"][k]) for k in ("unexplained", "slippage"))
        threshold = config.budget * setting.threshold_bps / BPS
        if abs(unexplained) <= threshold and abs(slippage) <= threshold:
            return "quiet"
        quote = self._quote_asset(config.symbol)
        text = (
            f"drift on {day}: unexplained {_amount(unexplained)} {quote}, slippage {_amount(slippage)} {quote}, "
            f"above your threshold of {setting.threshold_bps} bps of the budget ({_amount(threshold)} {quote})"
        )
        data = {
            **bot_data(config.name, config.id),
            "day": day,
            "unexplained": str(unexplained),
            "slippage": str(slippage),
            "threshold_bps": setting.threshold_bps,
            "threshold": str(threshold),
        }
        self._notifier.publish([BotEvent(user_id, config.id, KIND, about_bot(config.name, config.id, text), data)])
        return "alerted"


def _amount(x: Decimal) -> str:
    return format(x.quantize(Decimal("0.01")), "f")
