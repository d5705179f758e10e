"""The drift-report store's contract (services/ports/drift_reports.py), bound to the in-memory fake and to the
DynamoDB adapter on moto: one claim wins, a settle happens once, an expired record is still read (TTL deletes
lazily) and may be claimed again, `latest` finds the greatest `to`, the setting and the daily claims."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from chalicelib.services.ports.drift_reports import AlertSetting, ReportKey

NOW = 1_764_547_200_000
BODY = {"summary": {"live_pnl": "1.5", "unexplained": "0"}, "pairs": [], "unmatched": [], "source": "market:X"}


class _Clock:
    def __init__(self) -> None:
        self.ms = NOW


def memory_store(request: pytest.FixtureRequest, clock: _Clock) -> Any:
    from tests.fakes.memory_drift import InMemoryDriftReports

    return InMemoryDriftReports(lambda: clock.ms)


def dynamo_store(request: pytest.FixtureRequest, clock: _Clock) -> Any:
    request.getfixturevalue("aws")
    from chalicelib import bootstrap
    from chalicelib.adapters.dynamo.drift_reports import DynamoDriftReports

    return DynamoDriftReports(bootstrap.bootstrap().ports.results)


@pytest.fixture(params=[memory_store, dynamo_store], ids=["memory", "dynamodb"])
def env(request: pytest.FixtureRequest) -> tuple[Any, _Clock, str]:
    clock = _Clock()
    return request.param(request, clock), clock, f"u-{uuid.uuid4().hex[:12]}"


def _key(to_ms: int = NOW - 60_000) -> ReportKey:
    return ReportKey("bot1", NOW - 86_400_000, NOW - 5 * 86_400_000, to_ms)


def test_one_claim_wins_and_settles_once(env: tuple[Any, _Clock, str]) -> None:
    store, _, user = env
    key, exp = _key(), NOW // 1000 + 3600
    assert store.get(user, key) is None
    assert store.claim(user, key, "r1", NOW, NOW - 900_000, exp) is True
    assert store.claim(user, key, "r2", NOW, NOW - 900_000, exp) is False
    record = store.get(user, key)
    assert (record.status, record.report_id, record.key, record.body) == ("pending", "r1", key, None)
    assert store.finish(user, key, BODY, NOW + 5, exp) is True
    assert store.finish(user, key, BODY, NOW + 6, exp) is False
    assert store.fail(user, key, {"code": "x"}, NOW + 7, exp) is False
    done = store.get(user, key)
    assert (done.status, done.body, done.updated_at_ms) == ("done", BODY, NOW + 5)
    assert store.claim(user, key, "r3", NOW + 1000, NOW + 10**9, exp) is False  # done: never stale
    assert store.get("someone-else", key) is None


def test_a_stale_pending_or_an_expired_record_may_be_claimed_and_release_is_the_claimants(
    env: tuple[Any, _Clock, str],
) -> None:
    store, clock, user = env
    key = _key()
    assert store.claim(user, key, "r1", NOW, NOW - 900_000, NOW // 1000 + 3600)
    assert store.claim(user, key, "r2", NOW + 60_000, NOW - 1, NOW // 1000 + 3600) is False
    assert store.claim(user, key, "r2", NOW + 60_000, NOW + 1, NOW // 1000 + 3600) is True
    store.release(user, key, "r1")  # not the holder: nothing
    assert store.get(user, key).report_id == "r2"
    assert store.fail(user, key, {"code": "not_flat_at_from", "message": "m", "details": None}, NOW, NOW // 1000)
    clock.ms = NOW + 2_000
    assert store.get(user, key).error == {"code": "not_flat_at_from", "message": "m", "details": None}  # still read
    assert store.claim(user, key, "r4", clock.ms, clock.ms - 900_000, clock.ms // 1000 + 60) is True
    store.release(user, key, "r4")
    assert store.get(user, key) is None


def test_latest_and_a_cached_body_however_large(env: tuple[Any, _Clock, str]) -> None:
    store, _, user = env
    big = {**BODY, "pairs": [{"id": uuid.uuid4().hex, "n": i} for i in range(25_000)]}  # > 300 KB gzipped
    store.put_done(user, _key(NOW - 120_000), "a", BODY, NOW, NOW // 1000 + 60)
    store.put_done(user, _key(NOW - 60_000), "b", big, NOW, NOW // 1000 + 60)
    store.put_done(user, ReportKey("bot1", NOW, NOW - 5 * 86_400_000, NOW), "c", BODY, NOW, NOW // 1000 + 60)
    latest = store.latest(user, "bot1", NOW - 86_400_000, NOW - 5 * 86_400_000)
    assert latest.report_id == "b" and latest.body == big and latest.status == "done"
    assert store.latest(user, "bot2", NOW - 86_400_000, NOW - 5 * 86_400_000) is None


def test_the_setting_and_the_daily_claims(env: tuple[Any, _Clock, str]) -> None:
    store, _, user = env
    assert store.setting(user) == AlertSetting(True, 50)
    store.set_setting(user, AlertSetting(False, 7))
    assert store.setting(user) == AlertSetting(False, 7)
    assert store.claim_day(user, "bot1", "2025-11-30", NOW // 1000 + 60) is True
    assert store.claim_day(user, "bot1", "2025-11-30", NOW // 1000 + 60) is False
    assert store.claim_day(user, "bot1", "2025-12-01", NOW // 1000 + 60) is True
    store.release_day(user, "bot1", "2025-11-30")
    assert store.claim_day(user, "bot1", "2025-11-30", NOW // 1000 + 60) is True


def test_an_erased_account_leaves_no_drift_item(aws: dict[str, str]) -> None:
    from chalicelib import bootstrap
    from chalicelib.adapters.dynamo.drift_reports import DynamoDriftReports, delete_user_drift_reports

    store, user = DynamoDriftReports(bootstrap.bootstrap().ports.results), f"u-{uuid.uuid4().hex[:12]}"
    store.set_setting(user, AlertSetting(False, 9))
    store.put_done(user, _key(), "a", BODY, NOW, NOW // 1000 + 60)
    store.claim_day(user, "bot1", "2025-11-30", NOW // 1000 + 60)
    assert delete_user_drift_reports(user) == 3
    assert store.get(user, _key()) is None and store.setting(user) == AlertSetting(True, 50)
