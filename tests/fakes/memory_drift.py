"""In-memory drift-report store and alert store (services/ports/drift_reports.py). Like DynamoDB: conditional
writes refuse a copy, reads return copies, and an item past its TTL is *still returned* (DynamoDB deletes
expired items lazily, up to days later): the service must ignore it, and a claim may overwrite it."""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from chalicelib.services.ports.drift_reports import AlertSetting, DriftRecord, ReportKey


class InMemoryDriftReports:
    def __init__(self, now_ms: Callable[[], int]) -> None:
        self._now_ms = now_ms
        self.records: dict[tuple[str, ReportKey], DriftRecord] = {}
        self.settings: dict[str, AlertSetting] = {}
        self.days: dict[tuple[str, str, str], int] = {}
        self.writes = 0

    # --- reports --------------------------------------------------------------------------------

    def get(self, user_id: str, key: ReportKey) -> DriftRecord | None:
        return copy.deepcopy(self.records.get((user_id, key)))

    def latest(self, user_id: str, bot_id: str, version: int, from_ms: int) -> DriftRecord | None:
        found = [
            r
            for (u, k), r in self.records.items()
            if u == user_id and (k.bot_id, k.version, k.from_ms) == (bot_id, version, from_ms)
        ]
        return copy.deepcopy(max(found, key=lambda r: r.key.to_ms)) if found else None

    def claim(
        self, user_id: str, key: ReportKey, report_id: str, now_ms: int, stale_before_ms: int, expires_at_s: int
    ) -> bool:
        old = self.records.get((user_id, key))
        free = (
            old is None
            or old.expires_at_s < now_ms // 1000  # DynamoDB: the condition compares the caller's time
            or (old.status == "pending" and old.updated_at_ms < stale_before_ms)
        )
        if not free:
            return False
        self._put(DriftRecord(user_id, key, report_id, "pending", None, None, now_ms, expires_at_s))
        return True

    def release(self, user_id: str, key: ReportKey, report_id: str) -> None:
        old = self.records.get((user_id, key))
        if old is not None and old.report_id == report_id and old.status == "pending":
            del self.records[(user_id, key)]

    def finish(self, user_id: str, key: ReportKey, body: dict[str, Any], now_ms: int, expires_at_s: int) -> bool:
        return self._settle(user_id, key, "done", body, None, now_ms, expires_at_s)

    def fail(self, user_id: str, key: ReportKey, error: dict[str, Any], now_ms: int, expires_at_s: int) -> bool:
        return self._settle(user_id, key, "failed", None, error, now_ms, expires_at_s)

    def put_done(
        self, user_id: str, key: ReportKey, report_id: str, body: dict[str, Any], now_ms: int, expires_at_s: int
    ) -> None:
        self._put(DriftRecord(user_id, key, report_id, "done", copy.deepcopy(body), None, now_ms, expires_at_s))

    def _settle(
        self,
        user_id: str,
        key: ReportKey,
        status: Any,
        body: dict[str, Any] | None,
        error: dict[str, Any] | None,
        now_ms: int,
        expires_at_s: int,
    ) -> bool:
        old = self.records.get((user_id, key))
        if old is None or old.status != "pending":
            return False
        self._put(
            replace(
                old,
                status=status,
                body=copy.deepcopy(body),
                error=error,
                updated_at_ms=now_ms,
                expires_at_s=expires_at_s,
            )
        )
        return True

    def _put(self, record: DriftRecord) -> None:
        self.writes += 1
        self.records[(record.user_id, record.key)] = record

    # --- alert setting and daily claims ---------------------------------------------------------

    def setting(self, user_id: str) -> AlertSetting:
        return self.settings.get(user_id, AlertSetting())

    def set_setting(self, user_id: str, setting: AlertSetting) -> None:
        self.settings[user_id] = setting

    def claim_day(self, user_id: str, bot_id: str, day: str, expires_at_s: int) -> bool:
        if (user_id, bot_id, day) in self.days:
            return False
        self.days[(user_id, bot_id, day)] = expires_at_s
        return True

    def release_day(self, user_id: str, bot_id: str, day: str) -> None:
        self.days.pop((user_id, bot_id, day), None)
