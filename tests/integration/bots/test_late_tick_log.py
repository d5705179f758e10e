"""The ticks worker measures each tick from its moment (the minute the dispatcher sent it for) to its end: a tick
delivered a minute or more late says so at WARNING with its bot and moment, one on time does not."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.integration.bots.conftest import Platform, bot_body
from tests.sqs_events import sqs_event

ARN = "arn:aws:sqs:us-east-1:123456789012:tradebot-test-ticks"


def _deliver(platform: Platform, user_id: str, bot_id: str, tick_at: int) -> None:
    from chalicelib import workers

    body = json.dumps({"user_id": user_id, "bot_id": bot_id, "tick_at": tick_at})
    message = {"MessageId": f"msg-{tick_at}", "ReceiptHandle": "r", "Body": body, "MD5OfBody": "x"}
    assert workers.run_ticks(sqs_event([message], ARN)) == {"batchItemFailures": []}


def test_a_tick_run_a_minute_after_its_moment_is_logged_as_late(
    platform: Platform, monkeypatch: pytest.MonkeyPatch
) -> None:
    from chalicelib import tick_reporting

    user = platform.user()
    token = user["access_token"]
    status, bot = platform.call("POST", "/bots", bot_body(), token)
    assert status == 201, bot
    assert platform.call("POST", f"/bots/{bot['id']}/start", None, token)[0] == 200
    warnings: list[tuple[str, dict[str, Any]]] = []
    monkeypatch.setattr(tick_reporting.logger, "warning", lambda message, extra: warnings.append((message, extra)))
    minute = platform.clock.now_ms() // 60_000 * 60_000
    platform.clock.advance(5_000)
    _deliver(platform, user["id"], bot["id"], minute)
    assert warnings == []
    platform.clock.advance(120_000)  # the next minute's tick arrives 65 s after its moment
    _deliver(platform, user["id"], bot["id"], minute + 60_000)
    [(message, extra)] = warnings
    assert message == "tick ran late" and extra["bot_id"] == bot["id"] and extra["tick_at"] == minute + 60_000
    assert extra["delay_ms"] >= 60_000
