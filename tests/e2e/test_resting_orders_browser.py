"""The bot page shows a grid bot's resting orders on its chart (issue 14, item 7), in a real browser.

Starts the platform like tests/e2e/test_browser.py (same fixtures: a canned Binance and `python -m infra.local`
on an accelerated market clock) and runs the Playwright flow frontend/e2e/resting-orders.flow.mjs against it
(Node's test runner + playwright-core + Debian's chromium, as every browser test here): a paper grid bot on
limit orders is created and started, its open orders are listed and drawn on the candle chart as price lines
(screenshot `30-bot-page-open-orders-on-chart.png` under frontend/test-results/e2e/), they show as cards on a
390 px phone, and stopping the bot asks what becomes of them and cancels them.

The flow is kept out of `npm run e2e` (its glob is *.spec.mjs) so it runs once, here.
"""

from __future__ import annotations

import os

import pytest

from tests.e2e.canned_binance import CannedBinance
from tests.e2e.test_browser import ARTIFACTS, run_flow
from tests.e2e.test_browser import canned_binance as canned_binance  # noqa: F401 (a fixture of this module too)
from tests.e2e.test_browser import platform as platform  # noqa: F401 (a fixture of this module too)

FLOW = "e2e/resting-orders.flow.mjs"
TIMEOUT_S = int(os.environ.get("E2E_ORDERS_SUITE_TIMEOUT_S", "600"))
SCREENSHOT = ARTIFACTS / "30-bot-page-open-orders-on-chart.png"


def test_bot_page_shows_open_orders_on_the_chart(
    platform: str,  # noqa: F811 (the fixture imported above)
    canned_binance: CannedBinance,  # noqa: F811
    capfd: pytest.CaptureFixture[str],
) -> None:
    SCREENSHOT.unlink(missing_ok=True)
    with capfd.disabled():
        code, tail = run_flow(platform, FLOW, "e2e-orders", TIMEOUT_S)
    assert code == 0, f"{FLOW} failed ({code}):\n{tail}"
    assert SCREENSHOT.exists() and SCREENSHOT.stat().st_size > 0, f"no screenshot at {SCREENSHOT}"
