"""The bot lifecycle service (services/bots.py) on fakes: create, start (the paper account is seeded once and
the bot joins the schedule), pause, stop, delete, and the quotas it holds on the way."""

from __future__ import annotations

from decimal import Decimal

import pytest

from chalicelib.domain.bots import BotStatus
from chalicelib.domain.errors import Conflict, InvalidInput, QuotaExceeded
from chalicelib.services.bot_control import STOP_RETRY_WAITS_S, BotControl
from chalicelib.services.ports.bots import StateConflict
from tests.fakes.memory import MemoryPlatform, memory_platform
from tests.fakes.memory_market import candles_from_closes
from tests.unit.services.conftest import BARS, MINUTE, NOW, bot_body


def test_a_created_bot_is_stopped_with_a_fresh_state(mem: MemoryPlatform) -> None:
    bot = mem.container.bots.create("u1", bot_body())
    assert bot.status is BotStatus.STOPPED and bot.symbol == "BTCUSDT" and bot.budget == Decimal("1000")
    config, state = mem.container.bots.get("u1", bot.id)
    assert config == bot and state.version == 0 and state.last_tick_at == 0
    assert [c.id for c, _ in mem.container.bots.list_for("u1")] == [bot.id]
    assert mem.container.bots.list_for("u2") == []


def test_invalid_params_and_unknown_symbols_are_refused_before_anything_is_stored(mem: MemoryPlatform) -> None:
    with pytest.raises(InvalidInput):
        mem.container.bots.create("u1", bot_body(params={"base_order_quote": -1}))
    with pytest.raises(InvalidInput) as unknown:
        mem.container.bots.create("u1", bot_body(symbol="NOPEUSDT"))
    assert unknown.value.code == "unknown_symbol"
    assert mem.bots.list_for("u1") == []


def test_start_seeds_the_paper_account_and_joins_the_schedule(mem: MemoryPlatform) -> None:
    bots = mem.container.bots
    bot = bots.create("u1", bot_body())
    started = bots.change_status("u1", bot.id, "start")
    assert started.status is BotStatus.RUNNING
    account = mem.exchanges.accounts[bot.id]
    assert [(b.asset, b.free) for b in account.balances()] == [("USDT", Decimal("1000"))]
    due = [row for shard in range(mem.container.settings.schedule_shards) for row in mem.bots.due(f"1m#{shard:02d}")]
    assert due == [("u1", bot.id, "BTCUSDT")]

    paused = bots.change_status("u1", bot.id, "pause")
    assert paused.status is BotStatus.PAUSED
    assert all(mem.bots.due(f"1m#{s:02d}") == [] for s in range(mem.container.settings.schedule_shards))
    bots.change_status("u1", bot.id, "resume")
    bots.change_status("u1", bot.id, "stop")
    bots.change_status("u1", bot.id, "start")  # a second start does not seed the account again
    assert [(b.asset, b.free) for b in account.balances()] == [("USDT", Decimal("1000"))]


def test_a_running_bot_cannot_be_deleted_and_a_stopped_one_goes_whole(mem: MemoryPlatform) -> None:
    bots = mem.container.bots
    bot = bots.create("u1", bot_body())
    bots.change_status("u1", bot.id, "start")
    with pytest.raises(Conflict):
        bots.delete("u1", bot.id)
    with pytest.raises(Conflict):
        bots.change_status("u1", bot.id, "resume")  # only a paused bot resumes
    bots.change_status("u1", bot.id, "stop")
    bots.delete("u1", bot.id)
    assert mem.bots.get("u1", bot.id) is None and mem.states.get(bot.id) is None


def test_the_bots_quota_counts_creations_and_frees_on_delete() -> None:
    mem = memory_platform(NOW, TRADEBOT_QUOTA_BOTS="2")

    mem.market.add("BTCUSDT", "1m", candles_from_closes(NOW - BARS * MINUTE, "1m", [50_000] * BARS))
    bots = mem.container.bots
    first = bots.create("u1", bot_body())
    bots.create("u1", bot_body())
    with pytest.raises(QuotaExceeded):
        bots.create("u1", bot_body())
    bots.create("u2", bot_body())  # another user's quota is their own
    bots.delete("u1", first.id)
    bots.create("u1", bot_body())
    assert len(mem.bots.list_for("u1")) == 2


class _TickInFlight:
    """The tick service as the stop sees it: each cancel pass in turn loses the version race to a tick that was
    already running ("conflict"), or leaves that many orders whose cancel is not known yet (an int)."""

    def __init__(self, *passes: str | int) -> None:
        self.passes = list(passes)
        self.cancels = 0

    def cancel_resting(self, config: object) -> int:
        self.cancels += 1
        outcome = self.passes.pop(0) if self.passes else 0
        if outcome == "conflict":
            raise StateConflict("the running tick wrote first")
        return int(outcome)

    def close_position(self, config: object) -> None:
        raise AssertionError("nothing held")


def _stop(mem: MemoryPlatform, ticks: _TickInFlight, waits: list[float], **how: bool) -> str:
    bot = mem.container.bots.create("u1", bot_body())
    mem.container.bots.change_status("u1", bot.id, "start")
    BotControl(bots=mem.container.bots, ticks=ticks, sleep=waits.append).stop("u1", bot.id, **how)
    return bot.id


def test_a_stop_with_cancels_waits_out_a_tick_already_running(mem: MemoryPlatform) -> None:
    ticks, waits = _TickInFlight("conflict", "conflict"), []
    bot_id = _stop(mem, ticks, waits, close_position=True, cancel_orders=True)
    assert ticks.cancels == 3 and waits == list(STOP_RETRY_WAITS_S[:2])
    assert mem.bots.get("u1", bot_id).status is BotStatus.STOPPED


def test_a_stop_looks_again_at_cancels_not_known_yet(mem: MemoryPlatform) -> None:
    ticks, waits = _TickInFlight(2, "conflict", 1), []
    _stop(mem, ticks, waits, close_position=False, cancel_orders=True)
    assert ticks.cancels == 4 and waits == list(STOP_RETRY_WAITS_S)


@pytest.mark.parametrize(("outcome", "code"), [("conflict", "bot_busy"), (1, "orders_still_open")])
def test_a_stop_that_cannot_finish_its_cancels_answers_409_with_the_bot_stopped(
    mem: MemoryPlatform, outcome: str | int, code: str
) -> None:
    ticks, waits = _TickInFlight(*[outcome] * 9), []
    with pytest.raises(Conflict) as refused:
        _stop(mem, ticks, waits, close_position=True, cancel_orders=True)
    assert refused.value.code == code and waits == list(STOP_RETRY_WAITS_S)
    assert ticks.cancels == len(STOP_RETRY_WAITS_S) + 1
    assert [b.status for b in mem.bots.list_for("u1")] == [BotStatus.STOPPED]  # stopped all the same


def test_a_plain_stop_touches_no_order(mem: MemoryPlatform) -> None:
    ticks: _TickInFlight = _TickInFlight(*["conflict"] * 9)
    _stop(mem, ticks, [], close_position=False)
    assert ticks.cancels == 0
