"""The daily summary at the time a user picked (issue 16 item 2), against the local Bot API stand-in: set from
the settings route, sent by the minute's schedule once the time has passed, once a day whatever the schedule
redelivers, to the channels chosen for the `daily_summary` event, and not at all once switched off."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from chalicelib import workers
from chalicelib.domain.daily_summary import DAY_MS
from tests.fakes.telegram_bot_api import TOKEN, FakeTelegramBotApi
from tests.integration.bots.conftest import Platform, bot_body
from tests.integration.bots.conftest import platform as platform  # noqa: F401  (the moto platform fixture)
from tests.integration.telegram.test_telegram_flow import _say, tg  # noqa: F401  (the fixture)

CHAT = 5151


def _link(platform: Platform, fake: FakeTelegramBotApi, chat: int) -> dict[str, Any]:
    user = platform.user()
    code = platform.call("POST", "/telegram/link", None, user["access_token"])[1]["url"].split("start=", 1)[1]
    assert "Linked" in _say(platform, fake, chat, f"/start {code}")
    return user


def _sign_in(platform: Platform, user: dict[str, Any]) -> str:
    """A fresh access token: the clock has moved past the first one's lifetime."""
    status, tokens = platform.call("POST", "/auth/login", {"email": user["email"], "password": user["password"]})
    assert status == 200, tokens
    return str(tokens["access_token"])


def _summaries(fake: FakeTelegramBotApi, chat: int) -> list[str]:
    return [t for t in fake.texts(chat) if t.startswith("Daily summary")]


def _redeliver(platform: Platform) -> None:
    """EventBridge invoking the same minute again (a retry): the minute's work runs a second time."""
    workers.dispatch(scheduled_time=_iso(platform.clock.now_ms()))
    platform.drain(platform.outputs["NotifyQueueUrl"], workers.send_notifications)


def _iso(ms: int) -> str:
    from chalicelib.domain.clock import iso_utc

    return iso_utc(ms)


def test_the_summary_comes_once_at_the_chosen_time_to_the_chosen_channels(tg: Any) -> None:  # noqa: F811
    platform, fake = tg
    user = _link(platform, fake, CHAT)
    token = user["access_token"]
    assert platform.clock.now_ms() % DAY_MS == 0  # each test starts at 00:00 UTC of its own day
    bot = platform.call("POST", "/bots", bot_body(name="gamma"), token)[1]
    assert platform.call("POST", f"/bots/{bot['id']}/start", None, token)[0] == 200
    for bad in ("24:00", "7:30", "07:60", "noon", ""):
        status, answer = platform.call("PUT", "/telegram/daily-summary", {"daily_summary_time": bad}, token)
        assert status == 422 and answer["error"]["details"][0]["field"] == "daily_summary_time", (bad, answer)
    status, chosen = platform.call("PUT", "/telegram/daily-summary", {"daily_summary_time": "00:03"}, token)
    assert status == 200 and chosen["daily_summary_time"] == "00:03"
    assert chosen["channels"]["daily_summary"] == ["in_app", "webhook", "telegram"]
    assert platform.call("GET", "/telegram", None, token)[1]["daily_summary_time"] == "00:03"

    platform.minute(2)  # 00:02: not yet
    assert _summaries(fake, CHAT) == []
    platform.minute(1)  # 00:03
    (text,) = _summaries(fake, CHAT)
    trades = platform.call("GET", "/trades", None, token)[1]["items"]  # all of them today, the bot started at 00:00
    realised = sum(Decimal(t["realised_pnl"] or "0") for t in trades)
    assert (
        "Bots: 1 running" in text
        and f"Realised today: {realised.normalize():f} USDT over {len(trades)} trade(s)" in text
    )
    state = platform.call("GET", f"/bots/{bot['id']}", None, token)[1]["state"]
    if state["in_position"]:
        assert f"• gamma BTCUSDT: {Decimal(state['quantity']).normalize():f}" in text
    else:
        assert "No open positions." in text
    _redeliver(platform)
    platform.minute(3)
    assert len(_summaries(fake, CHAT)) == 1  # once a day, whatever the schedule does
    feed = platform.call("GET", "/notifications", None, token)[1]["items"]
    assert [n["kind"] for n in feed if n["kind"] == "daily_summary"] == ["daily_summary"]

    # A later time the same day does not send a second one; the next day it comes at the new time, in-app only.
    assert platform.call("PUT", "/telegram/daily-summary", {"daily_summary_time": "05:00"}, token)[0] == 200
    body = {"channels": {"daily_summary": ["in_app"]}}
    assert platform.call("PUT", "/telegram/channels", body, token)[0] == 200
    platform.clock.set(platform.clock.now_ms() - platform.clock.now_ms() % DAY_MS + 5 * 3_600_000 - 60_000)
    platform.minute(1)  # 05:00 today: already summarised today
    assert len(_summaries(fake, CHAT)) == 1
    platform.clock.advance(DAY_MS - 60_000)
    platform.minute(1)  # 05:00 the next day
    assert len(_summaries(fake, CHAT)) == 1  # not to Telegram: in-app only now
    token = _sign_in(platform, user)
    feed = platform.call("GET", "/notifications", None, token)[1]["items"]
    assert [n["kind"] for n in feed].count("daily_summary") == 2

    assert platform.call("PUT", "/telegram/daily-summary", {"daily_summary_time": None}, token)[0] == 200
    platform.clock.advance(DAY_MS - 60_000)
    platform.minute(1)  # 05:00 the day after: switched off
    feed = platform.call("GET", "/notifications", None, _sign_in(platform, user))[1]["items"]
    assert [n["kind"] for n in feed].count("daily_summary") == 2
    assert TOKEN not in str(feed)
