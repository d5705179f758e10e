"""Orders that rest on Binance, against the fake Binance over real HTTP (tests/fakes/binance_book.py): every
resting type, OCO lists, open orders, cancel-replace, and the failures the exchange documents: a 5xx after the
request executed, -2011 on a cancel that met a fill, -2010 for a maker order that would take, a client id used
again once its order is closed, PERCENT_PRICE_BY_SIDE and MAX_NUM_ORDERS refusals."""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from decimal import Decimal

import pytest

from chalicelib.adapters.binance import BinanceCredentials, BinanceEndpoint, BinanceSpotExchange, RetryPolicy
from chalicelib.adapters.binance.budget import InMemoryWeightStore, WeightBudget
from chalicelib.adapters.binance.caches import ListClientIds, ServerTimeOffsets
from chalicelib.adapters.binance.resting import RestingOrders
from chalicelib.domain.clock import ManualClock
from chalicelib.domain.errors import ExchangeRejected, OrderOutcomeUnknown
from chalicelib.domain.orders import OcoRequest, OrderRequest, OrderStatus, OrderType, Side, TimeInForce
from chalicelib.domain.symbols import FilterRejected
from tests.fakes.binance_spot import ALL_FAULTS, API_KEY, API_SECRET, FakeBinanceSpot

from .binance_fakes import SleepRecorder

D = Decimal


class CountingStore(InMemoryWeightStore):
    """Records the weight each call reserves, so a test can state what a read costs."""

    def __init__(self) -> None:
        super().__init__()
        self.reserved: list[int] = []

    def add_weight(self, egress_id: str, minute: int, weight: int) -> int:
        self.reserved.append(weight)
        return super().add_weight(egress_id, minute, weight)


@pytest.fixture()
def fake() -> Iterator[FakeBinanceSpot]:
    with FakeBinanceSpot(balances={"USDT": "10000", "BTC": "1"}, late_answer_s=0.6) as server:
        yield server


@pytest.fixture(autouse=True)
def fresh_list_ids(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test starts as a cold process: no OCO list number known yet."""
    monkeypatch.setattr(RestingOrders, "list_ids", ListClientIds())


def adapter(fake: FakeBinanceSpot, store: InMemoryWeightStore | None = None) -> BinanceSpotExchange:
    clock = ManualClock(int(time.time() * 1000))
    sleep = SleepRecorder(clock)
    return BinanceSpotExchange(
        BinanceEndpoint.custom(fake.url),
        WeightBudget(store or InMemoryWeightStore(), "egress-resting", clock, sleep),
        credentials=BinanceCredentials(API_KEY, API_SECRET),
        clock=clock,
        sleep=sleep,
        policy=RetryPolicy(rng=random.Random(5)),
        timeout_s=(2.0, 0.25),
        time_offsets=ServerTimeOffsets(),
    )


def limit(coid: str, side: Side = Side.BUY, price: str = "34000", **kw: object) -> OrderRequest:
    return OrderRequest(
        "BTCUSDT",
        side,
        kw.pop("type", OrderType.LIMIT),
        D("0.01"),
        coid,
        price=D(price),
        **kw,  # type: ignore[arg-type]
    )


def oco(name: str, tp: str = "36000", stop: str = "34000", stop_limit: str = "33900") -> OcoRequest:
    return OcoRequest("BTCUSDT", D("0.01"), f"{name}-list", f"{name}-tp", D(tp), f"{name}-sl", D(stop), D(stop_limit))


# --- every resting type ------------------------------------------------------------------------------------


def test_a_gtc_limit_rests_and_locks_its_quote(fake: FakeBinanceSpot) -> None:
    order = adapter(fake).place_order(limit("gtc-1", reference_price=D(35000)))
    assert order.status is OrderStatus.NEW and order.type is OrderType.LIMIT and order.price == D(34000)
    assert fake.calls("POST", "/api/v3/order")[0]["timeInForce"] == "GTC"
    assert fake.balances["USDT"] == D(10000) - D(340)


def test_an_ioc_limit_that_does_not_cross_expires_instead_of_resting(fake: FakeBinanceSpot) -> None:
    order = adapter(fake).place_order(limit("ioc-1", time_in_force=TimeInForce.IOC, reference_price=D(35000)))
    assert order.status is OrderStatus.EXPIRED and order.executed_quantity == 0
    assert fake.calls("POST", "/api/v3/order")[0]["timeInForce"] == "IOC" and fake.balances["USDT"] == D(10000)


def test_a_limit_maker_below_the_market_rests_without_time_in_force(fake: FakeBinanceSpot) -> None:
    order = adapter(fake).place_order(limit("maker-1", type=OrderType.LIMIT_MAKER, reference_price=D(35000)))
    assert order.status is OrderStatus.NEW and order.type is OrderType.LIMIT_MAKER
    assert "timeInForce" not in fake.calls("POST", "/api/v3/order")[0]


def test_a_limit_maker_that_would_take_is_a_decision_not_an_error(fake: FakeBinanceSpot) -> None:
    exchange = adapter(fake)
    with pytest.raises(ExchangeRejected) as info:
        exchange.place_order(limit("maker-x", price="35100", type=OrderType.LIMIT_MAKER, reference_price=D(35000)))
    assert info.value.code == "would_take" and info.value.exchange_code == -2010
    assert len(fake.calls("POST", "/api/v3/order")) == 1 and fake.orders_with("maker-x") == []


def test_insufficient_balance_stays_an_order_rejection(fake: FakeBinanceSpot) -> None:
    big = OrderRequest("BTCUSDT", Side.BUY, OrderType.LIMIT, D("1"), "big-1", price=D(34000), reference_price=D(35000))
    with pytest.raises(ExchangeRejected) as info:
        adapter(fake).place_order(big)
    assert info.value.code == "order_rejected" and info.value.exchange_code == -2010


@pytest.mark.parametrize(
    ("type_", "stop", "price", "fires_when"),
    [(OrderType.STOP_LOSS_LIMIT, "34000", "33900", "33950"), (OrderType.TAKE_PROFIT_LIMIT, "36000", "35900", "36100")],
)
def test_stop_limits_rest_until_the_market_reaches_their_stop(
    fake: FakeBinanceSpot, type_: OrderType, stop: str, price: str, fires_when: str
) -> None:
    exchange = adapter(fake)
    request = limit("stop-1", Side.SELL, price, type=type_, stop_price=D(stop), reference_price=D(35000))
    order = exchange.place_order(request)
    sent = fake.calls("POST", "/api/v3/order")[0]
    assert (sent["type"], sent["stopPrice"], sent["price"], sent["timeInForce"]) == (type_.value, stop, price, "GTC")
    assert order.status is OrderStatus.NEW and order.stop_price == D(stop) and order.type is type_
    fake.trade("BTCUSDT", fires_when)
    done = exchange.get_order_by_client_id("BTCUSDT", "stop-1")
    assert done is not None and done.status is OrderStatus.FILLED and done.fills


def test_a_stop_already_through_the_market_is_refused_as_would_trigger(fake: FakeBinanceSpot) -> None:
    request = limit(
        "stop-x", Side.SELL, "35900", type=OrderType.STOP_LOSS_LIMIT, stop_price=D(36000), reference_price=D(35000)
    )
    with pytest.raises(ExchangeRejected) as info:
        adapter(fake).place_order(request)
    assert info.value.code == "would_trigger"


# --- unknown outcomes and Binance's rules on ids --------------------------------------------------------------


@pytest.mark.parametrize("fault", ["500/-1000", "503/-1007", "504/html", "timeout", "dropped"])
@pytest.mark.parametrize("type_", [OrderType.LIMIT_MAKER, OrderType.STOP_LOSS_LIMIT])
def test_a_5xx_on_a_resting_order_that_executed_is_resolved_once(
    fake: FakeBinanceSpot, fault: str, type_: OrderType
) -> None:
    coid = f"rest-{type_.value}-{fault.replace('/', '_')}"[:36]
    stop = D(34500) if type_ is OrderType.STOP_LOSS_LIMIT else None
    fake.arm(fault)
    order = adapter(fake).place_order(
        limit(coid, Side.SELL, "34400" if stop else "36000", type=type_, stop_price=stop, reference_price=D(35000))
    )
    assert order.status is OrderStatus.NEW and order.type is type_
    assert len(fake.calls("POST", "/api/v3/order")) == 1 and len(fake.orders_with(coid)) == 1


def test_cancel_of_an_order_that_just_filled_returns_it_filled_with_its_fees(fake: FakeBinanceSpot) -> None:
    exchange = adapter(fake)
    exchange.place_order(limit("fills-first", reference_price=D(35000)))
    fake.trade("BTCUSDT", "33990")  # the market reaches the bid between the tick's read and its cancel
    order = exchange.cancel_order("BTCUSDT", "fills-first")
    assert order.status is OrderStatus.FILLED and order.executed_quantity == D("0.01")
    assert order.average_price == D(34000) and order.fees() == {"BTC": D("0.00001")}
    assert len(fake.calls("DELETE", "/api/v3/order")) == 1  # -2011, then a lookup: never a second cancel


def test_a_client_id_is_accepted_again_once_its_order_is_closed(fake: FakeBinanceSpot) -> None:
    exchange = adapter(fake)
    first = exchange.place_order(limit("reused-1", reference_price=D(35000)))
    exchange.cancel_order("BTCUSDT", "reused-1")
    second = exchange.place_order(limit("reused-1", price="33000", reference_price=D(35000)))
    assert second.status is OrderStatus.NEW and second.exchange_order_id != first.exchange_order_id
    assert [o.status for o in fake.orders_with("reused-1")] == ["CANCELED", "NEW"]


# --- filters ------------------------------------------------------------------------------------------------


def test_percent_price_by_side_refuses_locally_against_the_average_price(fake: FakeBinanceSpot) -> None:
    fake.percent_price = (D("1.05"), D("0.95"), D("1.05"), D("0.95"))
    exchange = adapter(fake)
    with pytest.raises(FilterRejected) as info:
        exchange.place_order(limit("far-1", price="30000"))  # no reference: the adapter asks for the average
    assert info.value.details["filter"] == "PERCENT_PRICE_BY_SIDE" and "33250" in info.value.message
    assert len(fake.calls("GET", "/api/v3/avgPrice")) == 1 and fake.calls("POST", "/api/v3/order") == []


def test_percent_price_by_side_refused_by_binance_when_the_reference_was_stale(fake: FakeBinanceSpot) -> None:
    fake.percent_price = (D("1.05"), D("0.95"), D("1.05"), D("0.95"))
    with pytest.raises(ExchangeRejected) as info:
        adapter(fake).place_order(limit("stale-1", price="31000", reference_price=D(32000)))
    assert info.value.code == "order_filter" and "PERCENT_PRICE_BY_SIDE" in info.value.message


def test_max_num_orders_is_parsed_and_binance_refuses_the_order_past_it(fake: FakeBinanceSpot) -> None:
    fake.max_num_orders = 2
    exchange = adapter(fake)
    assert exchange.symbol_rules("BTCUSDT").max_num_orders == 2
    exchange.place_order(limit("n-1", reference_price=D(35000)))
    exchange.place_order(limit("n-2", price="33000", reference_price=D(35000)))
    with pytest.raises(ExchangeRejected, match="MAX_NUM_ORDERS"):
        exchange.place_order(limit("n-3", price="32000", reference_price=D(35000)))


# --- OCO ----------------------------------------------------------------------------------------------------


def test_oco_happy_path_places_both_legs_in_one_call(fake: FakeBinanceSpot) -> None:
    placed = adapter(fake).place_oco(oco("p1"))
    sent = fake.calls("POST", "/api/v3/orderList/oco")
    assert len(sent) == 1
    assert {k: sent[0][k] for k in ("aboveType", "abovePrice", "belowType", "belowStopPrice", "belowPrice")} == {
        "aboveType": "LIMIT_MAKER",
        "abovePrice": "36000",
        "belowType": "STOP_LOSS_LIMIT",
        "belowStopPrice": "34000",
        "belowPrice": "33900",
    }
    assert sent[0]["belowTimeInForce"] == "GTC" and sent[0]["listClientOrderId"] == "p1-list"
    assert placed.list_client_order_id == "p1-list" and placed.is_open
    legs = {o.client_order_id: o for o in placed.orders}
    assert legs["p1-tp"].type is OrderType.LIMIT_MAKER and legs["p1-tp"].price == D(36000)
    assert legs["p1-sl"].type is OrderType.STOP_LOSS_LIMIT and legs["p1-sl"].stop_price == D(34000)
    assert {o.order_list_id for o in placed.orders} == {"p1-list"}
    assert fake.balances["BTC"] == D("0.99")  # one quantity locked for both legs


def test_open_orders_is_one_call_and_names_each_legs_list(fake: FakeBinanceSpot) -> None:
    adapter(fake).place_oco(oco("o1"))
    adapter(fake).place_order(limit("lone-1", reference_price=D(35000)))
    RestingOrders.list_ids = ListClientIds()  # a new process: the list numbers are unknown
    store = CountingStore()
    exchange = adapter(fake, store)
    first = exchange.open_orders("BTCUSDT")
    assert {(o.client_order_id, o.order_list_id) for o in first} == {
        ("o1-tp", "o1-list"),
        ("o1-sl", "o1-list"),
        ("lone-1", None),
    }
    assert store.reserved == [6, 4]  # openOrders, then the list's number resolved once
    exchange.open_orders("BTCUSDT")
    assert store.reserved == [6, 4, 6]  # a warm process: one call per tick


@pytest.mark.parametrize("fault", ALL_FAULTS)
def test_oco_answer_lost_after_it_executed_is_found_not_resent(fake: FakeBinanceSpot, fault: str) -> None:
    fake.arm(fault)
    found = adapter(fake).place_oco(oco("lost"))
    assert found.list_client_order_id == "lost-list" and len(found.orders) == 2 and found.is_open
    assert len(fake.calls("POST", "/api/v3/orderList/oco")) == 1 and len(fake.lists) == 1


def test_oco_that_never_shows_is_reported_unknown(fake: FakeBinanceSpot) -> None:
    real = fake.place_oco
    fake.place_oco = lambda p, new_order: (503, {"code": -1001, "msg": "Internal error"})  # type: ignore[method-assign]
    try:
        with pytest.raises(OrderOutcomeUnknown, match="do not resend"):
            adapter(fake).place_oco(oco("never"))
    finally:
        fake.place_oco = real  # type: ignore[method-assign]
    assert len(fake.calls("POST", "/api/v3/orderList/oco")) == 1
    assert len(fake.calls("GET", "/api/v3/orderList")) == RetryPolicy().lookup_attempts


def test_take_profit_fill_expires_the_stop_and_a_late_cancel_returns_the_list_done(fake: FakeBinanceSpot) -> None:
    exchange = adapter(fake)
    exchange.place_oco(oco("tp"))
    fake.trade("BTCUSDT", "36050")
    done = exchange.cancel_order_list("BTCUSDT", "tp-list")
    states = {o.client_order_id: o.status for o in done.orders}
    assert states == {"tp-tp": OrderStatus.FILLED, "tp-sl": OrderStatus.EXPIRED} and not done.is_open
    assert fake.balances["BTC"] == D("0.99") and fake.balances["USDT"] > D(10000)


def test_stop_trigger_expires_the_take_profit(fake: FakeBinanceSpot) -> None:
    exchange = adapter(fake)
    exchange.place_oco(oco("sl"))
    fake.trade("BTCUSDT", "33950")
    found = exchange.get_order_list("BTCUSDT", "sl-list")
    assert found is not None
    assert {o.client_order_id: o.status for o in found.orders} == {
        "sl-tp": OrderStatus.EXPIRED,
        "sl-sl": OrderStatus.FILLED,
    }


@pytest.mark.parametrize("fault", [None, "503/-1001", "timeout"])
def test_cancel_order_list_cancels_both_legs_once(fake: FakeBinanceSpot, fault: str | None) -> None:
    exchange = adapter(fake)
    exchange.place_oco(oco("cx"))
    if fault:
        fake.arm(fault)
    cancelled = exchange.cancel_order_list("BTCUSDT", "cx-list")
    assert {o.status for o in cancelled.orders} == {OrderStatus.CANCELED}
    assert len(fake.calls("DELETE", "/api/v3/orderList")) == 1 and fake.balances["BTC"] == D(1)


def test_an_oco_list_id_is_accepted_again_once_the_list_is_done(fake: FakeBinanceSpot) -> None:
    exchange = adapter(fake)
    exchange.place_oco(oco("again"))
    exchange.cancel_order_list("BTCUSDT", "again-list")
    exchange.place_oco(oco("again"))
    assert [x.is_open for x in fake.list_with("again-list")] == [False, True]


def test_oco_prices_the_wrong_way_round_are_refused_by_binance(fake: FakeBinanceSpot) -> None:
    with pytest.raises(ExchangeRejected) as info:  # the stop is above the last price: it would trigger at once
        adapter(fake).place_oco(oco("bad", tp="36000", stop="35500", stop_limit="35400"))
    assert info.value.code == "order_rejected" and "relationship of the prices" in info.value.message
    assert fake.lists == []


# --- cancel-replace -----------------------------------------------------------------------------------------


def test_cancel_replace_moves_a_take_profit_in_one_call(fake: FakeBinanceSpot) -> None:
    exchange = adapter(fake)
    exchange.place_order(limit("tp-g1", Side.SELL, "36000", type=OrderType.LIMIT_MAKER, reference_price=D(35000)))
    moved = exchange.cancel_replace(
        "tp-g1", limit("tp-g2", Side.SELL, "36500", type=OrderType.LIMIT_MAKER, reference_price=D(35000))
    )
    assert moved.old.status is OrderStatus.CANCELED and moved.old.client_order_id == "tp-g1"
    assert moved.new is not None and moved.new.price == D(36500) and moved.new.status is OrderStatus.NEW
    assert len(fake.calls("POST", "/api/v3/order/cancelReplace")) == 1 and fake.calls("DELETE", "/api/v3/order") == []


def test_cancel_replace_whose_new_maker_order_would_take_cancels_and_says_why(fake: FakeBinanceSpot) -> None:
    exchange = adapter(fake)
    exchange.place_order(limit("tp-h1", Side.SELL, "36000", type=OrderType.LIMIT_MAKER, reference_price=D(35000)))
    moved = exchange.cancel_replace(
        "tp-h1", limit("tp-h2", Side.SELL, "34900", type=OrderType.LIMIT_MAKER, reference_price=D(35000))
    )
    assert moved.old.status is OrderStatus.CANCELED and moved.new is None
    assert moved.new_error is not None and moved.new_error.code == "would_take"


def test_cancel_replace_of_an_order_that_filled_first_places_nothing(fake: FakeBinanceSpot) -> None:
    exchange = adapter(fake)
    exchange.place_order(limit("tp-i1", Side.SELL, "36000", type=OrderType.LIMIT_MAKER, reference_price=D(35000)))
    fake.trade("BTCUSDT", "36010")
    moved = exchange.cancel_replace(
        "tp-i1", limit("tp-i2", Side.SELL, "36500", type=OrderType.LIMIT_MAKER, reference_price=D(36010))
    )
    assert moved.old.status is OrderStatus.FILLED and moved.new is None and moved.new_error is None
    assert fake.orders_with("tp-i2") == []


@pytest.mark.parametrize("fault", ["500/-1000", "timeout", "dropped"])
def test_cancel_replace_answer_lost_is_resolved_by_lookup(fake: FakeBinanceSpot, fault: str) -> None:
    exchange = adapter(fake)
    exchange.place_order(limit("tp-j1", Side.SELL, "36000", type=OrderType.LIMIT_MAKER, reference_price=D(35000)))
    fake.arm(fault)
    moved = exchange.cancel_replace(
        "tp-j1", limit("tp-j2", Side.SELL, "36500", type=OrderType.LIMIT_MAKER, reference_price=D(35000))
    )
    assert moved.old.status is OrderStatus.CANCELED and moved.new is not None and moved.new.is_open
    assert len(fake.calls("POST", "/api/v3/order/cancelReplace")) == 1


def test_a_partial_fill_then_a_cancel_keeps_what_executed(fake: FakeBinanceSpot) -> None:
    exchange = adapter(fake)
    exchange.place_order(limit("part-1", reference_price=D(35000)))
    fake.trade("BTCUSDT", "33990", quantity="0.004")  # the candle's volume at the bid fills 0.004 of 0.01
    [resting] = exchange.open_orders("BTCUSDT")
    assert resting.status is OrderStatus.PARTIALLY_FILLED and resting.executed_quantity == D("0.004")
    cancelled = exchange.cancel_order("BTCUSDT", "part-1")
    assert cancelled.status is OrderStatus.CANCELED and cancelled.executed_quantity == D("0.004")
    assert cancelled.quote_quantity == D(136) and exchange.open_orders("BTCUSDT") == []
    # 0.004 BTC bought at 34000 less the 0.1% fee in BTC; the rest of the locked quote came back
    assert fake.balances["USDT"] == D(10000) - D(136) and fake.balances["BTC"] == D(1) + D("0.004") - D("0.000004")


def test_a_cancelled_order_that_filled_in_part_brings_the_fees_of_that_part(fake: FakeBinanceSpot) -> None:
    exchange = adapter(fake)
    exchange.place_oco(oco("pf"))
    fake.trade("BTCUSDT", "36000", quantity="0.003")  # the take-profit fills in part; the stop leg expires
    [tp] = exchange.open_orders("BTCUSDT")
    assert tp.client_order_id == "pf-tp" and tp.status is OrderStatus.PARTIALLY_FILLED
    cancelled = exchange.cancel_order_list("BTCUSDT", "pf-list")
    legs = {o.client_order_id: o for o in cancelled.orders}
    assert legs["pf-tp"].status is OrderStatus.CANCELED and legs["pf-tp"].executed_quantity == D("0.003")
    assert legs["pf-tp"].fees() == {"USDT": D("0.108")} and legs["pf-sl"].fills == ()
