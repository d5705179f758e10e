"""Drift reports through the cache and the jobs queue (services/drift_jobs.py) on the in-memory fakes: a long
period answers Pending and queues one job however many GETs ask; the job stores the same body the inline path
serves, once; a cached report reads no candle; a lost job is queued again; an expired record is not served."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from chalicelib.bootstrap.drift import render
from chalicelib.domain.errors import InvalidInput, NotFound, Unavailable
from chalicelib.domain.trades import Trade
from chalicelib.services.drift_jobs import DONE_TTL_S, STALE_MS, DriftJobs, Pending
from chalicelib.services.messages import DriftJobMessage
from chalicelib.services.ports.drift_reports import ReportKey
from tests.fakes.memory import MemoryPlatform
from tests.fakes.memory_market import candles_from_closes
from tests.unit.services.conftest import MINUTE, NOW

DAY = 86_400_000
SMA = {"name": "sma", "strategy": "sma_cross", "params": {"fast": 2, "slow": 5}, "symbol": "BTCUSDT",
       "interval": "1m", "mode": "paper", "budget": "1000", "risk": {}}  # fmt: skip


@pytest.fixture()
def long_market(mem: MemoryPlatform) -> MemoryPlatform:
    """Six days of 1m candles up to NOW (the conftest's two, and four more before)."""
    start = NOW - 6 * DAY
    bars = 6 * 1440
    mem.market.add("BTCUSDT", "1m", candles_from_closes(start, "1m", [50_000 + (i * 7) % 300 for i in range(bars)]))
    return mem


def _bot(mem: MemoryPlatform, user: str = "u1") -> str:
    bot = mem.container.bots.create(user, SMA)
    mem.container.bots.change_status(user, bot.id, "start")
    return bot.id


def _jobs(mem: MemoryPlatform) -> DriftJobs:
    return mem.container.drift_jobs


def _run_queued(mem: MemoryPlatform) -> list[str]:
    return [_jobs(mem).run_job(DriftJobMessage.parse(_dumps(m))) for m in mem.jobs_queue.drain()]


def _dumps(body: dict[str, Any]) -> str:
    import json

    return json.dumps(body)


def test_a_long_period_is_queued_once_and_answered_with_the_inline_body(long_market: MemoryPlatform) -> None:
    mem = long_market
    bot_id = _bot(mem)
    frm, to = NOW - 5 * DAY, NOW - 60 * MINUTE
    first = _jobs(mem).get("u1", bot_id, frm, to)
    again = _jobs(mem).get("u1", bot_id, frm, to)  # a second GET before the job ran: still one job
    assert isinstance(first, Pending) and isinstance(again, Pending) and first.report_id == again.report_id
    assert first.body() == {"status": "pending", "report_id": first.report_id, "retry_after_ms": 3000}
    assert len(mem.jobs_queue.messages) == 1
    assert _run_queued(mem) == ["done"]
    answer = _jobs(mem).get("u1", bot_id, frm, to)
    expected = render(*mem.container.drift.with_limit(10**6).report("u1", bot_id, frm, to))
    assert answer == expected and answer["summary"]["live_pnl"] == "0"
    assert mem.jobs_queue.messages == []


def test_a_redelivered_job_computes_and_stores_nothing_again(long_market: MemoryPlatform) -> None:
    mem = long_market
    bot_id = _bot(mem)
    _jobs(mem).get("u1", bot_id, NOW - 5 * DAY, None)
    (message,) = mem.jobs_queue.drain()
    parsed = DriftJobMessage.parse(_dumps(message))
    assert _jobs(mem).run_job(parsed) == "done"
    writes, calls = mem.drift_reports.writes, mem.market.calls
    assert _jobs(mem).run_job(parsed) == "skipped"
    assert (mem.drift_reports.writes, mem.market.calls) == (writes, calls)


def test_an_open_ended_request_reuses_a_recent_job(long_market: MemoryPlatform) -> None:
    mem = long_market
    bot_id = _bot(mem)
    first = _jobs(mem).get("u1", bot_id, NOW - 5 * DAY, None)
    mem.clock.advance(3 * MINUTE)  # "until now" moved three bars: the same job still answers
    assert _jobs(mem).get("u1", bot_id, NOW - 5 * DAY, None) == first
    _run_queued(mem)
    assert "summary" in _jobs(mem).get("u1", bot_id, NOW - 5 * DAY, None)  # type: ignore[operator]
    mem.clock.advance(20 * MINUTE)  # too old for "now": a new job
    assert isinstance(_jobs(mem).get("u1", bot_id, NOW - 5 * DAY, None), Pending)
    assert len(mem.jobs_queue.messages) == 1


def test_a_lost_job_is_queued_again_by_the_next_get(long_market: MemoryPlatform) -> None:
    mem = long_market
    bot_id = _bot(mem)
    frm, to = NOW - 5 * DAY, NOW - DAY
    _jobs(mem).get("u1", bot_id, frm, to)
    mem.jobs_queue.drain()  # the message is lost (its DLQ kept it)
    mem.clock.advance(STALE_MS - MINUTE)
    assert isinstance(_jobs(mem).get("u1", bot_id, frm, to), Pending) and mem.jobs_queue.messages == []
    mem.clock.advance(2 * MINUTE)
    assert isinstance(_jobs(mem).get("u1", bot_id, frm, to), Pending) and len(mem.jobs_queue.messages) == 1
    assert _run_queued(mem) == ["done"]


def test_a_queue_failure_gives_the_claim_back(long_market: MemoryPlatform, monkeypatch: pytest.MonkeyPatch) -> None:
    mem = long_market
    bot_id = _bot(mem)

    def down(body: dict[str, Any]) -> None:
        raise ConnectionError("queue down")

    monkeypatch.setattr(mem.jobs_queue, "send", down)
    with pytest.raises(Unavailable):
        _jobs(mem).get("u1", bot_id, NOW - 5 * DAY, NOW - DAY)
    assert mem.drift_reports.records == {}
    monkeypatch.undo()
    assert isinstance(_jobs(mem).get("u1", bot_id, NOW - 5 * DAY, NOW - DAY), Pending)


def test_a_job_failing_on_the_users_period_answers_its_422(long_market: MemoryPlatform) -> None:
    mem = long_market
    bot_id = _bot(mem)
    frm, to = NOW - 5 * DAY, NOW - DAY
    # A buy inside the period that today's (flat) state does not hold: the bot held a position at `from`.
    buy = Trade(id="x1", user_id="u1", bot_id=bot_id, symbol="BTCUSDT", side="BUY", price=Decimal(50_000),
                quantity=Decimal("0.01"), quote_quantity=Decimal(500), fee=Decimal("0.5"), fee_asset="USDT",
                realised_pnl=None, executed_at_ms=NOW - 2 * DAY, mode="paper", reason="signal",
                exchange_order_id="1", net_quantity=Decimal("0.01"))  # fmt: skip
    mem.trades.add_all([buy])
    assert isinstance(_jobs(mem).get("u1", bot_id, frm, to), Pending)
    assert _run_queued(mem) == ["failed"]
    with pytest.raises(InvalidInput) as stored:
        _jobs(mem).get("u1", bot_id, frm, to)
    with pytest.raises(InvalidInput) as inline:
        mem.container.drift.with_limit(10**6).report("u1", bot_id, frm, to)
    assert (stored.value.code, stored.value.message) == (inline.value.code, inline.value.message)


def test_past_the_async_limit_is_a_422_and_another_users_bot_a_404(long_market: MemoryPlatform) -> None:
    mem = long_market
    bot_id = _bot(mem)
    with pytest.raises(InvalidInput) as too_long:
        _jobs(mem).get("u1", bot_id, NOW - 91 * DAY, NOW)
    assert too_long.value.code == "period_too_long" and "90 days" in too_long.value.message
    with pytest.raises(NotFound):
        _jobs(mem).get("u2", bot_id, NOW - 5 * DAY, NOW)
    assert mem.jobs_queue.messages == [] and mem.drift_reports.records == {}


def test_a_past_inline_report_is_cached_and_a_hit_reads_no_candle(mem: MemoryPlatform) -> None:
    bot_id = _bot(mem)
    frm, to = NOW - DAY, NOW - 2 * MINUTE
    first = _jobs(mem).get("u1", bot_id, frm, to)
    calls = mem.market.calls
    assert calls > 0 and len(mem.drift_reports.records) == 1
    assert _jobs(mem).get("u1", bot_id, frm, to) == first
    assert mem.market.calls == calls  # the hit read one item, no candle
    _jobs(mem).get("u1", bot_id, frm, None)  # up to now: not past, computed and not stored
    assert mem.market.calls > calls and len(mem.drift_reports.records) == 1


def test_an_edit_or_an_expired_record_is_a_miss(mem: MemoryPlatform) -> None:
    bot_id = _bot(mem)
    frm, to = NOW - DAY, NOW - 2 * MINUTE
    _jobs(mem).get("u1", bot_id, frm, to)
    calls = mem.market.calls
    mem.clock.advance(DONE_TTL_S * 1000 + 1000)  # past its TTL, but DynamoDB may still return it
    (record,) = mem.drift_reports.records.values()
    assert mem.drift_reports.get("u1", record.key) is not None
    _jobs(mem).get("u1", bot_id, frm, to)
    assert mem.market.calls > calls
    calls = mem.market.calls
    mem.container.bots.change_status("u1", bot_id, "pause")  # moves updated_at_ms: a new config version
    _jobs(mem).get("u1", bot_id, frm, to)
    assert mem.market.calls > calls
    edited = mem.container.bots.get("u1", bot_id)[0].updated_at_ms
    assert edited != record.key.version
    assert {k.version for _, k in mem.drift_reports.records} == {record.key.version, edited}


def test_a_job_whose_bot_was_edited_stores_config_changed(long_market: MemoryPlatform) -> None:
    mem = long_market
    bot_id = _bot(mem)
    _jobs(mem).get("u1", bot_id, NOW - 5 * DAY, NOW - DAY)
    mem.clock.advance(MINUTE)
    mem.container.bots.change_status("u1", bot_id, "pause")
    assert _run_queued(mem) == ["failed"]
    key = next(iter(mem.drift_reports.records))[1]
    record = mem.drift_reports.get("u1", ReportKey(bot_id, key.version, key.from_ms, key.to_ms))
    assert record is not None and record.error is not None and record.error["code"] == "config_changed"
