"""The browser end-to-end suite (issue 6): the real platform (`python -m infra.local` on an empty embedded AWS
and an accelerated market clock) driven by the Playwright specs in frontend/e2e/ through Debian's chromium.

The platform and a canned Binance (tests/e2e/canned_binance.py, answering the API-key check) are the
session's (tests/e2e/conftest.py, tests/e2e/harness.py): a canned Binance on a free 127.0.0.1 port and the
platform as a subprocess with free ports, LOCAL_PERSIST=false and its state in a tmp dir, always stopped at
the end of the session. This test runs `npm run e2e` in frontend/ against it and streams its output. The specs
save a screenshot of each main screen under frontend/test-results/e2e/ (git-ignored) and scan each with
axe-core; the platform's whole output is kept there too (platform.log).

Needs /usr/bin/chromium (CHROMIUM_PATH) and frontend/node_modules, which `make test` installs; without them
the test fails. Builds the SPA first when frontend/dist is missing or older than its sources. Takes about
1.5 minutes.
"""

from __future__ import annotations

import os

import pytest

from tests.e2e.canned_binance import ACCEPTED_KEY, ACCEPTED_SECRET, WITHDRAWALS_KEY, CannedBinance
from tests.e2e.harness import ARTIFACTS, run_flow, run_node

__all__ = ["ARTIFACTS", "run_flow"]  # the flows outside `npm run e2e` used to import these from here

SUITE_TIMEOUT_S = int(os.environ.get("E2E_SUITE_TIMEOUT_S", "900"))


def test_browser_flows(platform: str, canned_binance: CannedBinance, capfd: pytest.CaptureFixture[str]) -> None:
    # Stream the suite's progress to the terminal as it runs (it takes a minute or two), not only on failure.
    with capfd.disabled():
        _run_suite(platform, canned_binance)


def _run_suite(platform: str, canned_binance: CannedBinance) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for old in ARTIFACTS.glob("*.png"):  # the artifacts are this run's screens only
        old.unlink()
    env = {
        "E2E_BASE_URL": platform,
        "E2E_API_KEY": ACCEPTED_KEY,
        "E2E_API_SECRET": ACCEPTED_SECRET,
        "E2E_WITHDRAWALS_KEY": WITHDRAWALS_KEY,
        "E2E_TRADE_TIMEOUT_MS": os.environ.get("E2E_TRADE_TIMEOUT_MS", "150000"),
    }
    code, tail = run_node(["npm", "run", "e2e", "--silent"], "e2e", SUITE_TIMEOUT_S, env)
    if code == -1:
        pytest.fail(f"npm run e2e took longer than {SUITE_TIMEOUT_S}s:\n{tail}")
    assert code == 0, f"npm run e2e failed ({code}):\n{tail}"
    # The key flow really went through the canned exchange, with the withdrawal check of a mainnet key.
    paths = {path for _method, path, _key in canned_binance.calls}
    assert {"/api/v3/account", "/sapi/v1/account/apiRestrictions"} <= paths, canned_binance.calls
