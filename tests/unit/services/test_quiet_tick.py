"""A tick that decides nothing and changes nothing but its time writes nothing (one read, no write); the state
is still written when anything a later tick decides on changed, and at least every HEARTBEAT_MS."""

from __future__ import annotations

from chalicelib.services.tick.service import HEARTBEAT_MS
from tests.fakes.memory import MemoryPlatform
from tests.unit.services.conftest import MINUTE, NOW, bot_body


def _holding(mem: MemoryPlatform) -> str:
    """A DCA bot that bought at NOW and ticked once more on the same bars (its engine state settled)."""
    bot = mem.container.bots.create("u1", bot_body())
    mem.container.bots.change_status("u1", bot.id, "start")
    assert mem.container.ticks.run("u1", bot.id, NOW, "BTCUSDT", "1m").result == "done"
    assert mem.container.ticks.run("u1", bot.id, NOW + MINUTE, "BTCUSDT", "1m").result == "no_trade"
    return bot.id


def test_a_quiet_tick_writes_nothing_and_its_redelivery_decides_nothing_again(mem: MemoryPlatform) -> None:
    bot_id = _holding(mem)
    before = mem.states.get(bot_id)
    assert before is not None
    for _ in range(2):  # the tick, then a redelivery of it: not a duplicate by last_tick_at, quiet all the same
        assert mem.container.ticks.run("u1", bot_id, NOW + 2 * MINUTE, "BTCUSDT", "1m").result == "no_trade"
    assert mem.states.get(bot_id) == before
    assert len(mem.exchanges.accounts[bot_id].orders) == 1


def test_the_state_is_written_again_after_the_heartbeat(mem: MemoryPlatform) -> None:
    bot_id = _holding(mem)
    before = mem.states.get(bot_id)
    assert before is not None
    late = before.last_tick_at + HEARTBEAT_MS
    assert mem.container.ticks.run("u1", bot_id, late, "BTCUSDT", "1m").result == "no_trade"
    after = mem.states.get(bot_id)
    assert after is not None and after.version == before.version + 1 and after.last_tick_at == late


def test_a_quiet_tick_that_clears_a_failure_writes_it(mem: MemoryPlatform) -> None:
    bot_id = _holding(mem)
    assert mem.container.ticks.record_failure("u1", bot_id, "timeout") is False
    failed = mem.states.get(bot_id)
    assert failed is not None and failed.consecutive_failures == 1
    assert mem.container.ticks.run("u1", bot_id, NOW + 2 * MINUTE, "BTCUSDT", "1m").result == "no_trade"
    after = mem.states.get(bot_id)
    assert after is not None and after.version == failed.version + 1
    assert (after.consecutive_failures, after.last_error, after.last_tick_at) == (0, None, NOW + 2 * MINUTE)
