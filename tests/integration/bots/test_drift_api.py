"""GET /bots/{id}/drift on the embedded AWS: paper bots driven minute by minute through the real dispatch and
tick handlers over real Binance candles (binanceus BTCUSDT 1m, March 2023, replayed as of the market clock),
then compared with the replay of their configuration. Each test runs its own day of the file, so dispatch
claims never collide."""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterator
from datetime import datetime
from decimal import Decimal as D
from typing import Any

import pytest

from chalicelib import bootstrap
from chalicelib.adapters.dynamo.paper import DynamoPaperStore
from chalicelib.adapters.exchange_factory import ExchangeFactory
from chalicelib.adapters.market.catalog import StaticSymbolCatalog
from chalicelib.adapters.market.replay import ReplayMarket
from chalicelib.adapters.paper_exchange import PaperExchange
from chalicelib.domain.candles import Candle
from chalicelib.domain.clock import ManualClock
from chalicelib.domain.kline_csv import parse_kline_csv
from tests.conftest import SHARED_MARKET
from tests.integration.bots.conftest import Platform, _purge, bot_body

DAY = 86_400_000
MARCH_1 = 1_677_628_800_000
MINUTES = 90


class ListStore:
    """The replay store's read, over candles in memory."""

    def __init__(self, candles: list[Candle]) -> None:
        self._candles = candles
        self._opens = [c.open_time for c in candles]

    def latest(self, symbol: str, interval: str, *, limit: int, open_time_max: int) -> list[Candle]:
        end = bisect.bisect_right(self._opens, open_time_max)
        return self._candles[max(0, end - limit) : end]


@pytest.fixture(scope="module")
def btc_1m() -> list[Candle]:
    return parse_kline_csv((SHARED_MARKET / "binanceus_BTCUSDT_1m_20230301_20230321.csv").read_text())


@pytest.fixture()
def replayed(aws: dict[str, str], btc_1m: list[Candle]) -> Iterator[Callable[[int, D], Platform]]:
    from chalice.test import Client

    from app import app

    _purge(aws)
    with Client(app, stage_name="dev") as client:

        def make(day: int, slippage: D) -> Platform:
            clock = ManualClock(MARCH_1 + day * DAY + 12 * 3_600_000)
            market = ReplayMarket(ListStore(btc_1m), clock)
            store, catalog = DynamoPaperStore(), StaticSymbolCatalog()
            exchanges = ExchangeFactory(
                paper=lambda account: PaperExchange(account, store, market, catalog, clock, slippage=slippage),
                seed_paper=store.seed, live=_no_live, catalog=catalog, live_rules=catalog.symbol_rules,
            )  # fmt: skip
            bootstrap.use(bootstrap.bootstrap(clock=clock, market=market, exchanges=exchanges))
            return Platform(api=client.http, clock=clock, outputs={**aws})

        yield make
    bootstrap.use(None)


def _no_live(config: Any) -> Any:
    raise AssertionError("paper bots only")


def _start(p: Platform, token: str, **body: Any) -> str:
    status, bot = p.call("POST", "/bots", bot_body(**body), token)
    assert status == 201, bot
    assert p.call("POST", f"/bots/{bot['id']}/start", None, token)[0] == 200
    return str(bot["id"])


def _login(p: Platform, user: dict[str, Any]) -> str:
    """Sessions live in the market clock here: sign in again after the minutes ran."""
    status, tokens = p.call("POST", "/auth/login", {"email": user["email"], "password": user["password"]})
    assert status == 200, tokens
    return str(tokens["access_token"])


def _drift(p: Platform, token: str, bot_id: str, query: str = "") -> dict[str, Any]:
    status, report = p.call("GET", f"/bots/{bot_id}/drift{query}", None, token)
    assert status == 200, report
    return dict(report)


def _trades(p: Platform, token: str, bot_id: str) -> list[dict[str, Any]]:
    status, page = p.call("GET", f"/bots/{bot_id}/trades?limit=500", None, token)
    assert status == 200 and page["next_cursor"] is None
    return list(page["items"])


def _adds_up(summary: dict[str, str]) -> None:
    buckets = ("slippage", "fees", "quantity", "timing", "rejections", "config", "unexplained")
    gap = D(summary["live_pnl"]) - D(summary["backtest_pnl"])
    assert sum((D(summary[b]) for b in buckets), D(0)) == pytest.approx(gap, abs=D("1e-7"))


def _equity_ends_at_the_gap(report: dict[str, Any]) -> None:
    """Both curves start at the same cash; at the last close their difference is the summary's gap."""
    curve, summary = report["equity"], report["summary"]
    assert 0 < len(curve) <= 500 and curve[0]["live"] == pytest.approx(curve[0]["backtest"], abs=1)
    gap = float(D(summary["live_pnl"]) - D(summary["backtest_pnl"]))
    assert curve[-1]["live"] - curve[-1]["backtest"] == pytest.approx(gap, abs=1e-6)


def test_paper_bots_match_the_replay_trade_for_trade(replayed: Callable[[int, D], Platform]) -> None:
    p = replayed(2, D(0))
    user = p.user()
    token = user["access_token"]
    bots = {"sma_cross": _start(p, token, params={"fast": 2, "slow": 5}),
            "ema_cross": _start(p, token, strategy="ema_cross", params={"fast": 2, "slow": 4})}  # fmt: skip
    started = p.clock.now_ms()
    p.minute(MINUTES)
    token = _login(p, user)
    for strategy, bot_id in bots.items():
        trades = _trades(p, token, bot_id)
        report = _drift(p, token, bot_id)
        assert len(trades) >= 4, strategy
        assert report["unmatched"] == [], (strategy, report["unmatched"])
        assert len(report["pairs"]) == len(trades) and {x["kind"] for x in report["pairs"]} == {"tick"}
        assert {x["live"]["id"] for x in report["pairs"]} == {t["id"] for t in trades}
        assert D(report["summary"]["unexplained"]) == 0 and D(report["summary"]["timing"]) == 0
        assert report["source"] == "market:ReplayMarket"
        _adds_up(report["summary"])
    _explicit_periods(p, token, bots["sma_cross"], started)


def _ms(iso: str) -> int:
    return int(datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp() * 1000)


def _explicit_periods(p: Platform, token: str, bot_id: str, started: int) -> None:
    """A sub-period from the start matches too; so does a `from` inside a position: the replay starts from the
    bot's real state then (the shadow pass from its start), so the exit of the position it held is a tick pair."""
    times = sorted((_ms(t["executed_at"]), t["side"]) for t in _trades(p, token, bot_id))
    middle = times[len(times) // 2][0]
    to = middle - middle % 60_000 + 60_000
    report = _drift(p, token, bot_id, f"?from={started}&to={to}")
    assert report["unmatched"] == [] and len(report["pairs"]) == sum(at <= to for at, _ in times)
    buy = next(at for at, side in times if side == "BUY")
    report = _drift(p, token, bot_id, f"?from={buy + 1}")
    after = [(at, side) for at, side in times if at > buy + 1]
    assert after[0][1] == "SELL" and report["unmatched"] == [] and len(report["pairs"]) == len(after)
    assert report["pairs"][0]["live"]["side"] == "SELL" and report["pairs"][0]["kind"] == "tick"
    assert D(report["summary"]["unexplained"]) == 0 and D(report["summary"]["config"]) == 0
    _adds_up(report["summary"])
    _equity_ends_at_the_gap(report)  # both curves start holding the position of `from`


def _first_entry_tick(candles: list[Candle], start: int) -> int:
    """The first tick after `start` at which sma_cross(2, 5) buys, by the replay itself."""
    from chalicelib.domain.candles import CandleSeries
    from chalicelib.domain.drift.replay import Window, replay
    from chalicelib.domain.risk import validate_risk
    from chalicelib.domain.strategies import get_strategy, validate_params

    window = [c for c in candles if start - 10 * 60_000 <= c.open_time < start + MINUTES * 60_000]
    fills = replay(CandleSeries.from_candles(window), get_strategy("sma_cross"),
                   validate_params("sma_cross", {"fast": 2, "slow": 5}), validate_risk({}),
                   Window(start, start + MINUTES * 60_000, 60_000), cash=1000.0, fee_rate=0.001)  # fmt: skip
    return next(f.time for f in fills if f.side.value == "BUY")


def test_a_skipped_tick_is_timing_with_the_missed_trades_amount(
    replayed: Callable[[int, D], Platform], btc_1m: list[Candle]
) -> None:
    p = replayed(4, D(0))
    user = p.user()
    bot_id = _start(p, user["access_token"], params={"fast": 2, "slow": 5})
    skipped = _first_entry_tick(btc_1m, p.clock.now_ms())
    while p.clock.now_ms() < skipped - 60_000:
        p.minute()
    p.clock.advance(60_000)  # the schedule never fired for this minute: no tick at all
    p.minute(MINUTES - 1 - (skipped - p.clock.now_ms()) // 60_000)
    report = _drift(p, _login(p, user), bot_id)
    summary = report["summary"]
    missed = [u for u in report["unmatched"] if u["fill"]["tick_at"] == skipped]
    assert [u["side"] + ":" + u["reason"] for u in missed] == ["backtest:missed_tick"]
    assert {u["reason"] for u in report["unmatched"]} == {"missed_tick"}
    end = next(c.close for c in reversed(btc_1m) if c.close_time < p.clock.now_ms())
    expected = D(0)
    for u in report["unmatched"]:
        f = u["fill"]
        sign = 1 if f["side"] == "BUY" else -1
        expected -= sign * D(f["quantity"]) * (end - D(f["price"])) - D(f["fee"])
    assert D(summary["timing"]) == pytest.approx(expected, abs=D("1e-6"))
    assert D(summary["timing"]) != 0 and D(summary["unexplained"]) == 0
    _adds_up(summary)


def test_the_paper_exchanges_slippage_is_slippage_with_its_amount(
    replayed: Callable[[int, D], Platform], btc_1m: list[Candle]
) -> None:
    slippage = D("0.001")
    p = replayed(6, slippage)
    user = p.user()
    bot_id = _start(p, user["access_token"], params={"fast": 2, "slow": 5})
    p.minute(MINUTES)
    report = _drift(p, _login(p, user), bot_id)
    by_open = {c.open_time: c for c in btc_1m}
    expected = D(0)
    assert len(report["pairs"]) >= 4 and report["unmatched"] == []
    for pair in report["pairs"]:
        tick, live = pair["backtest"]["tick_at"], pair["live"]
        next_open, backtest = by_open[tick].open, D(pair["backtest"]["price"])
        buy = live["side"] == "BUY"
        # Both fill at the open of the bar after the decision (the minute the tick runs in); the paper exchange
        # moves it against the bot by its slippage, the replay does not.
        assert D(live["price"]) == next_open * (1 + slippage if buy else 1 - slippage)
        assert backtest == pytest.approx(next_open, abs=D("1e-8"))
        gap = backtest - D(live["price"]) if buy else D(live["price"]) - backtest
        expected += gap * D(live["quantity"])
    assert D(report["summary"]["slippage"]) == pytest.approx(expected, abs=D("1e-6"))
    assert D(report["summary"]["slippage"]) < 0 and D(report["summary"]["unexplained"]) == 0
    _adds_up(report["summary"])
    _equity_ends_at_the_gap(report)


def test_drift_is_tenant_isolated_and_validates_its_period(replayed: Callable[[int, D], Platform]) -> None:
    p = replayed(8, D(0))
    owner, other = p.user()["access_token"], p.user()["access_token"]
    status, bot = p.call("POST", "/bots", bot_body(), owner)
    assert status == 201
    path = f"/bots/{bot['id']}/drift"
    now = p.clock.now_ms()
    status, body = p.call("GET", f"{path}?from={now - 3_600_000}", None, other)
    assert status == 404 and body["error"]["code"] == "bot_not_found"
    cases = {
        "": "from_required",  # a stopped bot has no last start to default to
        f"?from={now}&to={now - 60_000}": "invalid_period",
        f"?from={now - 91 * DAY}&to={now}": "period_too_long",  # past the 90 days a job may cover
    }
    for query, code in cases.items():
        status, body = p.call("GET", path + query, None, owner)
        assert status == 422 and body["error"]["code"] == code, (query, body)
        assert body["error"]["message"] and body["error"]["details"][0]["field"]
    for query in ("?from=abc", "?from=-5", "?until=1"):
        status, body = p.call("GET", path + query, None, owner)
        assert 400 <= status < 500 and set(body["error"]) == {"code", "message", "details"}, (query, body)
    status, signal_bot = p.call("POST", "/bots", bot_body(name="signals", strategy="signal", params={}), owner)
    assert status == 201, signal_bot
    status, body = p.call("GET", f"/bots/{signal_bot['id']}/drift?from={now - 3_600_000}", None, owner)
    assert status == 422 and body["error"]["code"] == "not_replayable", body
    status, body = p.call("GET", f"{path}?from={now - 3_600_000}", None, owner)
    # A bot that never ran: every replayed trade is one the bot never ticked for, none unexplained.
    assert status == 200 and body["pairs"] == [] and D(body["summary"]["live_pnl"]) == 0, body
    assert {u["side"] for u in body["unmatched"]} <= {"backtest"}
    assert D(body["summary"]["unexplained"]) == 0
    _adds_up(body["summary"])
