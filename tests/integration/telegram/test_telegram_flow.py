"""The Telegram flow against a local stand-in of the Bot API (tests/fakes/telegram_bot_api.py): linking with a
one-time deep link, alerts through the notification queue (flood control's retry_after honoured, a blocked
bot not retried), each command, the /stop confirmation, the refusal of an unlinked chat, and a webhook call
without the secret header refused."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from chalicelib import bootstrap, workers
from chalicelib.config import settings
from chalicelib.services.telegram import REFUSAL, webhook_secret
from tests.fakes.telegram_bot_api import TOKEN, FakeTelegramBotApi
from tests.integration.api.helpers import call
from tests.integration.bots.conftest import Platform, bot_body
from tests.integration.bots.conftest import platform as platform  # noqa: F401  (the moto platform fixture)

CHAT, STRANGER = 4242, 777


@pytest.fixture()
def tg(platform: Platform) -> Iterator[tuple[Platform, FakeTelegramBotApi]]:
    name = f"tradebot/test/telegram-{uuid.uuid4().hex[:8]}"
    boto3.client("secretsmanager", region_name="us-east-1").create_secret(Name=name, SecretString=TOKEN)
    with FakeTelegramBotApi() as fake:
        cfg = settings()
        extra = {
            **cfg.extra,
            "TRADEBOT_TELEGRAM_API_URL": fake.url,
            "TRADEBOT_TELEGRAM_TOKEN_SECRET": name,
            "TRADEBOT_TELEGRAM_BOT_NAME": "tradebot_test_bot",
            "TRADEBOT_TELEGRAM_MAX_WAIT_S": "2",
        }
        bootstrap.use(bootstrap.Container(cfg=dataclasses.replace(cfg, extra=extra), clock=platform.clock))
        yield platform, fake


def _hook(platform: Platform, update: dict[str, Any], secret: str | None = None) -> tuple[int, Any]:
    headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret is not None else {}
    status, data, _ = call(platform.api, "POST", "/telegram/webhook", update, headers=headers)
    return status, data


def _say(platform: Platform, fake: FakeTelegramBotApi, chat: int, text: str) -> str:
    assert _hook(platform, fake.message_update(chat, text), webhook_secret(TOKEN))[0] == 200
    return fake.texts(chat)[-1]


def _linked(platform: Platform, fake: FakeTelegramBotApi) -> str:
    token = platform.user()["access_token"]
    status, link = platform.call("POST", "/telegram/link", None, token)
    assert status == 201 and link["url"].startswith("https://t.me/tradebot_test_bot?start="), link
    code = link["url"].split("start=", 1)[1]
    assert "Linked" in _say(platform, fake, CHAT, f"/start {code}")
    assert platform.call("GET", "/telegram", None, token)[1]["linked"] is True
    return token


def test_webhook_without_the_secret_is_refused_and_does_nothing(tg: Any) -> None:
    platform, fake = tg
    for secret in (None, "", "wrong-secret"):
        status, err = _hook(platform, fake.message_update(CHAT, "/help"), secret)
        assert status == 401 and err["error"]["code"] == "telegram_secret"
    assert fake.state.sent == []


def test_an_unlinked_chat_gets_one_short_refusal_and_nothing_else(tg: Any) -> None:
    platform, fake = tg
    _linked(platform, fake)
    for text in ("/status", "/bots", "/stop x", "hello"):
        assert _say(platform, fake, STRANGER, text) == REFUSAL
    assert len(fake.texts(STRANGER)) == 4


def test_a_link_code_works_once_and_expires_after_ten_minutes(tg: Any) -> None:
    platform, fake = tg
    token = platform.user()["access_token"]
    first = platform.call("POST", "/telegram/link", None, token)[1]["url"].split("start=")[1]
    assert "Linked" in _say(platform, fake, CHAT, f"/start {first}")
    assert "not valid" in _say(platform, fake, 999, f"/start {first}")  # used
    late = platform.call("POST", "/telegram/link", None, token)[1]["url"].split("start=")[1]
    platform.clock.advance(601_000)
    assert "not valid" in _say(platform, fake, 998, f"/start {late}")
    assert platform.call("DELETE", "/telegram/link", None, token)[0] == 204
    assert _say(platform, fake, CHAT, "/status") == REFUSAL


def test_commands_from_the_linked_chat(tg: Any) -> None:
    platform, fake = tg
    token = _linked(platform, fake)
    status, bot = platform.call("POST", "/bots", bot_body(name="alpha"), token)
    assert status == 201
    assert platform.call("POST", f"/bots/{bot['id']}/start", None, token)[0] == 200
    assert "1 bot(s): 1 running" in _say(platform, fake, CHAT, "/status")
    assert "alpha" in _say(platform, fake, CHAT, "/bots")
    assert "over 30 day(s)" in _say(platform, fake, CHAT, "/profit 30")
    assert "per day" in _say(platform, fake, CHAT, "/daily")
    assert "paused" in _say(platform, fake, CHAT, "/pause alpha")
    assert platform.call("GET", f"/bots/{bot['id']}", None, token)[1]["status"] == "paused"
    assert "running again" in _say(platform, fake, CHAT, "/resume alpha")
    assert "/profit" in _say(platform, fake, CHAT, "/help")
    # /stop asks first; only the button stops the bot.
    assert "Stop alpha?" in _say(platform, fake, CHAT, "/stop alpha")
    assert fake.state.sent[-1].reply_markup["inline_keyboard"][0][0]["callback_data"] == f"stop:{bot['id']}"
    assert platform.call("GET", f"/bots/{bot['id']}", None, token)[1]["status"] == "running"
    assert _hook(platform, fake.callback_update(CHAT, f"stop:{bot['id']}"), webhook_secret(TOKEN))[0] == 200
    assert fake.state.answered[-1][1] == "Stopped."
    assert platform.call("GET", f"/bots/{bot['id']}", None, token)[1]["status"] == "stopped"


def test_another_chat_cannot_press_the_stop_button(tg: Any) -> None:
    platform, fake = tg
    token = _linked(platform, fake)
    bot = platform.call("POST", "/bots", bot_body(name="beta"), token)[1]
    assert platform.call("POST", f"/bots/{bot['id']}/start", None, token)[0] == 200
    assert _hook(platform, fake.callback_update(STRANGER, f"stop:{bot['id']}"), webhook_secret(TOKEN))[0] == 200
    assert platform.call("GET", f"/bots/{bot['id']}", None, token)[1]["status"] == "running"


def _alert(platform: Platform, user_token: str, kind: str = "bot_error") -> None:
    user_id = platform.call("GET", "/users/me", None, user_token)[1]["id"]
    from chalicelib.bootstrap.trading import notifier
    from chalicelib.services.ports.bots import BotEvent

    notifier(bootstrap.container()).publish([BotEvent(user_id, "b1", kind, f"{kind} happened", {})])  # type: ignore[attr-defined]


def test_alerts_go_through_the_queue_and_honour_retry_after(tg: Any) -> None:
    platform, fake = tg
    token = _linked(platform, fake)
    fake.flood(1)  # the first send is told to wait a second: the worker waits and sends once
    _alert(platform, token)
    platform.drain(platform.outputs["NotifyQueueUrl"], workers.send_notifications)
    assert fake.texts(CHAT).count("bot_error happened") == 1
    assert ("sendMessage", 429) in fake.state.refused
    feed = platform.call("GET", "/notifications", None, token)[1]["items"]
    assert [n["message"] for n in feed] == ["bot_error happened"]


def test_a_long_flood_wait_is_left_to_the_queue_and_a_retry_sends_once(tg: Any) -> None:
    platform, fake = tg
    token = _linked(platform, fake)
    fake.flood(30)  # over the 2 s the worker may wait: the message goes back to the queue
    _alert(platform, token)
    platform.drain(platform.outputs["NotifyQueueUrl"], workers.send_notifications)
    assert fake.texts(CHAT).count("bot_error happened") == 0
    fake.state.flood_until.clear()
    platform.drain(platform.outputs["NotifyQueueUrl"], workers.send_notifications)
    platform.drain(platform.outputs["NotifyQueueUrl"], workers.send_notifications)
    assert fake.texts(CHAT).count("bot_error happened") == 1


def test_channel_choice_per_event_and_a_blocked_bot(tg: Any) -> None:
    platform, fake = tg
    token = _linked(platform, fake)
    status, chosen = platform.call("PUT", "/telegram/channels", {"channels": {"trade_opened": ["in_app"]}}, token)
    assert status == 200 and chosen["channels"]["trade_opened"] == ["in_app"]
    assert platform.call("PUT", "/telegram/channels", {"channels": {"nope": ["in_app"]}}, token)[0] == 422
    assert platform.call("PUT", "/telegram/channels", {"channels": {"bot_error": ["sms"]}}, token)[0] == 422
    _alert(platform, token, "trade_opened")
    platform.drain(platform.outputs["NotifyQueueUrl"], workers.send_notifications)
    assert "trade_opened happened" not in fake.texts(CHAT)
    fake.state.blocked.add(CHAT)
    _alert(platform, token, "bot_error")
    platform.drain(platform.outputs["NotifyQueueUrl"], workers.send_notifications)
    assert ("sendMessage", 403) in fake.state.refused
    feed = [n["message"] for n in platform.call("GET", "/notifications", None, token)[1]["items"]]
    assert sorted(feed) == ["bot_error happened", "trade_opened happened"]
