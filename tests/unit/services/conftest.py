"""Service unit tests on the in-memory fakes: the production wiring (`chalicelib.bootstrap.bootstrap`) with
every main port faked, no moto. The market holds two days of 1m BTCUSDT and ETHUSDT candles up to NOW."""

from __future__ import annotations

from typing import Any

import pytest

from tests.fakes.memory import MemoryPlatform, memory_platform
from tests.fakes.memory_market import candles_from_closes

NOW = 1_764_547_200_000  # 2025-12-01T00:00:00Z, a minute boundary
MINUTE = 60_000
BARS = 2 * 24 * 60


@pytest.fixture(autouse=True)
def no_aws(monkeypatch: pytest.MonkeyPatch) -> None:
    """Proof that these tests run on the fakes alone: any AWS API call fails the test."""
    import botocore.client

    def refuse(self: Any, operation: str, params: Any) -> Any:
        raise AssertionError(f"an AWS call in a fakes-only test: {operation}")

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", refuse)


@pytest.fixture()
def mem() -> MemoryPlatform:
    p = memory_platform(NOW)
    start = NOW - BARS * MINUTE
    p.market.add("BTCUSDT", "1m", candles_from_closes(start, "1m", [50_000 + (i % 50) for i in range(BARS)]))
    p.market.add("ETHUSDT", "1m", candles_from_closes(start, "1m", [3_000 + (i % 7) for i in range(BARS)]))
    return p


def bot_body(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "dca bot",
        "strategy": "dca",
        "params": {"base_order_quote": 20, "safety_order_quote": 20, "max_safety_orders": 2},
        "symbol": "BTCUSDT",
        "interval": "1m",
        "mode": "paper",
        "budget": "1000",
        "risk": {},
    }
    return {**body, **changes}
