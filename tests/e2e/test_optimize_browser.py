"""The Optimize page (issue 19, item 5), in a real browser.

Starts the platform like tests/e2e/test_browser.py (same fixtures: a canned Binance and `python -m infra.local`
on an accelerated market clock) and runs the Playwright flow frontend/e2e/optimize.flow.mjs against it (Node's
test runner + playwright-core + Debian's chromium, as every browser test here): a 12-point sma_cross grid is
started from the page, runs on the jobs queue and worker, and once done shows the overfitting verdict, the top
trials out of sample, the heatmap (screenshot `41-optimize-result-heatmap.png` under frontend/test-results/e2e/)
and the sortable trials; a bot is made from the best trial; the page fits a 390 px phone.

The flow is kept out of `npm run e2e` (its glob is *.spec.mjs) so it runs once, here.
"""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time

import pytest

from tests.e2e.canned_binance import CannedBinance
from tests.e2e.test_browser import ARTIFACTS, CHROMIUM, FRONTEND, _log, _pump
from tests.e2e.test_browser import canned_binance as canned_binance  # noqa: F401 (a fixture of this module too)
from tests.e2e.test_browser import platform as platform  # noqa: F401 (a fixture of this module too)

FLOW = "e2e/optimize.flow.mjs"
TIMEOUT_S = int(os.environ.get("E2E_OPTIMIZE_SUITE_TIMEOUT_S", "600"))
SCREENSHOT = ARTIFACTS / "41-optimize-result-heatmap.png"


def test_optimize_page_runs_a_search_and_makes_a_bot(
    platform: str,  # noqa: F811 (the fixture imported above)
    canned_binance: CannedBinance,  # noqa: F811
    capfd: pytest.CaptureFixture[str],
) -> None:
    SCREENSHOT.unlink(missing_ok=True)
    with capfd.disabled():
        code, tail = _run_flow(platform)
    assert code == 0, f"{FLOW} failed ({code}):\n{tail}"
    assert SCREENSHOT.exists() and SCREENSHOT.stat().st_size > 0, f"no screenshot at {SCREENSHOT}"


def _run_flow(url: str) -> tuple[int, str]:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    env.update(E2E_BASE_URL=url, E2E_ARTIFACTS=str(ARTIFACTS), CHROMIUM_PATH=CHROMIUM, NO_COLOR="1")
    started = time.monotonic()
    proc = subprocess.Popen(
        ["node", "--test", "--test-concurrency=1", FLOW],
        cwd=FRONTEND,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        bufsize=1,
        start_new_session=True,
    )
    lines: list[str] = []
    pump = threading.Thread(target=_pump, args=(proc.stdout, "[e2e-optimize] ", lines), daemon=True)
    pump.start()
    try:
        code = proc.wait(timeout=TIMEOUT_S)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
        code = -1
    pump.join(timeout=5)
    _log(f"[e2e-optimize] finished in {time.monotonic() - started:.0f}s with exit code {code}")
    return code, "".join(lines[-80:])
