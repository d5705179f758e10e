"""A tick that decides nothing and changes nothing but its time writes nothing (one read, no write); the state
is still written when anything a later tick decides on changed, and at least every HEARTBEAT_MS."""

from __future__ import annotations

from chalicelib.services.tick.service import HEARTBEAT_MS
from tests.fakes.memory import MemoryPlatform
from tests.fakes.memory_market import candles_from_closes
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


def _new_high(mem: MemoryPlatform, at: int) -> None:
    """A closed bar at `at` whose high is above every bar before it, well short of DCA's take-profit."""
    mem.market.add("BTCUSDT", "1m", candles_from_closes(at - MINUTE, "1m", ["50049", "50120"]))
    mem.clock.set(at + MINUTE)


def test_a_new_high_is_no_change_for_a_bot_without_a_trailing_stop(mem: MemoryPlatform) -> None:
    """The trailing peak moves only for the rule that reads it: without a trailing stop, a bar making a new
    high while the bot holds changes nothing a later tick decides on, so the tick writes nothing."""
    bot_id = _holding(mem)
    before = mem.states.get(bot_id)
    assert before is not None and before.engine["lots"]
    _new_high(mem, NOW + MINUTE)
    assert mem.container.ticks.run("u1", bot_id, NOW + 2 * MINUTE, "BTCUSDT", "1m").result == "no_trade"
    assert mem.states.get(bot_id) == before


def test_a_new_high_moves_the_peak_of_a_bot_with_a_trailing_stop(mem: MemoryPlatform) -> None:
    bot = mem.container.bots.create("u1", bot_body(risk={"trailing_stop_pct": 5}))
    mem.container.bots.change_status("u1", bot.id, "start")
    assert mem.container.ticks.run("u1", bot.id, NOW, "BTCUSDT", "1m").result == "done"
    before = mem.states.get(bot.id)
    assert before is not None and before.engine["lots"]
    _new_high(mem, NOW + MINUTE)
    assert mem.container.ticks.run("u1", bot.id, NOW + 2 * MINUTE, "BTCUSDT", "1m").result == "no_trade"
    after = mem.states.get(bot.id)
    assert after is not None and after.version == before.version + 1
    assert float(after.engine["peak_price"]) == 50_120 > float(before.engine["peak_price"])
