"""The ConfigHistory port's contract (services/ports/config_history.py), run against the in-memory fake and the
DynamoDB adapter on moto (see conftest.py)."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

import pytest

from chalicelib.domain.config_history import ConfigVersion, in_force, last_start

T0 = 1_700_000_000_000


def memory_history(_: pytest.FixtureRequest) -> Any:
    from tests.fakes.memory_history import InMemoryConfigHistory

    return InMemoryConfigHistory()


def dynamo_history(request: pytest.FixtureRequest) -> Any:
    request.getfixturevalue("aws")
    from chalicelib.adapters.dynamo.config_history import DynamoConfigHistory

    return DynamoConfigHistory()


@pytest.fixture(params=[memory_history, dynamo_history], ids=["memory", "dynamodb"])
def history(request: pytest.FixtureRequest) -> Any:
    return request.param(request)


def version(bot_id: str, at_ms: int, kind: str = "edit", **risk: Any) -> ConfigVersion:
    return ConfigVersion(
        bot_id=bot_id, at_ms=at_ms, kind=kind, strategy="sma_cross", params={"fast": 2, "slow": 5},
        risk={"stop_loss_pct": 2.5, **risk}, budget=Decimal("1000.50"), symbol="BTCUSDT", interval="1m",
        engine={"version": 1, "lots": {"main": {"quantity": "0.1", "cost": "2000.0", "fee": "2.0",
                                                "entry_time": T0}}, "peak_price": "20100.5"},
        state_tick_at=T0 - 60_000,
    )  # fmt: skip


def test_versions_read_back_oldest_first_up_to_a_time_exactly_as_written(history: Any) -> None:
    bot = uuid.uuid4().hex
    written = [version(bot, T0 + 120_000), version(bot, T0, "start"), version(bot, T0 + 60_000, take_profit_pct=3)]
    for v in written:
        history.record(v)
    assert history.versions(bot, until_ms=T0 + 120_000) == sorted(written, key=lambda v: v.at_ms)
    assert [v.at_ms for v in history.versions(bot, until_ms=T0 + 60_000)] == [T0, T0 + 60_000]
    assert history.versions(bot, until_ms=T0 - 1) == []
    assert history.versions(uuid.uuid4().hex, until_ms=T0 + 120_000) == []


def test_a_second_version_at_the_same_millisecond_replaces_the_first(history: Any) -> None:
    bot = uuid.uuid4().hex
    history.record(version(bot, T0, "start"))
    history.record(version(bot, T0, "edit", take_profit_pct=4))
    (only,) = history.versions(bot, until_ms=T0)
    assert only.kind == "edit" and only.risk["take_profit_pct"] == 4


def test_delete_for_removes_that_bots_history_only(history: Any) -> None:
    bot, other = uuid.uuid4().hex, uuid.uuid4().hex
    for at in range(T0, T0 + 30 * 60_000, 60_000):  # more than one BatchWriteItem of 25
        history.record(version(bot, at))
    history.record(version(other, T0))
    assert history.delete_for(bot) == 30
    assert history.versions(bot, until_ms=T0 + DAY) == []
    assert len(history.versions(other, until_ms=T0 + DAY)) == 1


DAY = 86_400_000


def test_in_force_and_last_start() -> None:
    vs = [version("b", T0, "start"), version("b", T0 + 60_000), version("b", T0 + 120_000, "start")]
    assert in_force(vs, T0 - 1) is None
    assert in_force(vs, T0) == vs[0] and in_force(vs, T0 + 119_999) == vs[1] and in_force(vs, T0 + DAY) == vs[2]
    assert last_start(vs, T0 + 119_999) == vs[0] and last_start(vs, T0 - 1) is None
