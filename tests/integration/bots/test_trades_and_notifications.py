"""Trades (filters, cursor pages, CSV), the dashboard, shared candles, the notification feed and webhooks."""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest

from chalicelib import bootstrap, workers
from tests.integration.api.helpers import call
from tests.integration.bots.conftest import Platform, bot_body
from tests.webhook_receivers import allow_loopback_webhooks

DCA = {"strategy": "dca", "params": {"base_order_quote": 100, "take_profit_pct": 0.05, "price_deviation_pct": 0.5}}


def trading_bot(platform: Platform, token: str, **overrides: Any) -> str:
    status, bot = platform.call("POST", "/bots", bot_body(**{**DCA, **overrides}), token)
    assert status == 201, bot
    platform.call("POST", f"/bots/{bot['id']}/start", None, token)
    return str(bot["id"])


def relogin(platform: Platform, user: dict[str, Any]) -> str:
    """Access tokens live 15 minutes of the platform's clock, which the tests move forward."""
    status, tokens = platform.call("POST", "/auth/login", {"email": user["email"], "password": user["password"]})
    assert status == 200
    return str(tokens["access_token"])


def test_trades_filters_pages_csv_and_dashboard(platform):
    user = platform.user()
    token = user["access_token"]
    btc = trading_bot(platform, token)
    eth = trading_bot(platform, token, symbol="ETHUSDT")
    platform.minute(40)
    token = relogin(platform, user)
    status, page = platform.call("GET", "/trades?limit=500", None, token)
    assert status == 200
    trades = page["items"]
    assert {t["bot_id"] for t in trades} == {btc, eth}
    assert [t["executed_at"] for t in trades] == sorted((t["executed_at"] for t in trades), reverse=True)
    assert any(t["side"] == "SELL" and t["realised_pnl"] is not None for t in trades), [
        (t["side"], t["price"], t["reason"]) for t in trades
    ]
    # filters
    status, only_eth = platform.call("GET", "/trades?symbol=ETHUSDT&limit=500", None, token)
    assert only_eth["items"] and all(t["symbol"] == "ETHUSDT" for t in only_eth["items"])
    seller = next(t["bot_id"] for t in trades if t["side"] == "SELL")
    status, sells = platform.call("GET", f"/trades?bot_id={seller}&side=SELL&limit=500", None, token)
    assert sells["items"] and all(t["side"] == "SELL" and t["bot_id"] == seller for t in sells["items"])
    assert len(sells["items"]) == sum(1 for t in trades if t["side"] == "SELL" and t["bot_id"] == seller)
    cut = trades[len(trades) // 2]["executed_at"]
    status, later = platform.call("GET", f"/trades?start={cut}&limit=500", None, token)
    assert later["items"] and all(t["executed_at"] >= cut for t in later["items"])
    # cursor pages cover everything exactly once
    seen, cursor = [], None
    while True:
        path = "/trades?limit=3" + (f"&cursor={cursor}" if cursor else "")
        status, page = platform.call("GET", path, None, token)
        seen += [t["id"] for t in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert sorted(seen) == sorted(t["id"] for t in trades) and len(seen) == len(set(seen))
    status, body = platform.call("GET", "/trades?cursor=garbage", None, token)
    assert status == 422
    # CSV export
    response = platform.api.get("/api/v1/trades/export.csv", headers={"authorization": f"Bearer {token}"})
    assert response.status_code == 200 and response.headers["Content-Type"] == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.body.decode())))
    assert len(rows) == len(trades) and {r["id"] for r in rows} == {t["id"] for t in trades}
    # per-bot PnL and fees, and the dashboard
    status, bot = platform.call("GET", f"/bots/{btc}", None, token)
    assert bot["state"]["fees_paid"] != "0" and bot["state"]["trades_count"] >= 2
    status, dash = platform.call("GET", "/dashboard", None, token)
    assert status == 200
    assert dash["bots_by_status"]["running"] == 2
    assert float(dash["equity_by_mode"]["paper"]) > 0
    assert dash["latest_trades"] and dash["equity_curve"]
    realised = sum(float(t["realised_pnl"]) for t in trades if t["realised_pnl"] is not None)
    assert float(dash["pnl"]["all_time"]) == pytest.approx(realised, abs=1e-6)


def test_one_klines_fetch_per_symbol_and_tick_for_many_bots(platform, monkeypatch):
    token = platform.user()["access_token"]
    for _ in range(6):
        trading_bot(platform, token, strategy="sma_cross", params={"fast": 3, "slow": 7})
    market = bootstrap.container().market
    real = market.closed_candles
    fetched: list[tuple[str, int | None]] = []

    def counting(symbol: str, interval: str, *, limit: int = 500, end_ms: int | None = None) -> Any:
        if limit > 1:  # limit=1 is the paper exchange reading the price it fills at, not a tick's klines
            fetched.append((symbol, end_ms))
        return real(symbol, interval, limit=limit, end_ms=end_ms)

    monkeypatch.setattr(market, "closed_candles", counting)
    platform.minute(3)
    assert len(fetched) == 3 and len(set(fetched)) == 3  # one per minute for the six BTCUSDT bots


class _Hook(BaseHTTPRequestHandler):
    received: list[tuple[dict[str, str], bytes]] = []
    fail_first = 0

    def do_POST(self) -> None:  # noqa: N802
        body = self.rfile.read(int(self.headers["Content-Length"]))
        if _Hook.fail_first > 0:
            _Hook.fail_first -= 1
            self.send_response(503)
            self.end_headers()
            return
        _Hook.received.append((dict(self.headers), body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture()
def webhook_server(platform):
    allow_loopback_webhooks(bootstrap.container())  # receivers on 127.0.0.1 are refused by default
    server = HTTPServer(("127.0.0.1", 0), _Hook)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _Hook.received = []
    _Hook.fail_first = 0
    yield f"http://127.0.0.1:{server.server_address[1]}/hook"
    server.shutdown()


def test_trade_notifications_feed_and_signed_webhook_with_retry(platform, webhook_server):
    token = platform.user()["access_token"]
    status, me = call(platform.api, "PATCH", "/users/me/settings", {"webhook_url": webhook_server}, token)[:2]
    secret = me["webhook_secret"]
    assert secret.startswith("whsec_")
    _Hook.fail_first = 1  # the first delivery fails: the queue must retry it, the tick is not blocked
    trading_bot(platform, token)
    platform.clock.advance(60_000)
    workers.dispatch()
    platform.drain(platform.outputs["TickQueueUrl"], workers.run_ticks)
    status, bot_trades = platform.call("GET", "/trades", None, token)
    assert len(bot_trades["items"]) == 1  # the trade is recorded whatever the webhook does
    platform.drain(platform.outputs["NotifyQueueUrl"], workers.send_notifications)  # fails, stays queued
    assert _Hook.received == []
    platform.drain(platform.outputs["NotifyQueueUrl"], workers.send_notifications)  # redelivered: succeeds
    assert len(_Hook.received) == 1
    headers, body = _Hook.received[0]
    timestamp, signature = (part.split("=", 1)[1] for part in headers["X-Tradebot-Signature"].split(","))
    expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(signature, expected)
    event = json.loads(body)
    assert event["kind"] == "trade_opened"
    # the feed has it once, although the message was delivered twice
    status, feed = platform.call("GET", "/notifications", None, token)
    assert [n["kind"] for n in feed["items"]] == ["trade_opened"] and feed["unread"] == 1
    note = feed["items"][0]
    status, _ = platform.call("POST", f"/notifications/{note['id']}/read", None, token)
    assert status == 204
    status, feed = platform.call("GET", "/notifications", None, token)
    assert feed["unread"] == 0 and feed["items"][0]["read"] is True
    status, body404 = platform.call("POST", "/notifications/nope/read", None, token)
    assert status == 404
    other = platform.user()["access_token"]
    status, _ = platform.call("POST", f"/notifications/{note['id']}/read", None, other)
    assert status == 404
    status, count = platform.call("POST", "/notifications/read-all", None, token)
    assert status == 200 and count["updated"] == 0
