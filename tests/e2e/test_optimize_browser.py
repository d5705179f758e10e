"""The Optimize page (issue 19, item 5), in a real browser.

Runs on the session's platform (tests/e2e/conftest.py: a canned Binance and `python -m infra.local` on an
accelerated market clock, shared with tests/e2e/test_browser.py and the other flows; started once) and runs
the Playwright flow frontend/e2e/optimize.flow.mjs against it (Node's test runner + playwright-core + Debian's
chromium, as every browser test here): a 12-point sma_cross grid is started from the page, runs on the jobs
queue and worker, and once done shows the overfitting verdict, the top trials out of sample, the heatmap
(screenshot `41-optimize-result-heatmap.png` under frontend/test-results/e2e/) and the sortable trials; a bot
is made from the best trial; the page fits a 390 px phone.

The flow is kept out of `npm run e2e` (its glob is *.spec.mjs) so it runs once, here.
"""

from __future__ import annotations

import os

import pytest

from tests.e2e.canned_binance import CannedBinance
from tests.e2e.harness import ARTIFACTS, run_flow

FLOW = "e2e/optimize.flow.mjs"
TIMEOUT_S = int(os.environ.get("E2E_OPTIMIZE_SUITE_TIMEOUT_S", "600"))
SCREENSHOT = ARTIFACTS / "41-optimize-result-heatmap.png"


def test_optimize_page_runs_a_search_and_makes_a_bot(
    platform: str,
    canned_binance: CannedBinance,
    capfd: pytest.CaptureFixture[str],
) -> None:
    SCREENSHOT.unlink(missing_ok=True)
    with capfd.disabled():
        code, tail = run_flow(platform, FLOW, "e2e-optimize", TIMEOUT_S)
    assert code == 0, f"{FLOW} failed ({code}):\n{tail}"
    assert SCREENSHOT.exists() and SCREENSHOT.stat().st_size > 0, f"no screenshot at {SCREENSHOT}"
