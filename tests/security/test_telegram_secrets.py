"""The secrets suite for Telegram and the key audit trail: with every logger at DEBUG, a flow through every new
route (link, the webhook with and without its secret header, commands, the /stop button, channel choices,
alerts through the queue including Telegram refusing with 429, 403 and a wrong token, the key audit trail)
never puts the platform's bot token, the webhook secret or a link code in a log line, and no answer carries
the token or the webhook secret (a link code appears only in the answer that issues it)."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest

from chalicelib import bootstrap, workers
from chalicelib.bootstrap.trading import notifier
from chalicelib.domain.clock import iso_utc
from chalicelib.services.ports.bots import BotEvent
from chalicelib.services.telegram import webhook_secret
from tests.fakes.telegram_bot_api import TOKEN, FakeTelegramBotApi
from tests.integration.bots.conftest import Platform, bot_body
from tests.integration.telegram.test_telegram_flow import CHAT, STRANGER
from tests.integration.telegram.test_telegram_flow import tg as tg  # noqa: F401  (the Telegram fixture)
from tests.security.test_secrets import THIRD_PARTY_WIRE_LOGGERS, Recorder, _forms


def _flow(rec: Recorder, platform: Platform, fake: FakeTelegramBotApi) -> str:
    secret = webhook_secret(TOKEN)
    token = platform.user()["access_token"]
    status, link = rec("POST", "/telegram/link", None, token)
    code = link["url"].split("start=")[1]
    rec.responses[-1] = (rec.responses[-1][0], rec.responses[-1][1], {code})
    hook = {"X-Telegram-Bot-Api-Secret-Token": secret}
    rec("POST", "/telegram/webhook", fake.message_update(CHAT, f"/start {code}"), None, hook)
    rec(
        "POST",
        "/telegram/webhook",
        fake.message_update(CHAT, "/status"),
        None,
        {"X-Telegram-Bot-Api-Secret-Token": "x"},
    )
    bot = rec("POST", "/bots", bot_body(name="gamma"), token)[1]
    rec("POST", f"/bots/{bot['id']}/start", None, token)
    for text in ("/status", "/bots", "/profit 3", "/daily", "/pause gamma", "/resume gamma", "/stop gamma", "/x"):
        rec("POST", "/telegram/webhook", fake.message_update(CHAT, text), None, hook)
    rec("POST", "/telegram/webhook", fake.message_update(STRANGER, "/bots"), None, hook)
    rec("POST", "/telegram/webhook", fake.callback_update(CHAT, f"stop:{bot['id']}"), None, hook)
    rec("PUT", "/telegram/channels", {"channels": {"trade_opened": ["telegram"]}}, token)
    # The daily summary: set for this minute, sent to Telegram by the minute's schedule.
    summary_at = iso_utc(platform.clock.now_ms() + 60_000)[11:16]
    rec("PUT", "/telegram/daily-summary", {"daily_summary_time": summary_at}, token)
    rec("PUT", "/telegram/daily-summary", {"daily_summary_time": "25:00"}, token)
    platform.minute(1)
    assert any(t.startswith("Daily summary") for t in fake.texts(CHAT))
    rec("PUT", "/telegram/daily-summary", {"daily_summary_time": None}, token)
    rec("GET", "/telegram", None, token)
    user_id = rec("GET", "/users/me", None, token)[1]["id"]
    fake.flood(1)
    events = [
        BotEvent(user_id, bot["id"], "bot_error", "one", {}),
        BotEvent(user_id, bot["id"], "trade_opened", "two", {}),
    ]
    notifier(bootstrap.container()).publish(events)  # type: ignore[attr-defined]
    platform.drain(platform.outputs["NotifyQueueUrl"], workers.send_notifications)
    fake.state.blocked.add(CHAT)
    notifier(bootstrap.container()).publish([BotEvent(user_id, bot["id"], "bot_error", "three", {})])  # type: ignore[attr-defined]
    platform.drain(platform.outputs["NotifyQueueUrl"], workers.send_notifications)
    fake.token = "another-token"  # Telegram answers 401 to the platform's token
    notifier(bootstrap.container()).publish([BotEvent(user_id, bot["id"], "bot_error", "four", {})])  # type: ignore[attr-defined]
    platform.drain(platform.outputs["NotifyQueueUrl"], workers.send_notifications)
    rec("DELETE", "/telegram/link", None, token)
    return code


def test_no_telegram_secret_in_logs_or_responses(
    tg: Any, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    platform, fake = tg
    from chalicelib.observability import logger as app_logger

    caplog.set_level(logging.DEBUG)
    logging.getLogger().setLevel(logging.DEBUG)
    for name in THIRD_PARTY_WIRE_LOGGERS:
        logging.getLogger(name).setLevel(logging.INFO)
    app_logger.setLevel("DEBUG")
    rec = Recorder(platform)
    try:
        code = _flow(rec, platform, fake)
    finally:
        app_logger.setLevel("WARNING")
        logging.getLogger().setLevel(logging.WARNING)
    assert ("sendMessage", 429) in fake.state.refused and ("sendMessage", 403) in fake.state.refused
    secrets = {"bot_token": TOKEN, "webhook_secret": webhook_secret(TOKEN), "link_code": code}
    captured = capsys.readouterr()
    records = [r.getMessage() + " " + json.dumps(r.__dict__, default=str) for r in caplog.records]
    logs = "\n".join([captured.out, captured.err, *records])
    assert len(logs) > 1000, "nothing was logged: the scan would prove nothing"
    found = [name for name, value in secrets.items() for form in _forms(value) if form in logs]
    assert not found, f"secrets in the logs: {found}"
    for label, text, issued in rec.responses:
        leaked = [name for name, value in secrets.items() if value not in issued and value in text]
        assert not leaked, f"{label} leaked {leaked}"
