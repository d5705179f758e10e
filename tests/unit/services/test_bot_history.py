"""The configuration history the bots service records (services/bot_history.py), on the fakes: a version per
start and per edit of a running or paused bot, with the time it took effect and the bot's state then; an edit of a
stopped bot waits for its start; deleting the bot deletes its history."""

from __future__ import annotations

from decimal import Decimal

from chalicelib.domain.config_history import in_force
from tests.fakes.memory import MemoryPlatform
from tests.unit.services.conftest import MINUTE, NOW, bot_body


def test_starts_and_edits_while_running_are_versions_with_their_time_and_state(mem: MemoryPlatform) -> None:
    bots, history = mem.container.bots, mem.config_history
    bot = bots.create("u1", bot_body())
    bots.update("u1", bot.id, {"budget": "900"})  # stopped: recorded by the start that follows
    assert history.versions(bot.id, until_ms=NOW) == []
    mem.clock.advance(MINUTE)
    bots.change_status("u1", bot.id, "start")
    mem.container.ticks.run("u1", bot.id, NOW + 2 * MINUTE, "BTCUSDT", "1m")
    mem.clock.advance(2 * MINUTE + 20_000)
    bots.update("u1", bot.id, {"risk": {"take_profit_pct": 2.5}, "budget": "1200"})
    bots.change_status("u1", bot.id, "pause")
    mem.clock.advance(MINUTE)
    bots.update("u1", bot.id, {"name": "renamed"})
    start, edit, paused_edit = history.versions(bot.id, until_ms=NOW + DAY)
    assert (start.kind, start.at_ms, start.budget, start.engine, start.state_tick_at) == (
        "start", NOW + MINUTE, Decimal(900), {}, 0)  # fmt: skip
    _, state = bots.get("u1", bot.id)
    assert (edit.kind, edit.at_ms, edit.budget, edit.risk["take_profit_pct"]) == ("edit", NOW + 3 * MINUTE + 20_000,
                                                                                 Decimal(1200), 2.5)  # fmt: skip
    assert edit.state_tick_at == NOW + 2 * MINUTE and edit.engine == state.engine and edit.engine["lots"]
    assert paused_edit.at_ms == NOW + 4 * MINUTE + 20_000
    assert in_force([start, edit, paused_edit], NOW + 3 * MINUTE) == start
    assert in_force([start, edit, paused_edit], NOW + 4 * MINUTE) == edit


def test_deleting_the_bot_deletes_its_history(mem: MemoryPlatform) -> None:
    bots, history = mem.container.bots, mem.config_history
    bot, other = bots.create("u1", bot_body()), bots.create("u1", bot_body(name="other"))
    for b in (bot, other):
        bots.change_status("u1", b.id, "start")
        bots.change_status("u1", b.id, "stop")
    bots.delete("u1", bot.id)
    assert history.versions(bot.id, until_ms=NOW + DAY) == []
    assert len(history.versions(other.id, until_ms=NOW + DAY)) == 1


DAY = 86_400_000
