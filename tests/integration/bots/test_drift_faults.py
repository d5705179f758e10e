"""Issue 17's fault tests: GET /bots/{id}/drift for paper bots run through the real dispatch and tick handlers over
real candles (binanceus BTCUSDT 1m, March 2023), with one fault each, and each fault's difference in its own
bucket with its amount, computed here from the candles and the trades:

- a tick run late (its fill at the close of a later bar): a tick pair, the price difference in `slippage`;
- a failed tick (the market port raising until the message is given up; the next tick succeeds): the trades
  the bot missed in `timing`, `failed_tick` while the state still counts the failure, `missed_tick` after;
- fills given slippage by the exchange (the paper exchange's slippage setting): `slippage` = the sum of the
  price differences x quantities, to the last decimal the report prints.

Each test runs its own day of the file so dispatch claims never collide with other tests'."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from decimal import Decimal as D
from typing import Any

import pytest

from chalicelib import bootstrap, workers
from chalicelib.adapters.dynamo.paper import DynamoPaperStore
from chalicelib.adapters.exchange_factory import ExchangeFactory
from chalicelib.adapters.market.catalog import StaticSymbolCatalog
from chalicelib.adapters.market.replay import ReplayMarket
from chalicelib.adapters.paper_exchange import PaperExchange
from chalicelib.domain.candles import Candle
from chalicelib.domain.clock import ManualClock
from chalicelib.domain.errors import ExchangeTemporaryError
from tests.integration.bots.conftest import Platform, _purge, bot_body
from tests.integration.bots.test_drift_api import MARCH_1, ListStore, _adds_up, btc_1m  # noqa: F401 (a fixture)

DAY = 86_400_000
MINUTE = 60_000
SMA = {"fast": 2, "slow": 5}
CENT = D("0.01")


class FailingMarket:
    """The replay market, down while `down` says so: a tick's candle read raises as Binance's 5xx would."""

    def __init__(self, market: ReplayMarket) -> None:
        self._market = market
        self.down = False

    def closed_candles(
        self, symbol: str, interval: str, *, limit: int = 500, end_ms: int | None = None
    ) -> list[Candle]:
        if self.down:
            raise ExchangeTemporaryError("market data unavailable (503)")
        return self._market.closed_candles(symbol, interval, limit=limit, end_ms=end_ms)

    def minute_open(self, symbol: str, at_ms: int) -> D | None:
        if self.down:
            raise ExchangeTemporaryError("market data unavailable (503)")
        return self._market.minute_open(symbol, at_ms)


Make = Callable[[int, D], tuple[Platform, FailingMarket]]


@pytest.fixture()
def faulty(aws: dict[str, str], btc_1m: list[Candle]) -> Iterator[Make]:  # noqa: F811 (the fixture)
    from chalice.test import Client

    from app import app

    _purge(aws)
    with Client(app, stage_name="dev") as client:

        def make(day: int, slippage: D) -> tuple[Platform, FailingMarket]:
            clock = ManualClock(MARCH_1 + day * DAY + 12 * 3_600_000)
            market = FailingMarket(ReplayMarket(ListStore(btc_1m), clock))
            store, catalog = DynamoPaperStore(), StaticSymbolCatalog()
            exchanges = ExchangeFactory(
                paper=lambda account: PaperExchange(account, store, market, catalog, clock, slippage=slippage),
                seed_paper=store.seed, live=_no_live, catalog=catalog, live_rules=catalog.symbol_rules,
            )  # fmt: skip
            bootstrap.use(bootstrap.bootstrap(clock=clock, market=market, exchanges=exchanges))
            return Platform(api=client.http, clock=clock, outputs={**aws}), market

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
    status, tokens = p.call("POST", "/auth/login", {"email": user["email"], "password": user["password"]})
    assert status == 200, tokens
    return str(tokens["access_token"])


def _drift(p: Platform, token: str, bot_id: str) -> dict[str, Any]:
    status, report = p.call("GET", f"/bots/{bot_id}/drift", None, token)
    assert status == 200, report
    return dict(report)


def _entry_ticks(candles: list[Candle], start: int, minutes: int) -> list[int]:
    """The ticks after `start` at which sma_cross(2, 5) buys, by the replay (whose fills are the backtest's)."""
    from chalicelib.domain.candles import CandleSeries
    from chalicelib.domain.drift.replay import Window, replay
    from chalicelib.domain.risk import validate_risk
    from chalicelib.domain.strategies import get_strategy, validate_params

    window = [c for c in candles if start - 10 * MINUTE <= c.open_time < start + minutes * MINUTE]
    fills = replay(
        CandleSeries.from_candles(window),
        get_strategy("sma_cross"),
        validate_params("sma_cross", SMA),
        validate_risk({}),
        Window(start, start + minutes * MINUTE, MINUTE),
        cash=1000.0,
        fee_rate=0.001,
    )
    return [f.time for f in fills if f.side.value == "BUY"]  # fmt: skip


def _run_tick_at(p: Platform, tick: int) -> None:
    """Dispatch the minute `tick` and run its ticks at whatever the clock says now."""
    workers.dispatch(now_ms=tick)
    p.drain(p.outputs["TickQueueUrl"], workers.run_ticks)


def _slippage_of(live: dict[str, Any], backtest_price: D) -> D:
    """docs/drift.md: -(live - backtest) x live quantity for a buy, the mirror for a sell."""
    worse = D(live["price"]) - backtest_price if live["side"] == "BUY" else backtest_price - D(live["price"])
    return -worse * D(live["quantity"])


def test_a_tick_run_late_fills_at_a_later_open_and_shows_as_slippage(
    faulty: Make,
    btc_1m: list[Candle],  # noqa: F811
) -> None:
    p, _ = faulty(10, D(0))
    user = p.user()
    bot_id = _start(p, user["access_token"], params=SMA)
    late = _entry_ticks(btc_1m, p.clock.now_ms(), 60)[0]
    while p.clock.now_ms() < late - MINUTE:
        p.minute()
    p.clock.set(late + 90_000)  # the tick of `late` runs a minute and a half late, the next one on its minute
    _run_tick_at(p, late)
    _run_tick_at(p, late + MINUTE)
    p.clock.set(late + MINUTE)
    p.minute(30)
    report = _drift(p, _login(p, user), bot_id)
    by_open = {c.open_time: c for c in btc_1m}
    [delayed] = [x for x in report["pairs"] if x["backtest"]["tick_at"] == late]
    assert delayed["kind"] == "tick" and delayed["time_ms"] == 90_000
    # Late by more than a bar: the paper exchange fills at the open of the minute the tick ran in, a bar after
    # the open the backtest fills the decision at.
    assert D(delayed["live"]["price"]) == by_open[late + MINUTE].open
    assert D(delayed["backtest"]["price"]) == by_open[late].open
    late_slippage = _slippage_of(delayed["live"], by_open[late].open)
    assert late_slippage != 0 and D(delayed["amounts"]["slippage"]) == pytest.approx(late_slippage, abs=CENT)
    for pair in report["pairs"]:
        tick = pair["backtest"]["tick_at"]
        if tick != late:  # on time: both at the open of the bar after the decision (the period's last tick too)
            assert D(pair["live"]["price"]) == D(pair["backtest"]["price"]) == by_open[tick].open, pair
            assert D(pair["amounts"]["slippage"]) == 0, pair
    summary = report["summary"]
    assert len(report["pairs"]) >= 4 and report["unmatched"] == []
    assert abs(D(summary["slippage"]) - late_slippage) < CENT
    assert D(summary["timing"]) == 0 and D(summary["unexplained"]) == 0
    _adds_up(summary)


def _missed_amount(report: dict[str, Any], end_price: D) -> D:
    """The missed replay fills' part of the gap: minus their PnL marked at the period's last close (buy:
    held x P - quote - fee; sell: quote - fee - held x P)."""
    total = D(0)
    for u in report["unmatched"]:
        f = u["fill"]
        quote, qty = D(f["price"]) * D(f["quantity"]), D(f["quantity"])
        pnl = qty * end_price - quote - D(f["fee"]) if f["side"] == "BUY" else quote - D(f["fee"]) - qty * end_price
        total -= pnl
    return total


def test_a_failed_tick_is_timing_with_the_missed_trades_amount(faulty: Make, btc_1m: list[Candle]) -> None:  # noqa: F811
    p, market = faulty(19, D(0))  # day 12 is test_drift_config_api's
    user = p.user()
    bot_id = _start(p, user["access_token"], params=SMA)
    failed = _entry_ticks(btc_1m, p.clock.now_ms(), 60)[0]
    while p.clock.now_ms() < failed - MINUTE:
        p.minute()
    market.down = True
    p.minute()  # the entry tick fails, and its redelivery too: the message goes to the dead-letter queue
    p.drain(p.outputs["TickQueueUrl"], workers.run_ticks)
    _purge({"TickQueueUrl": p.outputs["TickQueueUrl"]})
    market.down = False
    token = _login(p, user)
    status, bot = p.call("GET", f"/bots/{bot_id}", None, token)
    assert bot["state"]["consecutive_failures"] == 2 and "unavailable" in bot["state"]["last_error"]
    by_open = {c.open_time: c for c in btc_1m}
    # While the state counts the failures, the trade of the failed tick is `failed_tick`.
    now = _drift(p, token, bot_id)
    [entry] = now["unmatched"]
    assert (entry["side"], entry["reason"], entry["fill"]["tick_at"]) == ("backtest", "failed_tick", failed)
    # The period's last tick fills at the open of the bar after the period (the minute it would have run in).
    assert D(entry["fill"]["price"]) == by_open[failed].open
    assert D(now["summary"]["timing"]) == pytest.approx(_missed_amount(now, by_open[failed - MINUTE].close), abs=CENT)

    p.minute(40)  # the next ticks succeed: the missed entry, and the exit it would have led to, are missed ticks
    report = _drift(p, _login(p, user), bot_id)
    summary, missed = report["summary"], [u for u in report["unmatched"] if u["fill"]["tick_at"] == failed]
    assert [u["side"] + ":" + u["reason"] for u in missed] == ["backtest:missed_tick"]
    assert {u["reason"] for u in report["unmatched"]} == {"missed_tick"}
    assert D(missed[0]["fill"]["price"]) == by_open[failed].open  # filled at the next open by the backtest
    end = by_open[p.clock.now_ms() - p.clock.now_ms() % MINUTE - MINUTE].close
    assert abs(D(summary["timing"]) - _missed_amount(report, end)) < CENT
    assert D(summary["timing"]) != 0 and D(summary["unexplained"]) == 0
    assert len(report["pairs"]) >= 2 and {x["kind"] for x in report["pairs"]} == {"tick"}
    _adds_up(summary)


def test_slippage_given_by_the_exchange_is_slippage_to_the_last_decimal(
    faulty: Make,
    btc_1m: list[Candle],  # noqa: F811
) -> None:
    slippage = D("0.0025")
    p, _ = faulty(14, slippage)
    user = p.user()
    bot_id = _start(p, user["access_token"], strategy="ema_cross", params={"fast": 2, "slow": 4})
    p.minute(60)
    report = _drift(p, _login(p, user), bot_id)
    by_open = {c.open_time: c for c in btc_1m}
    expected = D(0)
    assert len(report["pairs"]) >= 4 and report["unmatched"] == []
    for pair in report["pairs"]:
        tick, live = pair["backtest"]["tick_at"], pair["live"]
        # Both fill at the open of the bar after the decision; the exchange moves it against the bot.
        next_open = by_open[tick].open
        assert D(pair["backtest"]["price"]) == next_open
        assert D(live["price"]) == next_open * (1 + slippage if live["side"] == "BUY" else 1 - slippage)
        expected += _slippage_of(live, next_open)
    summary = report["summary"]
    assert abs(D(summary["slippage"]) - expected) <= D("1e-8")
    assert D(summary["slippage"]) < 0 and D(summary["timing"]) == 0 and D(summary["unexplained"]) == 0
    _adds_up(summary)
