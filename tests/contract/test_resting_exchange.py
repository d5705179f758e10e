"""The RestingExchange contract (services/ports/exchange.py): what every exchange that keeps orders between
ticks must do, whoever implements it. Bound to the Binance adapter talking to the fake Binance over HTTP
(tests/fakes/binance_spot.py + binance_book.py) and to the paper exchange on moto-backed DynamoDB; each is a
factory in `VENUES` returning a `Venue` whose `trade(price)` makes its market trade at that price (for paper,
a candle through it).

Statuses are the exchange's: the leg an OCO's other leg cancels ends EXPIRED on Binance; the contract asks only
that it is no longer open, so an implementation is free to report it CANCELED."""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from decimal import Decimal

import pytest

from chalicelib.adapters.binance import BinanceCredentials, BinanceEndpoint, BinanceSpotExchange, RetryPolicy
from chalicelib.adapters.binance.budget import InMemoryWeightStore, WeightBudget
from chalicelib.adapters.binance.caches import ServerTimeOffsets
from chalicelib.domain.candles import Candle
from chalicelib.domain.clock import ManualClock
from chalicelib.domain.errors import ExchangeRejected
from chalicelib.domain.orders import OcoRequest, OrderRequest, OrderStatus, OrderType, Side
from chalicelib.services.ports.exchange import RestingExchange
from tests.fakes.memory_market import minute_open_of

D = Decimal
SYMBOL = "BTCUSDT"
PRICE = D(35000)  # every venue starts with the market here, 10000 USDT and 1 BTC


@dataclass
class Venue:
    exchange: RestingExchange
    trade: Callable[[Decimal], None]


@contextmanager
def binance_fake() -> Iterator[Venue]:
    from tests.fakes.binance_spot import API_KEY, API_SECRET, FakeBinanceSpot

    with FakeBinanceSpot(balances={"USDT": "10000", "BTC": "1"}, price=str(PRICE)) as fake:
        clock = ManualClock(int(time.time() * 1000))
        exchange = BinanceSpotExchange(
            BinanceEndpoint.custom(fake.url),
            WeightBudget(InMemoryWeightStore(), "egress-contract", clock, lambda _s: None),
            credentials=BinanceCredentials(API_KEY, API_SECRET),
            clock=clock,
            sleep=lambda _s: None,
            policy=RetryPolicy(rng=random.Random(1)),
            time_offsets=ServerTimeOffsets(),
        )
        yield Venue(exchange, lambda price: fake.trade(SYMBOL, price))


class PaperMarket:
    """1m candles for the paper exchange: one flat candle at the start price, then one per `trade(price)`
    running from the last close through that price (a big volume, so a resting order fills whole)."""

    MINUTE = 60_000

    def __init__(self, clock: ManualClock) -> None:
        start = clock.now_ms() - self.MINUTE
        self.clock = clock
        self.candles = [Candle(start, PRICE, PRICE, PRICE, PRICE, D(1000), start + self.MINUTE - 1)]

    def closed_candles(
        self, symbol: str, interval: str, *, limit: int = 500, end_ms: int | None = None
    ) -> list[Candle]:
        end = end_ms if end_ms is not None else 2**62
        return [c for c in self.candles if c.close_time <= end][-limit:]

    def minute_open(self, symbol: str, at_ms: int) -> D | None:
        return minute_open_of(self.candles, at_ms)

    def trade(self, price: Decimal) -> None:
        last = self.candles[-1]
        start = max(last.open_time + self.MINUTE, self.clock.now_ms())
        opened = last.close
        bar = Candle(start, opened, max(opened, price), min(opened, price), price, D(1000), start + self.MINUTE - 1)
        self.candles.append(bar)
        self.clock.set(bar.close_time + 1)


@contextmanager
def paper(aws: object) -> Iterator[Venue]:
    from chalicelib.adapters.dynamo.paper import DynamoPaperStore
    from chalicelib.adapters.market.catalog import StaticSymbolCatalog
    from chalicelib.adapters.paper_exchange import PaperExchange

    clock = ManualClock(int(time.time() * 1000) // 60_000 * 60_000)
    market = PaperMarket(clock)
    store = DynamoPaperStore()
    account = f"contract-{random.getrandbits(40):x}"
    store.seed(account, {"USDT": D("10000"), "BTC": D("1")})
    yield Venue(PaperExchange(account, store, market, StaticSymbolCatalog(), clock), market.trade)


# Each factory takes pytest's request, so the paper one can ask for the session's moto stack.
VENUES: list[Callable[[pytest.FixtureRequest], AbstractContextManager[Venue]]] = [
    lambda _request: binance_fake(),
    lambda request: paper(request.getfixturevalue("aws")),
]


@pytest.fixture(params=VENUES, ids=["binance_fake", "paper"])
def venue(request: pytest.FixtureRequest) -> Iterator[Venue]:
    with request.param(request) as built:
        yield built


def buy_limit(coid: str, price: str = "34000", type_: OrderType = OrderType.LIMIT) -> OrderRequest:
    return OrderRequest(SYMBOL, Side.BUY, type_, D("0.01"), coid, price=D(price), reference_price=PRICE)


def protect(name: str) -> OcoRequest:
    return OcoRequest(SYMBOL, D("0.01"), f"{name}-l", f"{name}-t", D(36000), f"{name}-s", D(34000), D(33900))


class RestingExchangeContract:
    def test_a_resting_limit_is_open_until_cancelled(self, venue: Venue) -> None:
        placed = venue.exchange.place_order(buy_limit("c-rest"))
        assert placed.status is OrderStatus.NEW and placed.is_open
        assert [o.client_order_id for o in venue.exchange.open_orders(SYMBOL)] == ["c-rest"]
        cancelled = venue.exchange.cancel_order(SYMBOL, "c-rest")
        assert cancelled.status is OrderStatus.CANCELED and venue.exchange.open_orders(SYMBOL) == []

    def test_a_limit_fills_when_the_market_trades_at_its_price(self, venue: Venue) -> None:
        venue.exchange.place_order(buy_limit("c-fill"))
        venue.trade(D(33990))
        filled = venue.exchange.get_order_by_client_id(SYMBOL, "c-fill")
        assert filled is not None and filled.status is OrderStatus.FILLED
        assert filled.average_price == D(34000) and filled.fills
        assert venue.exchange.cancel_order(SYMBOL, "c-fill").status is OrderStatus.FILLED  # finished: as it is

    def test_a_maker_order_that_would_take_is_refused_as_would_take(self, venue: Venue) -> None:
        with pytest.raises(ExchangeRejected) as info:
            venue.exchange.place_order(buy_limit("c-take", "35100", OrderType.LIMIT_MAKER))
        assert info.value.code == "would_take"
        assert venue.exchange.open_orders(SYMBOL) == []

    def test_client_ids_are_unique_among_open_orders_only(self, venue: Venue) -> None:
        first = venue.exchange.place_order(buy_limit("c-id"))
        again = venue.exchange.place_order(buy_limit("c-id"))
        assert again.exchange_order_id == first.exchange_order_id and len(venue.exchange.open_orders(SYMBOL)) == 1
        venue.exchange.cancel_order(SYMBOL, "c-id")
        reused = venue.exchange.place_order(buy_limit("c-id", "33000"))
        assert reused.exchange_order_id != first.exchange_order_id and reused.price == D(33000)

    def test_an_ocos_legs_are_open_orders_of_one_list(self, venue: Venue) -> None:
        placed = venue.exchange.place_oco(protect("c-oco"))
        assert placed.list_client_order_id == "c-oco-l" and placed.is_open
        legs = {o.client_order_id: o for o in venue.exchange.open_orders(SYMBOL)}
        assert set(legs) == {"c-oco-t", "c-oco-s"}
        assert {o.order_list_id for o in legs.values()} == {"c-oco-l"}
        assert legs["c-oco-t"].type is OrderType.LIMIT_MAKER and legs["c-oco-s"].stop_price == D(34000)

    def test_the_take_profit_filling_ends_the_stop(self, venue: Venue) -> None:
        venue.exchange.place_oco(protect("c-tp"))
        venue.trade(D(36100))
        tp = venue.exchange.get_order_by_client_id(SYMBOL, "c-tp-t")
        stop = venue.exchange.get_order_by_client_id(SYMBOL, "c-tp-s")
        assert tp is not None and tp.status is OrderStatus.FILLED
        assert stop is not None and not stop.is_open and stop.executed_quantity == 0
        assert venue.exchange.open_orders(SYMBOL) == []

    def test_the_stop_triggering_ends_the_take_profit(self, venue: Venue) -> None:
        venue.exchange.place_oco(protect("c-sl"))
        venue.trade(D(33950))
        stop = venue.exchange.get_order_by_client_id(SYMBOL, "c-sl-s")
        tp = venue.exchange.get_order_by_client_id(SYMBOL, "c-sl-t")
        assert stop is not None and stop.status is OrderStatus.FILLED
        assert tp is not None and not tp.is_open and tp.executed_quantity == 0

    def test_cancelling_a_list_cancels_both_legs_and_a_second_cancel_returns_it_done(self, venue: Venue) -> None:
        venue.exchange.place_oco(protect("c-cx"))
        cancelled = venue.exchange.cancel_order_list(SYMBOL, "c-cx-l")
        assert {o.status for o in cancelled.orders} == {OrderStatus.CANCELED} and not cancelled.is_open
        again = venue.exchange.cancel_order_list(SYMBOL, "c-cx-l")
        assert not again.is_open and venue.exchange.open_orders(SYMBOL) == []


class TestRestingExchange(RestingExchangeContract):
    """The contract bound to every venue in VENUES."""
