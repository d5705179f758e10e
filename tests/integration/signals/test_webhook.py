"""The "Done when" cases of issue 15 against the platform on moto: TradingView JSON and plain-text bodies trade
on the paper exchange; repeats are duplicates; stale, wrong-token, oversized, malformed, unknown-action and
wrong-symbol signals answer clear 4xx and execute nothing."""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor

from tests.integration.signals.conftest import SignalBot


def _iso(ms: int) -> str:
    return dt.datetime.fromtimestamp(ms / 1000, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def tradingview(bot: SignalBot, action: str, signal_id: str, **extra: object) -> dict[str, object]:
    now = bot.platform.clock.now_ms()
    body = {"ticker": "BTCUSDT", "action": action, "contracts": "0.01", "close": "50000", "time": _iso(now)}
    return {**body, "signal_id": signal_id, **extra}


def test_tradingview_json_buy_then_plain_text_close_trade_on_paper(signal_bot: SignalBot) -> None:
    status, receipt, _ = signal_bot.send(tradingview(signal_bot, "buy", "tv-1"))
    assert status == 202, receipt
    assert receipt["status"] == "queued" and receipt["signal_id"] == "tv-1"
    assert signal_bot.trades() == []  # never traded inline: the worker does
    signal_bot.work()
    trades = signal_bot.trades()
    assert [t["side"] for t in trades] == ["BUY"] and trades[0]["reason"] == "signal"
    signal_bot.platform.clock.advance(1_000)
    status, receipt, _ = signal_bot.send("close")
    assert status == 202, receipt
    signal_bot.work()
    assert sorted(t["side"] for t in signal_bot.trades()) == ["BUY", "SELL"]
    log = signal_bot.signals()
    assert [(s["action"], s["status"]) for s in log] == [("close", "executed"), ("buy", "executed")]
    assert all(len(s["order_ids"]) == 1 for s in log)
    status, got = signal_bot.platform.call("GET", f"/bots/{signal_bot.id}", None, signal_bot.jwt)
    assert got["state"]["in_position"] is False


def test_same_signal_five_times_three_concurrently_is_one_order(signal_bot: SignalBot) -> None:
    body = tradingview(signal_bot, "buy", "dup-1")
    first = signal_bot.send(body)
    with ThreadPoolExecutor(3) as pool:
        concurrent = list(pool.map(lambda _: signal_bot.send(body), range(3)))
    signal_bot.work()
    last = signal_bot.send(body)
    signal_bot.work()
    statuses = [first[0], *(c[0] for c in concurrent), last[0]]
    assert sorted(statuses) == [200, 200, 200, 200, 202], statuses
    assert len(signal_bot.trades()) == 1
    log = signal_bot.signals()
    assert sorted(s["status"] for s in log) == ["duplicate"] * 4 + ["executed"]
    executed = [s for s in log if s["status"] == "executed"]
    assert len(executed[0]["order_ids"]) == 1


def test_a_signal_older_than_max_lag_is_refused_as_stale(signal_bot: SignalBot) -> None:
    old = signal_bot.platform.clock.now_ms() - 120_000  # the default max_lag_s is 60
    status, body, _ = signal_bot.send(tradingview(signal_bot, "buy", "old-1", time=_iso(old)))
    assert status == 422 and body["error"]["code"] == "stale_signal", body
    signal_bot.work()
    assert signal_bot.trades() == []
    (entry,) = signal_bot.signals()
    assert entry["status"] == "stale" and entry["reason"] == "stale"
    status, notes = signal_bot.platform.call("GET", "/notifications", None, signal_bot.jwt)
    assert any(n["kind"] == "signal_refused" for n in notes["items"]), notes


def test_a_signal_dated_ahead_of_the_clock_is_refused(signal_bot: SignalBot) -> None:
    ahead = signal_bot.platform.clock.now_ms() + 3_600_000
    status, body, _ = signal_bot.send(tradingview(signal_bot, "buy", "future-1", time=_iso(ahead)))
    assert status == 422 and body["error"]["code"] == "stale_signal", body
    (entry,) = signal_bot.signals()
    assert entry["status"] == "refused" and entry["reason"] == "future_time"


def test_wrong_unknown_and_rotated_tokens_answer_the_same_401(signal_bot: SignalBot) -> None:
    token_id, secret = signal_bot.token.split(".")
    wrong_secret = signal_bot.send("buy", token=f"{token_id}.{'x' * len(secret)}")
    unknown_bot = signal_bot.send("buy", token=f"{'0' * 16}.{secret}")
    old = signal_bot.token
    signal_bot.token, _ = signal_bot.rotate()
    rotated = signal_bot.send("buy", token=old)
    for status, body, _ in (wrong_secret, unknown_bot, rotated):
        assert status == 401
        assert body == wrong_secret[1]
    assert signal_bot.send("buy")[0] == 202  # the new token works at once


def test_the_secret_may_travel_in_the_body_instead_of_the_url(signal_bot: SignalBot) -> None:
    token_id, secret = signal_bot.token.split(".")
    status, body, _ = signal_bot.send(tradingview(signal_bot, "buy", "b-1", secret=secret), token=token_id)
    assert status == 202, body
    status, body, _ = signal_bot.send(tradingview(signal_bot, "buy", "b-2", secret="nope" * 8), token=token_id)
    assert status == 401


def test_bad_bodies_answer_clear_4xx_and_execute_nothing(signal_bot: SignalBot) -> None:
    cases = {
        "oversized": (signal_bot.send("b" * 1_048_576), 413, "payload_too_large"),
        "malformed": (signal_bot.send('{"action": "buy",', content_type="application/json"), 400, "malformed_json"),
        "unknown action": (signal_bot.send("moon"), 422, "unknown_action"),
        "wrong symbol": (signal_bot.send(tradingview(signal_bot, "buy", "s-1", ticker="ETHUSDT")), 422,
                         "symbol_mismatch"),
    }  # fmt: skip
    for name, ((status, body, _), want_status, want_code) in cases.items():
        assert status == want_status, (name, body)
        assert body["error"]["code"] == want_code, (name, body)
        assert set(body["error"]) == {"code", "message", "details"}
    signal_bot.work()
    assert signal_bot.trades() == []
    assert not [s for s in signal_bot.signals() if s["status"] in ("queued", "executed")]


def test_a_burst_is_rate_limited_per_bot_with_retry_after(signal_bot: SignalBot) -> None:
    answers = [signal_bot.send(tradingview(signal_bot, "buy", f"burst-{i}")) for i in range(31)]
    assert [a[0] for a in answers[:30]].count(429) == 0
    status, body, headers = answers[30]
    assert status == 429 and body["error"]["code"] == "signal_rate_limited"
    assert int({k.lower(): v for k, v in headers.items()}["retry-after"]) >= 1
