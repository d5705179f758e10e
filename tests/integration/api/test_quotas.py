"""Per-user quotas through the real app on moto: each quota answers its 4xx with the limit in the message and
the details, frees up when the thing is deleted or stopped, is atomic under concurrent requests, and repairs
itself after a crash between admission and creation."""

from __future__ import annotations

import dataclasses
import json
import os
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
import responses

from chalicelib import bootstrap
from chalicelib.config import settings
from chalicelib.domain.clock import ManualClock
from chalicelib.domain.errors import QuotaExceeded
from chalicelib.services.quotas import GRACE_MS, RECHECK_MS
from tests.integration.api.helpers import call, signup
from tests.integration.backtests.conftest import range_body
from tests.integration.bots.conftest import bot_body
from tests.sqs_events import sqs_event

NOW_MS = 1_767_225_600_000  # 2026-01-01T00:00:00Z
LIMITS = {
    "TRADEBOT_QUOTA_BOTS": "3",
    "TRADEBOT_QUOTA_RUNNING_BOTS": "1",
    "TRADEBOT_QUOTA_API_KEYS": "1",
    "TRADEBOT_QUOTA_ACTIVE_BACKTESTS": "1",
    "TRADEBOT_QUOTA_STORED_BACKTESTS": "3",
    "TRADEBOT_QUOTA_UPLOAD_BYTES": "2000",
    "TRADEBOT_BACKTEST_SYNC_BARS": "6000",
}
LARGE = {"interval": "1m", "start": "2025-12-01T00:00:00Z", "end": "2025-12-06T00:00:00Z"}  # 7,200 bars: queued
MAINNET = "https://api.binance.com"


@dataclass
class Env:
    api: Any
    clock: ManualClock
    jobs_url: str

    def user(self) -> dict[str, Any]:
        return signup(self.api)

    def call(self, method: str, path: str, body: Any = None, token: str | None = None) -> tuple[int, Any, Any]:
        return call(self.api, method, path, body, token)


def _empty(url: str) -> None:
    sqs = boto3.client("sqs", region_name="us-east-1")
    while got := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=0).get("Messages"):
        for m in got:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])


@pytest.fixture()
def env(aws: dict[str, str]) -> Iterator[Env]:
    from chalice.test import Client

    from app import app

    clock = ManualClock(NOW_MS)
    base = settings()
    cfg = dataclasses.replace(base, extra={**base.extra, **LIMITS}, binance_env="mainnet")
    bootstrap.use(bootstrap.Container(cfg, clock=clock))
    jobs_url = aws.get("JobsQueueUrl") or base.jobs_queue_url
    with Client(app, stage_name="dev") as client:
        os.environ["STAGE"] = "test"
        _empty(jobs_url)
        yield Env(api=client.http, clock=clock, jobs_url=jobs_url)
        _empty(jobs_url)
    bootstrap.use(None)


def _refused(status: int, body: Any, expected_status: int, quota: str, limit: int) -> None:
    assert status == expected_status, body
    error = body["error"]
    assert error["code"] == "quota_exceeded"
    assert f"limit of {limit}" in error["message"]
    assert error["details"]["quota"] == quota and error["details"]["limit"] == limit


def test_bots_quota_answers_409_with_the_limit_and_frees_on_delete(env: Env) -> None:
    token = env.user()["access_token"]
    ids = []
    for i in range(3):
        status, bot, _ = env.call("POST", "/bots", bot_body(name=f"b{i}"), token)
        assert status == 201, bot
        ids.append(bot["id"])
    status, body, _ = env.call("POST", "/bots", bot_body(name="one too many"), token)
    _refused(status, body, 409, "bots", 3)
    assert body["error"]["details"]["used"] == 3
    assert "3 bots" in body["error"]["message"]
    # Another user is not affected.
    assert env.call("POST", "/bots", bot_body(), env.user()["access_token"])[0] == 201
    assert env.call("DELETE", f"/bots/{ids[0]}", None, token)[0] == 204
    assert env.call("POST", "/bots", bot_body(name="fits again"), token)[0] == 201


def test_running_bots_quota_counts_start_and_resume_and_frees_on_pause_stop_and_error(env: Env) -> None:
    token = env.user()["access_token"]
    first = env.call("POST", "/bots", bot_body(name="a"), token)[1]["id"]
    second = env.call("POST", "/bots", bot_body(name="b"), token)[1]["id"]
    assert env.call("POST", f"/bots/{first}/start", None, token)[0] == 200
    status, body, _ = env.call("POST", f"/bots/{second}/start", None, token)
    _refused(status, body, 409, "running_bots", 1)
    assert "running bots" in body["error"]["message"]
    assert env.call("GET", f"/bots/{second}", None, token)[1]["status"] == "stopped"

    assert env.call("POST", f"/bots/{first}/pause", None, token)[0] == 200
    assert env.call("POST", f"/bots/{second}/start", None, token)[0] == 200
    status, body, _ = env.call("POST", f"/bots/{first}/resume", None, token)
    _refused(status, body, 409, "running_bots", 1)

    assert env.call("POST", f"/bots/{second}/stop", {"close_position": False}, token)[0] == 200
    assert env.call("POST", f"/bots/{first}/resume", None, token)[0] == 200
    # The worker sending a bot to ERROR frees its slot too.
    from chalicelib.domain.bots import BotStatus

    user_id = env.call("GET", "/users/me", None, token)[1]["id"]
    bootstrap.container().bots.set_status(user_id, first, BotStatus.ERROR, "test")
    assert env.call("POST", f"/bots/{second}/start", None, token)[0] == 200


@pytest.fixture()
def exchange() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        rsps.get(f"{MAINNET}/api/v3/time", json={"serverTime": 0})
        rsps.get(f"{MAINNET}/api/v3/account", json={"canTrade": True, "permissions": ["SPOT"], "balances": []})
        rsps.get(
            f"{MAINNET}/sapi/v1/account/apiRestrictions",
            json={"enableWithdrawals": False, "enableSpotAndMarginTrading": True},
        )
        yield rsps


def _key_body() -> dict[str, Any]:
    return {"label": "main", "api_key": "K" * 20 + "abcd", "api_secret": "S" + uuid.uuid4().hex * 2, "testnet": False}


def test_api_keys_quota_answers_409_before_calling_the_exchange(env: Env, exchange: responses.RequestsMock) -> None:
    token = env.user()["access_token"]
    status, key, _ = env.call("POST", "/api-keys", _key_body(), token)
    assert status == 201, key
    calls = len(exchange.calls)
    status, body, _ = env.call("POST", "/api-keys", _key_body(), token)
    _refused(status, body, 409, "api_keys", 1)
    assert "API keys" in body["error"]["message"]
    assert len(exchange.calls) == calls  # refused without spending exchange weight
    assert env.call("DELETE", f"/api-keys/{key['id']}", None, token)[0] == 204
    assert env.call("POST", "/api-keys", _key_body(), token)[0] == 201


def test_a_key_the_exchange_refuses_does_not_keep_its_slot(env: Env, exchange: responses.RequestsMock) -> None:
    token = env.user()["access_token"]
    exchange.replace(
        responses.GET,
        f"{MAINNET}/sapi/v1/account/apiRestrictions",
        json={"enableWithdrawals": True, "enableSpotAndMarginTrading": True},
    )
    assert env.call("POST", "/api-keys", _key_body(), token)[0] == 422
    exchange.replace(
        responses.GET,
        f"{MAINNET}/sapi/v1/account/apiRestrictions",
        json={"enableWithdrawals": False, "enableSpotAndMarginTrading": True},
    )
    assert env.call("POST", "/api-keys", _key_body(), token)[0] == 201


def _run_jobs(env: Env) -> None:
    from chalicelib import workers

    sqs = boto3.client("sqs", region_name="us-east-1")
    arn = sqs.get_queue_attributes(QueueUrl=env.jobs_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    while got := sqs.receive_message(
        QueueUrl=env.jobs_url, MaxNumberOfMessages=10, AttributeNames=["All"], VisibilityTimeout=0
    ).get("Messages"):
        for m in got:
            assert workers.run_jobs(sqs_event([m], arn))["batchItemFailures"] == []
            sqs.delete_message(QueueUrl=env.jobs_url, ReceiptHandle=m["ReceiptHandle"])


def test_active_backtests_quota_answers_429_until_the_job_finishes(env: Env) -> None:
    token = env.user()["access_token"]
    status, first, _ = env.call("POST", "/backtests", range_body(**LARGE), token)
    assert status == 202, first
    status, body, headers = env.call("POST", "/backtests", range_body(**LARGE), token)
    _refused(status, body, 429, "active_backtests", 1)
    assert int(headers["Retry-After"]) > 0
    # A small (synchronous) backtest is not a queued job: it still runs.
    assert env.call("POST", "/backtests", range_body(), token)[0] == 201
    _run_jobs(env)
    assert env.call("GET", f"/backtests/{first['id']}", None, token)[1]["status"] == "done"
    assert env.call("POST", "/backtests", range_body(**LARGE), token)[0] == 202


def test_stored_backtests_quota_answers_409_and_frees_on_delete(env: Env) -> None:
    token = env.user()["access_token"]
    ids = []
    for _ in range(3):
        status, created, _ = env.call("POST", "/backtests", range_body(), token)
        assert status == 201, created
        ids.append(created["id"])
    status, body, _ = env.call("POST", "/backtests", range_body(), token)
    _refused(status, body, 409, "stored_backtests", 3)
    assert env.call("DELETE", f"/backtests/{ids[1]}", None, token)[0] == 204
    assert env.call("POST", "/backtests", range_body(), token)[0] == 201


def test_a_failed_backtest_request_does_not_keep_a_stored_slot(env: Env) -> None:
    token = env.user()["access_token"]
    # Valid as a request, but the synthetic market has no candles that far back: 422 after the quota was taken.
    old = range_body(start="2001-01-01T00:00:00Z", end="2001-01-05T00:00:00Z")
    for _ in range(4):
        assert env.call("POST", "/backtests", old, token)[0] == 422
    for _ in range(3):
        assert env.call("POST", "/backtests", range_body(), token)[0] == 201


def _csv(rows: int) -> str:
    start = 1_700_000_000_000
    return "\n".join(f"{start + i * 60_000},100,101,99,100,1,{start + i * 60_000 + 59_999}" for i in range(rows))


def test_upload_size_quota_answers_413_with_the_limit(env: Env) -> None:
    token = env.user()["access_token"]
    small, large = _csv(20), _csv(60)
    assert len(small.encode()) < 2000 < len(large.encode())
    body_in = {"strategy": "sma_cross", "params": {"fast": 5, "slow": 20}, "risk": {}}
    status, created, _ = env.call("POST", "/backtests", {**body_in, "csv": small}, token)
    assert status == 201, created
    status, body, _ = env.call("POST", "/backtests", {**body_in, "csv": large}, token)
    assert status == 413, body
    assert body["error"]["code"] == "quota_exceeded" and "2000 bytes" in body["error"]["message"]
    assert body["error"]["details"] == {"quota": "upload_bytes", "limit": 2000, "used": len(large.encode()),
                                        "field": "csv"}  # fmt: skip


def test_concurrent_creations_never_exceed_the_limit(env: Env) -> None:
    # GIVEN a user with no bots and a limit of 3 WHEN 12 creations race THEN exactly 3 succeed.
    user_id = env.user()["id"]
    service = bootstrap.container().bots
    outcomes: list[str] = []
    lock = threading.Lock()

    def create(i: int) -> None:
        try:
            service.create(user_id, bot_body(name=f"race {i}"))
            result = "created"
        except QuotaExceeded:
            result = "refused"
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=create, args=(i,)) for i in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["created"] * 3 + ["refused"] * 9
    assert len(service.list_for(user_id)) == 3


def _ledger_pk(user_id: str, quota: str) -> dict[str, Any]:
    return {"pk": {"S": f"quota#{user_id}#{quota}"}}


def test_a_crash_after_admission_holds_the_slot_only_for_the_grace_period(env: Env) -> None:
    token, user_id = (u := env.user())["access_token"], u["id"]
    quotas = bootstrap.container().quotas
    assert env.call("POST", "/bots", bot_body(), token)[0] == 201
    # Two admissions whose creations never happened (the API process died in between).
    quotas.acquire(user_id, "bots", "ghost-1")
    quotas.acquire(user_id, "bots", "ghost-2")
    status, body, _ = env.call("POST", "/bots", bot_body(), token)
    _refused(status, body, 409, "bots", 3)
    env.clock.advance(max(GRACE_MS, RECHECK_MS) + 1)
    # The refusal recounts the real bots: the ghosts are gone, the real one still counts.
    assert env.call("POST", "/bots", bot_body(), token)[0] == 201
    assert env.call("POST", "/bots", bot_body(), token)[0] == 201
    _refused(*env.call("POST", "/bots", bot_body(), token)[:2], 409, "bots", 3)


def test_bots_from_before_quotas_are_counted(env: Env) -> None:
    token, user_id = (u := env.user())["access_token"], u["id"]
    for _ in range(3):
        assert env.call("POST", "/bots", bot_body(), token)[0] == 201
    # GIVEN the ledger does not exist (bots created before quotas were deployed)
    table = settings().table("rate-limits")
    boto3.client("dynamodb", region_name="us-east-1").delete_item(TableName=table, Key=_ledger_pk(user_id, "bots"))
    # THEN the first creation recounts the real bots and is refused
    status, body, _ = env.call("POST", "/bots", bot_body(), token)
    _refused(status, body, 409, "bots", 3)
    item = boto3.client("dynamodb", region_name="us-east-1").get_item(TableName=table, Key=_ledger_pk(user_id, "bots"))
    assert len(item["Item"]["members"]["M"]) == 3
    assert json.dumps(body)  # a JSON error body


def test_a_negative_limit_means_unlimited(aws: dict[str, str]) -> None:
    from chalicelib.services.quotas import Limits

    limits = Limits.from_settings({"TRADEBOT_QUOTA_BOTS": "-1", "TRADEBOT_QUOTA_UPLOAD_BYTES": ""})
    assert limits.counts["bots"] == -1 and limits.counts["running_bots"] == 50
    assert limits.upload_bytes == 6 * 1024 * 1024
    with pytest.raises(ValueError, match="TRADEBOT_QUOTA_API_KEYS"):
        Limits.from_settings({"TRADEBOT_QUOTA_API_KEYS": "ten"})
