"""A bot's lifecycle through every route, validation at creation, and the dispatcher's index use."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import botocore.client
import pytest

from chalicelib import workers
from chalicelib.adapters.sqs_queue import SqsQueue
from chalicelib.domain.clock import floor_to, iso_utc
from chalicelib.domain.errors import Unavailable
from tests.integration.bots.conftest import bot_body


def test_create_list_get_update_pause_resume_stop_delete(platform):
    token = platform.user()["access_token"]
    status, bot = platform.call("POST", "/bots", bot_body(name="  my bot  "), token)
    assert status == 201
    assert bot["status"] == "stopped" and bot["name"] == "my bot" and bot["budget"] == "1000"
    assert bot["state"]["in_position"] is False and bot["state"]["last_tick_at"] is None
    bot_id = bot["id"]
    status, listed = platform.call("GET", "/bots", None, token)
    assert [b["id"] for b in listed["items"]] == [bot_id]
    status, got = platform.call("GET", f"/bots/{bot_id}", None, token)
    assert got["params"] == {"fast": 2, "slow": 5} and got["strategy"] == "sma_cross"

    status, edited = platform.call("PATCH", f"/bots/{bot_id}", {"params": {"fast": 3, "slow": 8}}, token)
    assert status == 200 and edited["params"] == {"fast": 3, "slow": 8}
    status, running = platform.call("POST", f"/bots/{bot_id}/start", None, token)
    assert running["status"] == "running"
    status, body = platform.call("PATCH", f"/bots/{bot_id}", {"params": {"fast": 4, "slow": 9}}, token)
    assert status == 409 and body["error"]["code"] == "bot_running"
    status, renamed = platform.call("PATCH", f"/bots/{bot_id}", {"name": "renamed", "budget": "1500"}, token)
    assert status == 200 and renamed["name"] == "renamed" and renamed["budget"] == "1500"
    status, body = platform.call("POST", f"/bots/{bot_id}/start", None, token)
    assert status == 409 and body["error"]["code"] == "invalid_transition"
    status, body = platform.call("DELETE", f"/bots/{bot_id}", None, token)
    assert status == 409 and body["error"]["code"] == "bot_not_stopped"

    status, paused = platform.call("POST", f"/bots/{bot_id}/pause", None, token)
    assert paused["status"] == "paused"
    status, resumed = platform.call("POST", f"/bots/{bot_id}/resume", None, token)
    assert resumed["status"] == "running"
    status, stopped = platform.call("POST", f"/bots/{bot_id}/stop", {"close_position": False}, token)
    assert stopped["status"] == "stopped"
    status, _ = platform.call("DELETE", f"/bots/{bot_id}", None, token)
    assert status == 204
    status, body = platform.call("GET", f"/bots/{bot_id}", None, token)
    assert status == 404 and body["error"]["code"] == "bot_not_found"


@pytest.mark.parametrize(
    ("overrides", "code", "field"),
    [
        ({"strategy": "nope"}, "invalid_input", "strategy"),
        ({"params": {"fast": 30, "slow": 10}}, "invalid_input", "fast"),
        ({"params": {"fast": "x"}}, "invalid_input", "fast"),
        ({"interval": "2m"}, "validation_error", "interval"),
        ({"budget": "0.5"}, "budget_below_min_notional", "budget"),
        ({"budget": "-3"}, "validation_error", "budget"),
        ({"symbol": "NOPEUSDT"}, "unknown_symbol", "symbol"),
        ({"mode": "live"}, "api_key_required", "api_key_id"),
        ({"mode": "live", "api_key_id": "missing"}, "api_key_not_found", "api_key_id"),
        ({"risk": {"stop_loss_pct": -1}}, "validation_error", "risk.stop_loss_pct"),
    ],
)
def test_creation_is_validated_against_schema_and_symbol_filters(platform, overrides, code, field):
    token = platform.user()["access_token"]
    status, body = platform.call("POST", "/bots", bot_body(**overrides), token)
    assert status == 422, body
    assert body["error"]["code"] == code
    assert any(field in d["field"] for d in body["error"]["details"]), body


def test_another_users_bot_is_404_on_every_route(platform):
    owner = platform.user()["access_token"]
    intruder = platform.user()["access_token"]
    status, bot = platform.call("POST", "/bots", bot_body(), owner)
    bot_id = bot["id"]
    for method, path, body in [
        ("GET", f"/bots/{bot_id}", None),
        ("PATCH", f"/bots/{bot_id}", {"name": "mine now"}),
        ("DELETE", f"/bots/{bot_id}", None),
        ("POST", f"/bots/{bot_id}/start", None),
        ("POST", f"/bots/{bot_id}/stop", {}),
        ("POST", f"/bots/{bot_id}/pause", None),
        ("POST", f"/bots/{bot_id}/resume", None),
        ("GET", f"/bots/{bot_id}/trades", None),
    ]:
        status, answer = platform.call(method, path, body, intruder)
        assert status == 404, (method, path, answer)
    status, mine = platform.call("GET", f"/bots/{bot_id}", None, owner)
    assert mine["name"] == bot["name"] and mine["status"] == "stopped"
    status, listed = platform.call("GET", "/bots", None, intruder)
    assert listed["items"] == []


def test_dispatcher_queries_the_index_never_scans_and_batches_messages(platform, monkeypatch):
    token = platform.user()["access_token"]
    ids = []
    for i in range(23):
        status, bot = platform.call("POST", "/bots", bot_body(name=f"b{i}"), token)
        platform.call("POST", f"/bots/{bot['id']}/start", None, token)
        ids.append(bot["id"])
    calls: Counter[str] = Counter()
    real = botocore.client.BaseClient._make_api_call

    def counting(self: Any, operation: str, params: dict[str, Any]) -> Any:
        calls[operation] += 1
        return real(self, operation, params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", counting)
    platform.clock.advance(60_000)
    report = workers.dispatch()
    assert calls["Scan"] == 0
    assert calls["Query"] == report["shards"]
    assert report["bots"] >= 23
    assert calls["SendMessageBatch"] == -(-report["bots"] // 10)  # ten messages a call, across shards
    got = []
    while True:
        batch = platform.sqs.receive_message(QueueUrl=platform.outputs["TickQueueUrl"], MaxNumberOfMessages=10)
        if not batch.get("Messages"):
            break
        for m in batch["Messages"]:
            got.append(json.loads(m["Body"]))
            platform.sqs.delete_message(QueueUrl=platform.outputs["TickQueueUrl"], ReceiptHandle=m["ReceiptHandle"])
    mine = [m for m in got if m["bot_id"] in ids]
    assert sorted(m["bot_id"] for m in mine) == sorted(ids)
    assert {m["tick_at"] for m in mine} == {report["tick_at"]}
    # The schedule firing twice for the same minute dispatches nothing again.
    again = workers.dispatch()
    assert again["bots"] == 0 and again["skipped_shards"] == again["shards"]


def test_stop_with_close_position_sells_at_market(platform):
    token = platform.user()["access_token"]
    status, bot = platform.call(
        "POST", "/bots", bot_body(strategy="dca", params={"base_order_quote": 200, "take_profit_pct": 90}), token
    )
    platform.call("POST", f"/bots/{bot['id']}/start", None, token)
    platform.minute(3)
    status, got = platform.call("GET", f"/bots/{bot['id']}", None, token)
    assert got["state"]["in_position"] is True
    status, stopped = platform.call("POST", f"/bots/{bot['id']}/stop", {"close_position": True}, token)
    assert status == 200 and stopped["status"] == "stopped"
    assert stopped["state"]["in_position"] is False
    status, trades = platform.call("GET", f"/bots/{bot['id']}/trades", None, token)
    sides = [t["side"] for t in trades["items"]]
    assert sides.count("SELL") == 1 and sides.count("BUY") >= 1
    assert trades["items"][0]["reason"] == "manual_close"
    assert trades["items"][0]["realised_pnl"] is not None


def test_a_retried_schedule_event_dispatches_the_minute_it_was_fired_for(platform, monkeypatch):
    token = platform.user()["access_token"]
    status, bot = platform.call("POST", "/bots", bot_body(name="retried"), token)
    platform.call("POST", f"/bots/{bot['id']}/start", None, token)
    platform.clock.advance(60_000)
    fired_for = floor_to(platform.clock.now_ms(), 60_000)

    # The first invocation fails while sending: its claims are given back, not left to block the retry.
    def unavailable(self: Any, bodies: Any) -> int:
        raise Unavailable("SQS is down", code="queue_unavailable")

    monkeypatch.setattr(SqsQueue, "send_batch", unavailable)
    with pytest.raises(Unavailable):
        workers.dispatch(scheduled_time=iso_utc(fired_for))
    monkeypatch.undo()

    # Lambda retries the event a minute or two later: the retry still sends the minute that failed.
    platform.clock.advance(2 * 60_000)
    report = workers.dispatch(scheduled_time=iso_utc(fired_for))
    assert report["tick_at"] == fired_for and report["skipped_shards"] == 0
    got = []
    while batch := platform.sqs.receive_message(QueueUrl=platform.outputs["TickQueueUrl"], MaxNumberOfMessages=10).get(
        "Messages"
    ):
        for m in batch:
            got.append(json.loads(m["Body"]))
            platform.sqs.delete_message(QueueUrl=platform.outputs["TickQueueUrl"], ReceiptHandle=m["ReceiptHandle"])
    assert {"bot_id": bot["id"], "tick_at": fired_for} in [
        {"bot_id": m["bot_id"], "tick_at": m["tick_at"]} for m in got
    ]


@pytest.mark.parametrize("offset_ms", [-16 * 60_000, 5 * 60_000, -200 * 24 * 3600_000])
def test_a_schedule_time_outside_the_retry_window_dispatches_the_current_minute(platform, offset_ms):
    platform.clock.advance(60_000)
    now = floor_to(platform.clock.now_ms(), 60_000)
    report = workers.dispatch(scheduled_time=iso_utc(now + offset_ms))
    assert report["tick_at"] == now
    report = workers.dispatch(scheduled_time="not a time")
    assert report["tick_at"] == now and report["bots"] == 0  # the same minute again: claimed, nothing resent
