from collections.abc import Iterator

import pytest

from tests.integration.bots.conftest import platform  # noqa: F401  (the moto platform fixture, shared)
from tests.reliability.resting_harness import Harness


@pytest.fixture(params=["memory", "binance", "paper"])
def h(monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> Iterator[Harness]:
    """A bot with resting orders on each venue of tests/reliability/resting_venues.py."""
    if request.param == "paper":
        request.getfixturevalue("aws")  # the paper exchange's table, on the session's moto stack
    harness = Harness(monkeypatch, venue=request.param)
    yield harness
    harness.close()
