"""The bot ports' contract: BotRepository, BotStateStore (with its trade transaction) and TradeRepository,
run against the in-memory fakes and against the DynamoDB adapters on moto (see conftest.py)."""

from __future__ import annotations

import dataclasses
import uuid
from decimal import Decimal
from typing import Any

import pytest

from chalicelib.domain.bots import BotConfig, BotState, BotStatus, Mode, PendingOrder
from chalicelib.domain.trades import Trade, TradeFilter
from chalicelib.services.ports.bots import StateConflict


def _id() -> str:
    return uuid.uuid4().hex


def config(user_id: str, **changes: Any) -> BotConfig:
    base = BotConfig(
        id=_id(),
        user_id=user_id,
        name="contract bot",
        strategy="sma_cross",
        params={"fast": 5, "slow": 20},
        symbol="BTCUSDT",
        interval="1m",
        mode=Mode.PAPER,
        budget=Decimal("1000"),
        risk={"stop_loss_pct": 2},
        api_key_id=None,
        status=BotStatus.STOPPED,
        created_at_ms=1_700_000_000_000,
        updated_at_ms=1_700_000_000_000,
    )
    return dataclasses.replace(base, **changes)


def trade(user_id: str, bot_id: str, at_ms: int, **changes: Any) -> Trade:
    base = Trade(
        id=_id()[:20],
        user_id=user_id,
        bot_id=bot_id,
        symbol="BTCUSDT",
        side="BUY",
        price=Decimal("50000.5"),
        quantity=Decimal("0.001"),
        quote_quantity=Decimal("50.0005"),
        fee=Decimal("0.000001"),
        fee_asset="BTC",
        realised_pnl=None,
        executed_at_ms=at_ms,
        mode="paper",
        reason="signal",
        exchange_order_id="1",
    )
    return dataclasses.replace(base, **changes)


def all_pages(repo: Any, user_id: str, flt: TradeFilter, limit: int) -> list[Trade]:
    found: list[Trade] = []
    cursor: str | None = None
    for _ in range(100):
        page, cursor = repo.query(user_id, flt, cursor, limit)
        assert len(page) <= limit
        found += page
        if cursor is None:
            return found
    raise AssertionError("the cursor never ended")


class BotRepositoryContract:
    """What every BotRepository does."""

    @pytest.fixture()
    def repo(self, ports: dict[str, Any]) -> Any:
        return ports["bots"]

    def test_a_created_config_reads_back_equal(self, repo: Any) -> None:
        c = config(_id(), api_key_id="k1", status_reason="why")
        repo.create(c)
        assert repo.get(c.user_id, c.id) == c
        assert repo.get(c.user_id, _id()) is None
        assert repo.get(_id(), c.id) is None  # another user's id finds nothing

    def test_create_refuses_an_existing_id(self, repo: Any) -> None:
        c = config(_id())
        repo.create(c)
        with pytest.raises(Exception):  # noqa: B017 - each adapter raises its own store's error
            repo.create(dataclasses.replace(c, name="again"))
        assert repo.get(c.user_id, c.id).name == "contract bot"

    def test_save_overwrites_and_refuses_a_missing_bot(self, repo: Any) -> None:
        c = config(_id())
        repo.create(c)
        repo.save(dataclasses.replace(c, name="renamed", budget=Decimal("12.5")), None)
        assert (repo.get(c.user_id, c.id).name, repo.get(c.user_id, c.id).budget) == ("renamed", Decimal("12.5"))
        with pytest.raises(Exception):  # noqa: B017
            repo.save(config(c.user_id), None)

    def test_list_for_holds_the_users_bots_only(self, repo: Any) -> None:
        user, other = _id(), _id()
        mine = [config(user) for _ in range(3)]
        for c in [*mine, config(other)]:
            repo.create(c)
        assert sorted(c.id for c in repo.list_for(user)) == sorted(c.id for c in mine)

    def test_due_lists_only_bots_saved_with_that_shard(self, repo: Any) -> None:
        user, shard = _id(), f"1m#{_id()[:6]}"
        running, stopped, elsewhere = config(user), config(user), config(user, symbol="ETHUSDT")
        for c in (running, stopped, elsewhere):
            repo.create(c)
        repo.save(dataclasses.replace(running, status=BotStatus.RUNNING), shard)
        repo.save(dataclasses.replace(elsewhere, status=BotStatus.RUNNING), shard + "x")
        assert repo.due(shard) == [(user, running.id, "BTCUSDT")]
        repo.save(dataclasses.replace(running, status=BotStatus.STOPPED), None)  # None leaves the index
        assert repo.due(shard) == []

    def test_uses_key_counts_bots_that_are_not_stopped(self, repo: Any) -> None:
        user = _id()
        c = config(user, api_key_id="key-1")
        repo.create(c)
        assert not repo.uses_key(user, "key-1")
        repo.save(dataclasses.replace(c, status=BotStatus.PAUSED), None)
        assert repo.uses_key(user, "key-1") and not repo.uses_key(user, "key-2")

    def test_delete_is_idempotent(self, repo: Any) -> None:
        c = config(_id())
        repo.create(c)
        repo.delete(c.user_id, c.id)
        repo.delete(c.user_id, c.id)
        assert repo.get(c.user_id, c.id) is None


class BotStateStoreContract:
    """What every BotStateStore does, the conditional writes and the trade transaction included."""

    @pytest.fixture()
    def store(self, ports: dict[str, Any]) -> Any:
        return ports["states"]

    def test_a_state_reads_back_equal(self, store: Any) -> None:
        state = BotState(
            bot_id=_id(),
            engine={"lots": [["0.5", "100"]]},
            last_tick_at=60_000,
            pending_tick_at=120_000,
            pending=(PendingOrder("c1", "entry", "BUY", "signal", quote_amount="100", quantity=None),),
            consecutive_failures=2,
            last_error="exchange_timeout",
        )
        store.put(state, expected_version=None)
        assert store.get(state.bot_id) == state
        assert store.get(_id()) is None

    def test_writes_are_conditional_on_the_version(self, store: Any) -> None:
        bot_id = _id()
        store.put(BotState(bot_id=bot_id), expected_version=None)
        with pytest.raises(StateConflict):
            store.put(BotState(bot_id=bot_id), expected_version=None)  # must not exist yet
        store.put(BotState(bot_id=bot_id, version=1, last_tick_at=1), expected_version=0)
        with pytest.raises(StateConflict):
            store.put(BotState(bot_id=bot_id, version=2, last_tick_at=2), expected_version=0)  # moved to 1
        assert store.get(bot_id).last_tick_at == 1
        with pytest.raises(StateConflict):
            store.put(BotState(bot_id=_id(), version=1), expected_version=0)  # nothing to be at version 0

    def test_get_many_returns_what_exists(self, store: Any) -> None:
        a, b = _id(), _id()
        store.put(BotState(bot_id=a), None)
        store.put(BotState(bot_id=b, last_tick_at=5), None)
        got = store.get_many([a, b, a, _id()])
        assert set(got) == {a, b} and got[b].last_tick_at == 5
        assert store.get_many([]) == {}

    def test_a_state_and_its_trades_commit_together(self, ports: dict[str, Any], store: Any) -> None:
        user, bot_id = _id(), _id()
        store.put(BotState(bot_id=bot_id), None)
        first = trade(user, bot_id, 1_700_000_060_000)
        store.put_with_trades(BotState(bot_id=bot_id, version=1, last_tick_at=60_000), 0, [first])
        assert store.get(bot_id).last_tick_at == 60_000
        assert all_pages(ports["trades"], user, TradeFilter(), 10) == [first]

    def test_a_conflict_writes_neither_the_state_nor_the_trades(self, ports: dict[str, Any], store: Any) -> None:
        user, bot_id = _id(), _id()
        store.put(BotState(bot_id=bot_id), None)
        with pytest.raises(StateConflict):
            store.put_with_trades(BotState(bot_id=bot_id, version=6), 5, [trade(user, bot_id, 1_700_000_000_000)])
        assert store.get(bot_id).version == 0
        assert all_pages(ports["trades"], user, TradeFilter(), 10) == []

    def test_a_trade_already_recorded_cancels_the_whole_write(self, ports: dict[str, Any], store: Any) -> None:
        user, bot_id = _id(), _id()
        store.put(BotState(bot_id=bot_id), None)
        once = trade(user, bot_id, 1_700_000_000_000)
        store.put_with_trades(BotState(bot_id=bot_id, version=1), 0, [once])
        with pytest.raises(StateConflict):
            store.put_with_trades(BotState(bot_id=bot_id, version=2), 1, [once])
        assert store.get(bot_id).version == 1
        assert len(all_pages(ports["trades"], user, TradeFilter(), 10)) == 1

    def test_delete_is_idempotent(self, store: Any) -> None:
        bot_id = _id()
        store.put(BotState(bot_id=bot_id), None)
        store.delete(bot_id)
        store.delete(bot_id)
        assert store.get(bot_id) is None


class TradeRepositoryContract:
    """What every TradeRepository answers: newest first, filtered, paged to the end by its cursor."""

    @pytest.fixture()
    def booked(self, ports: dict[str, Any]) -> tuple[str, str, str, list[Trade]]:
        user, bot_a, bot_b = _id(), _id(), _id()
        states = ports["states"]
        t0 = 1_700_000_000_000
        made = [
            trade(user, bot_a if i % 2 else bot_b, t0 + i * 60_000, side="SELL" if i % 3 == 0 else "BUY")
            for i in range(7)
        ]
        for bot_id in (bot_a, bot_b):
            states.put(BotState(bot_id=bot_id), None)
            mine = [t for t in made if t.bot_id == bot_id]
            states.put_with_trades(BotState(bot_id=bot_id, version=1), 0, mine)
        other = _id()
        states.put(BotState(bot_id=other), None)
        states.put_with_trades(BotState(bot_id=other, version=1), 0, [trade(_id(), other, t0)])
        return user, bot_a, bot_b, made

    def test_a_users_trades_come_newest_first_across_pages(self, ports: dict[str, Any], booked: Any) -> None:
        user, _, _, made = booked
        newest_first = sorted(made, key=lambda t: t.executed_at_ms, reverse=True)
        assert all_pages(ports["trades"], user, TradeFilter(), 3) == newest_first
        assert all_pages(ports["trades"], user, TradeFilter(), 100) == newest_first

    def test_filters_by_bot_side_and_time(self, ports: dict[str, Any], booked: Any) -> None:
        user, bot_a, _, made = booked
        repo = ports["trades"]
        by_bot = all_pages(repo, user, TradeFilter(bot_id=bot_a), 2)
        assert {t.id for t in by_bot} == {t.id for t in made if t.bot_id == bot_a}
        sells = all_pages(repo, user, TradeFilter(side="SELL"), 2)
        assert {t.id for t in sells} == {t.id for t in made if t.side == "SELL"}
        start, end = made[2].executed_at_ms, made[4].executed_at_ms
        window = all_pages(repo, user, TradeFilter(start_ms=start, end_ms=end), 10)
        assert [t.id for t in window] == [made[4].id, made[3].id, made[2].id]

    def test_another_users_bot_id_finds_nothing(self, ports: dict[str, Any], booked: Any) -> None:
        _, bot_a, _, _ = booked
        assert all_pages(ports["trades"], _id(), TradeFilter(bot_id=bot_a), 10) == []


class TestBotRepository(BotRepositoryContract):
    pass


class TestBotStateStore(BotStateStoreContract):
    pass


class TestTradeRepository(TradeRepositoryContract):
    pass
