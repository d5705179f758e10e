"""Drift through the jobs queue, the cache and the daily alert, on the embedded AWS through the API and the real
worker handlers (workers.run_jobs, workers.dispatch, workers.send_notifications), over real Binance candles
replayed as of the market clock (test_drift_api's fixture; its own days of the file: 11, 13, 15, 17)."""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal as D
from typing import Any

import boto3
import pytest

from chalicelib import bootstrap, workers
from chalicelib.adapters.dynamo.drift_reports import REPORT
from chalicelib.bootstrap.drift import render
from tests.integration.bots import test_drift_api as base
from tests.integration.bots.conftest import Platform
from tests.integration.bots.test_drift_api import DAY, ListStore, _login, _start

HOUR = 3_600_000
btc_1m, replayed = base.btc_1m, base.replayed  # the fixtures, shared


def _get(p: Platform, token: str, path: str) -> tuple[int, Any]:
    return p.call("GET", path, None, token)


def _user_id(p: Platform, token: str) -> str:
    return str(p.call("GET", "/users/me", None, token)[1]["id"])


def _jobs(p: Platform) -> int:
    return p.drain(p.outputs["JobsQueueUrl"], workers.run_jobs)


def _item(p: Platform, user_id: str) -> list[dict[str, Any]]:
    ddb = boto3.client("dynamodb", region_name="us-east-1")
    table = bootstrap.container().settings.table("drift-reports")
    answer = ddb.query(TableName=table, KeyConditionExpression="user_id = :u",
                       ExpressionAttributeValues={":u": {"S": user_id}})  # fmt: skip
    return [i for i in answer["Items"] if i["sk"]["S"].startswith(REPORT)]


def test_a_long_period_answers_202_then_the_inline_body(replayed: Callable[[int, D], Platform]) -> None:
    p = replayed(11, D(0))
    token = p.user()["access_token"]
    bot_id = _start(p, token, params={"fast": 2, "slow": 5})
    now = p.clock.now_ms()
    path = f"/bots/{bot_id}/drift?from={now - 5 * DAY}&to={now - HOUR}"
    status, pending = _get(p, token, path)
    assert status == 202 and pending["status"] == "pending" and pending["retry_after_ms"] > 0, pending
    assert _get(p, token, path) == (202, pending)  # a second GET before the job ran: the same job
    assert _jobs(p) == 1
    status, report = _get(p, token, path)
    assert status == 200, report
    c = bootstrap.container()
    inline = render(*c.drift.with_limit(10**6).report(_user_id(p, token), bot_id, now - 5 * DAY, now - HOUR))
    assert report == json.loads(json.dumps(inline)) and report["pairs"] == [] and report["unmatched"]
    # The same message delivered again (SQS is at-least-once): nothing computed, nothing written.
    (before,) = _item(p, _user_id(p, token))
    version = int(before["sk"]["S"].split("#")[2])
    job = {"kind": "drift", "user_id": _user_id(p, token), "bot_id": bot_id, "version": version,
           "from_ms": now - 5 * DAY, "to_ms": now - HOUR}  # fmt: skip
    sqs = boto3.client("sqs", region_name="us-east-1")
    sqs.send_message(QueueUrl=p.outputs["JobsQueueUrl"], MessageBody=json.dumps(job))
    assert _jobs(p) == 1
    assert _item(p, _user_id(p, token)) == [before]
    assert _get(p, token, path) == (200, report)
    status, other = _get(p, p.user()["access_token"], path)
    assert status == 404 and other["error"]["code"] == "bot_not_found"


def test_a_past_inline_report_is_cached_and_a_hit_reads_no_candle(
    replayed: Callable[[int, D], Platform], monkeypatch: pytest.MonkeyPatch
) -> None:
    p = replayed(13, D(0))
    token = p.user()["access_token"]
    bot_id = _start(p, token, params={"fast": 2, "slow": 5})
    reads: list[int] = []
    latest = ListStore.latest
    monkeypatch.setattr(ListStore, "latest", lambda self, *a, **k: reads.append(1) or latest(self, *a, **k))
    now = p.clock.now_ms()
    path = f"/bots/{bot_id}/drift?from={now - DAY}&to={now - HOUR}"
    status, first = _get(p, token, path)
    assert status == 200 and reads, first
    seen = len(reads)
    assert _get(p, token, path) == (200, first)
    assert len(reads) == seen  # one item read, no candle
    (item,) = _item(p, _user_id(p, token))
    assert item["status"]["S"] == "done" and int(item["expires_at"]["N"]) > now // 1000
    status, _ = _get(p, token, f"/bots/{bot_id}/drift?from={now - DAY}")  # up to now: computed, not stored
    assert status == 200 and len(reads) > seen and len(_item(p, _user_id(p, token))) == 1
    # A report stored by an older drift method (`r#`) is not read: the new method computes and stores its own.
    ddb = boto3.client("dynamodb", region_name="us-east-1")
    table = bootstrap.container().settings.table("drift-reports")
    ddb.put_item(TableName=table, Item={**item, "sk": {"S": "r#" + item["sk"]["S"].removeprefix(REPORT)}})
    ddb.delete_item(TableName=table, Key={"user_id": item["user_id"], "sk": item["sk"]})
    seen = len(reads)
    assert _get(p, token, path) == (200, first) and len(reads) > seen
    assert len(_item(p, _user_id(p, token))) == 1


def _alerts_feed(p: Platform, token: str) -> list[dict[str, Any]]:
    p.drain(p.outputs["NotifyQueueUrl"], workers.send_notifications)
    status, page = _get(p, token, "/notifications")
    assert status == 200
    return [n for n in page["items"] if n["kind"] == "drift_alert"]


def test_the_daily_job_notifies_above_the_threshold_only(replayed: Callable[[int, D], Platform]) -> None:
    p = replayed(15, D("0.002"))  # the paper exchange's slippage: each fill costs the bot 0.2 %
    p.clock.advance(11 * HOUR)  # 23:00 UTC
    users = {name: p.user() for name in ("low", "high")}
    for name, bps in (("low", 1), ("high", 10_000)):
        status, body = p.call("PUT", "/account/drift-alerts", {"enabled": True, "threshold_bps": bps},
                              users[name]["access_token"])  # fmt: skip
        assert status == 200 and body == {"enabled": True, "threshold_bps": bps}, body
    bots = {name: _start(p, u["access_token"], name=f"{name} bot", params={"fast": 2, "slow": 5})
            for name, u in users.items()}  # fmt: skip
    p.minute(60)  # to midnight: the day's ticks traded
    p.clock.advance(10 * 60_000)  # 00:10 UTC: the minute's dispatch queues yesterday's check
    workers.dispatch()
    workers.dispatch()  # a doubled schedule queues nothing twice
    _jobs(p)  # the fanout, then one step per running bot
    tokens = {name: _login(p, u) for name, u in users.items()}
    (alert,) = _alerts_feed(p, tokens["low"])
    bot_id = bots["low"]
    assert alert["message"].startswith("low bot: drift on ") and alert["message"].endswith(f"(/bots/{bot_id})")
    assert "above your threshold of 1 bps of the budget (0.10 USDT)" in alert["message"], alert["message"]
    assert alert["data"]["bot_path"] == f"/bots/{bot_id}" and D(alert["data"]["slippage"]) < D("-0.1")
    assert _alerts_feed(p, tokens["high"]) == []
    p.clock.advance(60_000)
    workers.dispatch()
    _jobs(p)
    assert len(_alerts_feed(p, tokens["low"])) == 1  # one claim per (bot, day)


def test_the_alert_setting_validates_and_is_the_callers_own(replayed: Callable[[int, D], Platform]) -> None:
    p = replayed(17, D(0))
    owner, other = p.user()["access_token"], p.user()["access_token"]
    assert _get(p, owner, "/account/drift-alerts") == (200, {"enabled": True, "threshold_bps": 50})
    assert p.call("PUT", "/account/drift-alerts", {"enabled": False, "threshold_bps": 75}, owner)[0] == 200
    assert _get(p, owner, "/account/drift-alerts") == (200, {"enabled": False, "threshold_bps": 75})
    assert _get(p, other, "/account/drift-alerts") == (200, {"enabled": True, "threshold_bps": 50})
    for bad in ({"enabled": True, "threshold_bps": 0}, {"enabled": True, "threshold_bps": 10_001},
                {"enabled": True}, {"enabled": True, "threshold_bps": "many"},
                {"enabled": True, "threshold_bps": 50, "user_id": "x"}, [], None):  # fmt: skip
        status, body = p.call("PUT", "/account/drift-alerts", bad, owner)
        assert 400 <= status < 500 and set(body["error"]) == {"code", "message", "details"}, (bad, body)
    assert _get(p, owner, "/account/drift-alerts") == (200, {"enabled": False, "threshold_bps": 75})
    assert _get(p, None, "/account/drift-alerts")[0] == 401  # type: ignore[arg-type]
