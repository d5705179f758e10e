"""Fixtures of the browser tests: ONE canned Binance and ONE platform for this package, shared by every browser
test in turn (tests/e2e/harness.py says why that is safe and what is waited for between two flows), and stopped
after the last of them: it ticks bots on an accelerated clock, and left running for the rest of a one-process
run it would slow every later test. Under pytest-xdist, tests/conftest.py's scheduler gives this whole
directory to one worker, so the tests here run one after another against that one platform."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.e2e.canned_binance import CannedBinance
from tests.e2e.harness import RunningPlatform, start_platform, wait_idle


@pytest.fixture(scope="package")
def canned_binance() -> Iterator[CannedBinance]:
    with CannedBinance() as server:
        yield server


@pytest.fixture(scope="package")
def shared_platform(
    tmp_path_factory: pytest.TempPathFactory, canned_binance: CannedBinance
) -> Iterator[RunningPlatform]:
    with start_platform(tmp_path_factory.mktemp("e2e-platform") / "state", canned_binance.url) as running:
        yield running


@pytest.fixture()
def platform(shared_platform: RunningPlatform) -> str:
    """The shared platform's URL, once the previous flow's jobs are done (and the platform is still up)."""
    wait_idle(shared_platform)
    return shared_platform.url
