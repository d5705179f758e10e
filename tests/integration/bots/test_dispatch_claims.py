"""GIVEN dispatch claims in the moto table WHEN their expiry has passed (DynamoDB deletes TTL'd items lazily,
moto never) THEN they no longer block: the claim is taken again and the minute is dispatched."""

from __future__ import annotations

import json
from typing import Any

import pytest

from chalicelib import workers
from chalicelib.adapters.dynamo.attempts import CounterModel
from chalicelib.adapters.dynamo.claims import DynamoClaims
from chalicelib.domain.clock import ManualClock, floor_to, iso_utc
from tests.integration.bots.conftest import Platform, bot_body

SHARDS = 16


def test_a_claim_holds_until_its_expiry_and_is_free_after_it(aws: dict[str, str]) -> None:
    clock = ManualClock(1_767_225_600_000)
    claims = DynamoClaims(clock)
    key = "dispatch#1m#07#test-expiry"
    assert claims.claim(key, ttl_s=3600)
    assert not claims.claim(key, ttl_s=3600)
    clock.advance(3600 * 1000)  # expires_at == now: still held
    assert not claims.claim(key, ttl_s=3600)
    clock.advance(1000)  # past its expiry: free, though the item is still in the table
    assert CounterModel.get(f"claim#{key}").expires_at == 1_767_225_600 + 3600
    assert claims.claim(key, ttl_s=3600)
    assert CounterModel.get(f"claim#{key}").expires_at == 1_767_225_600 + 3601 + 3600
    assert not claims.claim(key, ttl_s=3600)  # the new claim holds for its own hour


def _leave_claims(tick_at: int, expires_at_s: int) -> None:
    for shard in range(SHARDS):
        CounterModel(pk=f"claim#dispatch#1m#{shard:02d}#{tick_at}", count=1, expires_at=expires_at_s).save()


def _sent(platform: Platform) -> list[dict[str, Any]]:
    got = []
    url = platform.outputs["TickQueueUrl"]
    while batch := platform.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages"):
        for m in batch:
            got.append(json.loads(m["Body"]))
            platform.sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
    return got


def test_an_expired_dispatch_claim_no_longer_blocks_its_minute(platform: Platform) -> None:
    token = platform.user()["access_token"]
    _, bot = platform.call("POST", "/bots", bot_body(name="claimed before"), token)
    platform.call("POST", f"/bots/{bot['id']}/start", None, token)
    platform.clock.advance(60_000)
    minute = floor_to(platform.clock.now_ms(), 60_000)
    now_s = platform.clock.now_ms() // 1000

    # Claims for this minute whose hour is not over: the minute counts as dispatched, nothing is sent.
    _leave_claims(minute, expires_at_s=now_s + 60)
    report = workers.dispatch(scheduled_time=iso_utc(minute))
    assert report["skipped_shards"] == SHARDS and report["bots"] == 0
    assert _sent(platform) == []

    # The same claims once expired (still in the table, as TTL deletion lags): the minute is dispatched.
    _leave_claims(minute, expires_at_s=now_s - 1)
    report = workers.dispatch(scheduled_time=iso_utc(minute))
    assert report["skipped_shards"] == 0 and report["bots"] >= 1
    sent = [{"bot_id": m["bot_id"], "tick_at": m["tick_at"]} for m in _sent(platform)]
    assert {"bot_id": bot["id"], "tick_at": minute} in sent
    # ...and claimed afresh: a second firing of the schedule sends nothing twice.
    assert workers.dispatch(scheduled_time=iso_utc(minute))["skipped_shards"] == SHARDS


def test_the_local_runtime_explains_once_why_the_real_dispatcher_skipped_a_minute(
    platform: Platform, caplog: pytest.LogCaptureFixture
) -> None:
    """The scheduler of infra/local firing app.py's own dispatch_ticks handler: a minute an earlier run claimed
    is skipped by the dispatcher, and the runtime's log says so once, in words."""
    from app import app
    from infra.local.functions import ContextFactory
    from infra.local.scheduler import Scheduler, SkippedShardsNotice, schedule_sources

    platform.clock.set(floor_to(platform.clock.now_ms(), 60_000) + 30_000)
    nxt = floor_to(platform.clock.now_ms(), 60_000) + 60_000
    for minute in (nxt, nxt + 60_000):  # claimed by an earlier run, still holding
        _leave_claims(minute, expires_at_s=minute // 1000 + 3600)
    sources = [s for s in schedule_sources(app) if s.name == "dispatch_ticks"]
    scheduler = Scheduler(
        sources, platform.clock, ContextFactory("tradebot", "dev"), on_result=SkippedShardsNotice(".local")
    )
    with caplog.at_level("WARNING", logger="infra.local.scheduler"):
        platform.clock.advance(2 * 60_000)
        assert scheduler.fire_due() == 2
    said = [r.getMessage() for r in caplog.records if r.name == "infra.local.scheduler"]
    assert len(said) == 1, said
    assert said[0].startswith(f"minute {iso_utc(nxt)[:16].replace('T', ' ')} UTC already dispatched by an earlier run")
    assert f"skipped {SHARDS} of {SHARDS} schedule partitions" in said[0]


class Killed(BaseException):
    """The dispatcher's Lambda timing out or crashing: nothing in the run can catch it or give claims back."""


def test_a_dispatcher_killed_mid_dispatch_is_followed_after_its_lease_by_one_that_sends_the_rest(
    aws: dict[str, str],
) -> None:
    from chalicelib.services.dispatch import Dispatcher
    from tests.unit.test_dispatcher import Index, Queue

    class DyingQueue(Queue):
        def send_batch(self, bodies: Any) -> int:
            if len(self.batches) == 3:
                raise Killed()
            return super().send_batch(bodies)

    clock = ManualClock(1_767_225_600_000 + 7 * 86_400_000)  # a minute no other test claims
    tick = floor_to(clock.now_ms(), 60_000) + 60_000
    clock.set(tick + 2_000)
    index = Index({f"1m#{s:02d}": 12 for s in range(SHARDS)})  # 192 bots: 20 batches
    claims = DynamoClaims(clock)
    dying = DyingQueue()
    with pytest.raises(Killed):
        Dispatcher(index=index, queue=dying, claims=claims, shards=SHARDS, parallelism=1).dispatch(tick)
    sent_first = {b["bot_id"] for batch in dying.batches for b in batch}
    assert 0 < len(sent_first) < 192  # killed half-way, its claims left behind

    # A second delivery of the same minute within the lease sends nothing twice.
    clock.advance(30_000)
    again = Queue()
    report = Dispatcher(index=index, queue=again, claims=claims, shards=SHARDS).dispatch(tick)
    assert report.skipped_shards == SHARDS and again.batches == []

    # The schedule's retry of that minute after the lease: every partition is sent, the unsent ones included.
    clock.advance(61_000)
    retry = Queue()
    report = Dispatcher(index=index, queue=retry, claims=claims, shards=SHARDS).dispatch(tick)
    sent_retry = {b["bot_id"] for batch in retry.batches for b in batch}
    assert report.skipped_shards == 0 and len(sent_retry) == 192
    assert sent_first | sent_retry == sent_retry  # repeats are harmless: ticks are idempotent on (bot, tick_at)
