"""The ticks worker measures each tick from its moment (the minute the dispatcher sent it for) to its end: a tick
that placed an order a minute or more late says so at WARNING with its bot and moment; one on time does not, nor
does a late tick that changed nothing (a redelivery)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.integration.bots.conftest import Platform, bot_body
from tests.sqs_events import sqs_event

ARN = "arn:aws:sqs:us-east-1:123456789012:tradebot-test-ticks"
DCA = {"base_order_quote": 100, "safety_order_quote": 100, "price_deviation_pct": 1, "take_profit_pct": 1}


def _deliver(user_id: str, bot_id: str, tick_at: int) -> None:
    from chalicelib import workers

    body = json.dumps({"user_id": user_id, "bot_id": bot_id, "tick_at": tick_at})
    message = {"MessageId": f"msg-{bot_id}-{tick_at}", "ReceiptHandle": "r", "Body": body, "MD5OfBody": "x"}
    assert workers.run_ticks(sqs_event([message], ARN)) == {"batchItemFailures": []}


def _dca(platform: Platform, token: str) -> str:
    status, bot = platform.call("POST", "/bots", bot_body(strategy="dca", params=DCA), token)
    assert status == 201, bot
    assert platform.call("POST", f"/bots/{bot['id']}/start", None, token)[0] == 200
    return str(bot["id"])


def test_a_tick_that_traded_a_minute_after_its_moment_is_logged_as_late(
    platform: Platform, monkeypatch: pytest.MonkeyPatch
) -> None:
    from chalicelib import tick_reporting

    user = platform.user()
    on_time, late = _dca(platform, user["access_token"]), _dca(platform, user["access_token"])
    warnings: list[tuple[str, dict[str, Any]]] = []
    monkeypatch.setattr(tick_reporting.logger, "warning", lambda message, extra: warnings.append((message, extra)))
    minute = platform.clock.now_ms() // 60_000 * 60_000 + 60_000
    platform.clock.advance(minute + 5_000 - platform.clock.now_ms())
    _deliver(user["id"], on_time, minute)  # buys its base order 5 s after its minute
    status, page = platform.call("GET", f"/bots/{on_time}/trades", None, user["access_token"])
    assert status == 200 and [t["side"] for t in page["items"]] == ["BUY"] and warnings == []
    platform.clock.advance(60_000)
    _deliver(user["id"], late, minute)  # buys its base order 65 s after its minute
    _deliver(user["id"], on_time, minute)  # a redelivery, 65 s late: it decides nothing again
    [(message, extra)] = warnings
    assert message == "tick ran late" and extra["bot_id"] == late and extra["tick_at"] == minute
    assert extra["delay_ms"] >= 65_000 and extra["result"] != "duplicate"
