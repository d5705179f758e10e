"""The bot page shows a grid bot's resting orders on its chart (issue 14, item 7), in a real browser.

Runs on the session's platform (tests/e2e/conftest.py: a canned Binance and `python -m infra.local` on an
accelerated market clock, shared with tests/e2e/test_browser.py and the other flows; started once) and runs
the Playwright flow frontend/e2e/resting-orders.flow.mjs against it (Node's test runner + playwright-core +
Debian's chromium, as every browser test here): a paper grid bot on limit orders is created and started, its
open orders are listed and drawn on the candle chart as price lines (screenshot `30-bot-page-open-orders-on-
chart.png` under frontend/test-results/e2e/), they show as cards on a 390 px phone, and stopping the bot asks
what becomes of them and cancels them.

The flow is kept out of `npm run e2e` (its glob is *.spec.mjs) so it runs once, here.
"""

from __future__ import annotations

import os

import pytest

from tests.e2e.canned_binance import CannedBinance
from tests.e2e.harness import ARTIFACTS, run_flow

FLOW = "e2e/resting-orders.flow.mjs"
TIMEOUT_S = int(os.environ.get("E2E_ORDERS_SUITE_TIMEOUT_S", "600"))
SCREENSHOT = ARTIFACTS / "30-bot-page-open-orders-on-chart.png"


def test_bot_page_shows_open_orders_on_the_chart(
    platform: str,
    canned_binance: CannedBinance,
    capfd: pytest.CaptureFixture[str],
) -> None:
    SCREENSHOT.unlink(missing_ok=True)
    with capfd.disabled():
        code, tail = run_flow(platform, FLOW, "e2e-orders", TIMEOUT_S)
    assert code == 0, f"{FLOW} failed ({code}):\n{tail}"
    assert SCREENSHOT.exists() and SCREENSHOT.stat().st_size > 0, f"no screenshot at {SCREENSHOT}"
