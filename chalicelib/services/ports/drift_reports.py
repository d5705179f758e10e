"""Ports of drift's jobs (docs/drift.md, "Long periods", "Cache", "Daily alert"): the store of computed reports
per (user, bot, config version, from, to), and the user's alert setting with the once-a-day claim per bot."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, Protocol

Status = Literal["pending", "done", "failed"]


@dataclass(frozen=True)
class ReportKey:
    bot_id: str
    version: int  # the bot config's updated_at_ms when the report was asked for
    from_ms: int
    to_ms: int


@dataclass(frozen=True)
class DriftRecord:
    user_id: str
    key: ReportKey
    report_id: str
    status: Status
    body: dict[str, Any] | None  # the 200 answer, as the route renders it (done)
    error: dict[str, Any] | None  # {"code", "message", "details"} of the 422 the job met (failed)
    updated_at_ms: int
    expires_at_s: int  # DynamoDB TTL: deletion is lazy, an expired item may still be read for a while


@dataclass(frozen=True)
class AlertSetting:
    enabled: bool = True
    threshold_bps: int = 50


class DriftReportStore(Protocol):
    def get(self, user_id: str, key: ReportKey) -> DriftRecord | None: ...

    def latest(self, user_id: str, bot_id: str, version: int, from_ms: int) -> DriftRecord | None:
        """The record of (bot, version, from) with the greatest `to` (an open-ended request's last job)."""
        ...

    def claim(
        self, user_id: str, key: ReportKey, report_id: str, now_ms: int, stale_before_ms: int, expires_at_s: int
    ) -> bool:
        """A conditional put of a pending record: True for the one caller that writes it; False while another
        record holds the key (done, failed, or pending since `stale_before_ms` or later). An expired one is free."""
        ...

    def release(self, user_id: str, key: ReportKey, report_id: str) -> None:
        """Delete the pending record `report_id` wrote (its job could not be queued)."""
        ...

    def finish(self, user_id: str, key: ReportKey, body: dict[str, Any], now_ms: int, expires_at_s: int) -> bool:
        """pending -> done with the body, conditionally; False when it was not pending (a copy got there)."""
        ...

    def fail(self, user_id: str, key: ReportKey, error: dict[str, Any], now_ms: int, expires_at_s: int) -> bool:
        """pending -> failed with the error, conditionally."""
        ...

    def put_done(
        self, user_id: str, key: ReportKey, report_id: str, body: dict[str, Any], now_ms: int, expires_at_s: int
    ) -> None:
        """Cache an inline report (same content whoever writes it, so the last write may win)."""
        ...


class DriftAlertStore(Protocol):
    def setting(self, user_id: str) -> AlertSetting: ...

    def set_setting(self, user_id: str, setting: AlertSetting) -> None: ...

    def claim_day(self, user_id: str, bot_id: str, day: str, expires_at_s: int) -> bool:
        """A conditional put: True for the one caller that marks the bot's `day` alerted-or-checked."""
        ...

    def release_day(self, user_id: str, bot_id: str, day: str) -> None: ...
