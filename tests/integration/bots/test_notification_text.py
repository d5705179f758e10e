"""Issue 20: every notification about a bot names it and links its page, whoever produced it: a fill's
(booked with the bot's name) and a tick's error (which knows only the bot's id: the delivery adds the name);
a fill's numbers are the trade row's at the symbol's precision."""

from __future__ import annotations

from decimal import Decimal

from chalicelib import bootstrap, workers
from chalicelib.bootstrap.trading import notifier
from chalicelib.domain.display import Precision
from chalicelib.services.ports.bots import BotEvent
from tests.integration.bots.conftest import Platform
from tests.integration.bots.test_trades_and_notifications import trading_bot


def _feed(platform: Platform, token: str) -> list[dict]:
    platform.drain(platform.outputs["NotifyQueueUrl"], workers.send_notifications)
    return platform.call("GET", "/notifications", None, token)[1]["items"]


def test_a_fill_and_an_error_name_and_link_the_bot(platform: Platform) -> None:
    user = platform.user()
    token = user["access_token"]
    bot_id = trading_bot(platform, token, name="Dip buyer")
    platform.clock.advance(60_000)
    workers.dispatch()
    platform.drain(platform.outputs["TickQueueUrl"], workers.run_ticks)
    (trade,) = platform.call("GET", "/trades", None, token)[1]["items"]
    (note,) = _feed(platform, token)
    p = Precision.of(bootstrap.container().symbol_catalog.symbol_rules("BTCUSDT"))
    qty, price = p.qty_text(Decimal(trade["quantity"])), p.price_text(Decimal(trade["price"]))
    expected = f"Bought {qty} BTC on BTCUSDT at {price} for "
    assert note["message"].startswith(f"Dip buyer: {expected}"), note["message"]
    assert note["message"].endswith(f"(/bots/{bot_id})") and bot_id + ":" not in note["message"]
    assert note["data"]["bot_name"] == "Dip buyer" and note["data"]["bot_path"] == f"/bots/{bot_id}"

    user_id = platform.call("GET", "/users/me", None, token)[1]["id"]
    notifier(bootstrap.container()).publish([BotEvent(user_id, bot_id, "bot_error", "3 ticks in a row failed", {})])  # type: ignore[attr-defined]
    (error,) = [n for n in _feed(platform, token) if n["kind"] == "bot_error"]
    assert error["message"] == f"Dip buyer: 3 ticks in a row failed (/bots/{bot_id})"
    assert error["data"] == {"bot_name": "Dip buyer", "bot_path": f"/bots/{bot_id}"}
