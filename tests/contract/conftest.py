"""The contract suite (the Chalice todo sample's pattern): one abstract test class per port states what every
implementation must do; each concrete class below it is that suite bound to one implementation, here the
in-memory fake of tests/fakes/ and the DynamoDB adapter on moto. A fake that drifts from the adapter fails
the same assertion the adapter passes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

# Each implementation is built by a factory that gets pytest's `request`, so a DynamoDB one can ask for the
# session's moto stack (the `aws` fixture) and an in-memory one asks for nothing.
Factory = Callable[[pytest.FixtureRequest], Any]


def memory_ports(_: pytest.FixtureRequest) -> dict[str, Any]:
    from tests.fakes.memory_bots import InMemoryBotRepository, InMemoryBotStateStore, InMemoryTradeRepository

    trades = InMemoryTradeRepository()
    return {"bots": InMemoryBotRepository(), "states": InMemoryBotStateStore(trades), "trades": trades}


def dynamo_ports(request: pytest.FixtureRequest) -> dict[str, Any]:
    request.getfixturevalue("aws")
    from chalicelib.adapters.dynamo.bots import DynamoBotRepository, DynamoBotStateStore, DynamoTradeRepository

    return {"bots": DynamoBotRepository(), "states": DynamoBotStateStore(), "trades": DynamoTradeRepository()}


@pytest.fixture(params=[memory_ports, dynamo_ports], ids=["memory", "dynamodb"])
def ports(request: pytest.FixtureRequest) -> dict[str, Any]:
    factory: Factory = request.param
    built: dict[str, Any] = factory(request)
    return built
