"""The paper exchange on moto-backed DynamoDB: fills, fees, filters, idempotency, resting limit orders."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

import pytest

from chalicelib.domain.candles import Candle
from chalicelib.domain.clock import ManualClock
from chalicelib.domain.errors import ExchangeRejected
from chalicelib.domain.orders import OrderRequest, OrderStatus, OrderType, Side
from chalicelib.domain.symbols import FilterRejected
from tests.fakes.memory_market import minute_open_of

D = Decimal
T0 = 1_699_999_980_000


class ListMarket:
    """A market data source over a list of 1m candles (closed when close_time <= end_ms)."""

    def __init__(self) -> None:
        self.candles: list[Candle] = []

    def add(self, open_time: int, close: str, low: str | None = None, high: str | None = None) -> None:
        c = D(close)
        self.candles.append(Candle(open_time, c, D(high or close), D(low or close), c, D(1), open_time + 59_999))

    def closed_candles(
        self, symbol: str, interval: str, *, limit: int = 500, end_ms: int | None = None
    ) -> list[Candle]:
        end = end_ms if end_ms is not None else 2**62
        return [c for c in self.candles if c.close_time <= end][-limit:]

    def minute_open(self, symbol: str, at_ms: int) -> D | None:
        return minute_open_of(self.candles, at_ms)


@pytest.fixture()
def paper(aws: Any) -> Any:
    from chalicelib.adapters.dynamo.paper import DynamoPaperStore
    from chalicelib.adapters.market.catalog import StaticSymbolCatalog
    from chalicelib.adapters.paper_exchange import PaperExchange

    market = ListMarket()
    market.add(T0 - 60_000, "35000")
    clock = ManualClock(T0 + 1_000)
    store = DynamoPaperStore()
    account = f"bot-{uuid.uuid4().hex[:8]}"
    store.seed(account, {"USDT": D("1000"), "BTC": D("0.01")})
    exchange = PaperExchange(account, store, market, StaticSymbolCatalog(), clock, slippage=D("0.001"))
    return exchange, store, market, clock, account


def _balances(exchange: Any) -> dict[str, tuple[Decimal, Decimal]]:
    return {b.asset: (b.free, b.locked) for b in exchange.balances()}


def test_a_market_order_fills_at_the_open_of_the_minute_in_progress_as_a_backtest_fills_its_decision(
    paper: Any,
) -> None:
    """The minute's first trade (its bar's open), not the last close: where a backtest fills the decision the tick
    made on the bar that just closed. The bar's later prices (its close, here) play no part."""
    exchange, _, market, clock, _ = paper
    market.candles.append(Candle(T0, D("35200"), D("35600"), D("35100"), D("35500"), D(1), T0 + 59_999))
    buy = exchange.place_order(OrderRequest("BTCUSDT", Side.BUY, OrderType.MARKET, D("0.001"), "open-buy"))
    assert buy.average_price == D("35235.2")  # 35200 * 1.001
    clock.advance(90_000)  # a tick that runs late fills at the open of the minute it runs in
    market.candles.append(Candle(T0 + 60_000, D("35400"), D("35400"), D("35400"), D("35400"), D(1), T0 + 119_999))
    sell = exchange.place_order(OrderRequest("BTCUSDT", Side.SELL, OrderType.MARKET, D("0.001"), "open-sell"))
    assert sell.average_price == D("35364.6")  # 35400 * 0.999


def test_market_buy_fills_at_the_last_close_plus_slippage_minus_fee_when_the_minute_has_no_bar_yet(
    paper: Any,
) -> None:
    exchange, *_ = paper
    order = exchange.place_order(OrderRequest("BTCUSDT", Side.BUY, OrderType.MARKET, D("0.0123456"), "b1-t1-entry"))
    assert order.status is OrderStatus.FILLED and order.executed_quantity == D("0.01234")  # LOT_SIZE step
    assert order.average_price == D("35035")  # 35000 * 1.001
    assert order.fills[0].fee == D("0.00001234") and order.fills[0].fee_asset == "BTC"
    balances = _balances(exchange)
    assert balances["USDT"] == (D("1000") - D("0.01234") * D("35035"), 0)
    assert balances["BTC"] == (D("0.01") + D("0.01234") - D("0.00001234"), 0)


def test_market_sell_pays_the_fee_in_quote(paper: Any) -> None:
    exchange, *_ = paper
    order = exchange.place_order(OrderRequest("BTCUSDT", Side.SELL, OrderType.MARKET, D("0.01"), "s1"))
    assert order.average_price == D("34965")  # 35000 * 0.999
    assert order.fills[0].fee == D("0.34965") and order.fills[0].fee_asset == "USDT"
    assert _balances(exchange)["USDT"][0] == D("1000") + D("349.65") - D("0.34965")
    assert "BTC" not in _balances(exchange)


def test_placing_twice_with_the_same_client_order_id_fills_once(paper: Any) -> None:
    exchange, *_ = paper
    request = OrderRequest("BTCUSDT", Side.BUY, OrderType.MARKET, D("0.001"), "b1-t2-entry")
    first = exchange.place_order(request)
    after_first = _balances(exchange)
    second = exchange.place_order(request)
    assert first == second and _balances(exchange) == after_first


def test_the_store_transaction_is_the_guard_not_a_read(paper: Any) -> None:
    from chalicelib.adapters.dynamo.paper import DuplicateOrder, Move

    exchange, store, _, _, account = paper
    order = exchange.place_order(OrderRequest("BTCUSDT", Side.BUY, OrderType.MARKET, D("0.001"), "race-1"))
    before = _balances(exchange)
    with pytest.raises(DuplicateOrder):  # a concurrent copy that skipped the read still cannot fill again
        store.record_fill(account, order, Move("USDT", D("35")), Move("BTC", D("0.001")))
    assert _balances(exchange) == before


def test_insufficient_balance_is_rejected_like_binance_and_stores_nothing(paper: Any) -> None:
    exchange, *_ = paper
    with pytest.raises(ExchangeRejected) as info:
        exchange.place_order(OrderRequest("BTCUSDT", Side.BUY, OrderType.MARKET, D("1"), "big"))
    assert info.value.exchange_code == -2010
    assert exchange.get_order_by_client_id("BTCUSDT", "big") is None
    assert _balances(exchange)["USDT"] == (D("1000"), 0)


def test_the_same_filters_apply(paper: Any) -> None:
    exchange, *_ = paper
    with pytest.raises(FilterRejected, match="minimum notional"):
        exchange.place_order(OrderRequest("BTCUSDT", Side.BUY, OrderType.MARKET, D("0.0001"), "tiny"))


def test_limit_buy_rests_then_fills_when_the_price_crosses(paper: Any) -> None:
    exchange, _, market, clock, _ = paper
    request = OrderRequest("BTCUSDT", Side.BUY, OrderType.LIMIT, D("0.01"), "lim-1", price=D("34500.009"))
    order = exchange.place_order(request)
    assert order.status is OrderStatus.NEW and order.price == D("34500.00")
    assert _balances(exchange)["USDT"] == (D("655"), D("345"))
    market.add(T0, "34800", low="34600")  # does not reach the limit
    clock.advance(60_000)
    assert exchange.get_order_by_client_id("BTCUSDT", "lim-1").status is OrderStatus.NEW
    market.add(T0 + 60_000, "34700", low="34450")  # crosses
    clock.advance(60_000)
    filled = exchange.get_order_by_client_id("BTCUSDT", "lim-1")
    assert filled.status is OrderStatus.FILLED and filled.average_price == D("34500")
    balances = _balances(exchange)
    assert balances["USDT"] == (D("655"), 0)
    assert balances["BTC"] == (D("0.01") + D("0.01") - D("0.00001"), 0)


def test_marketable_limit_fills_at_once_never_worse_than_its_limit(paper: Any) -> None:
    exchange, *_ = paper
    order = exchange.place_order(OrderRequest("BTCUSDT", Side.BUY, OrderType.LIMIT, D("0.001"), "m1", price=D("35010")))
    assert order.status is OrderStatus.FILLED and order.average_price == D("35010")  # slipped 35035 capped


def test_cancel_releases_the_reservation(paper: Any) -> None:
    exchange, *_ = paper
    exchange.place_order(OrderRequest("BTCUSDT", Side.SELL, OrderType.LIMIT, D("0.005"), "ask-1", price=D("36000")))
    assert _balances(exchange)["BTC"] == (D("0.005"), D("0.005"))
    cancelled = exchange.cancel_order("BTCUSDT", "ask-1")
    assert cancelled.status is OrderStatus.CANCELED
    assert _balances(exchange)["BTC"] == (D("0.01"), 0)
    assert exchange.cancel_order("BTCUSDT", "ask-1").status is OrderStatus.CANCELED  # idempotent


def test_seeding_happens_once(paper: Any) -> None:
    exchange, store, _, _, account = paper
    assert store.seed(account, {"USDT": D("5000")}) is False
    assert _balances(exchange)["USDT"] == (D("1000"), 0)
