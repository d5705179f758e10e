"""The paper exchange's resting-order book on moto-backed DynamoDB (#14): every order type, OCO lists,
partial fills by the 10% volume rule, fills on candles that passed while nobody read the account, duplicate
placements, and concurrent settles and cancels that book each fill once."""

from __future__ import annotations

import threading
import uuid
from dataclasses import replace
from decimal import Decimal
from typing import Any

import pytest

from chalicelib.domain.candles import Candle
from chalicelib.domain.clock import ManualClock
from chalicelib.domain.errors import ExchangeRejected, NotFound
from chalicelib.domain.orders import OcoRequest, OrderRequest, OrderStatus, OrderType, Side, TimeInForce
from tests.fakes.memory_market import minute_open_of

D = Decimal
T0 = 1_699_999_980_000
MINUTE = 60_000
FEE = D("0.001")


class CandleMarket:
    """1m candles with their own open, high, low, close and volume (closed when close_time <= end_ms)."""

    def __init__(self) -> None:
        self.candles: list[Candle] = []

    def add(self, open_: str, high: str, low: str, close: str, volume: str = "100") -> None:
        start = self.candles[-1].open_time + MINUTE if self.candles else T0 - MINUTE
        self.candles.append(Candle(start, D(open_), D(high), D(low), D(close), D(volume), start + MINUTE - 1))

    def flat(self, price: str, volume: str = "100") -> None:
        self.add(price, price, price, price, volume)

    def closed_candles(
        self, symbol: str, interval: str, *, limit: int = 500, end_ms: int | None = None
    ) -> list[Candle]:
        end = end_ms if end_ms is not None else 2**62
        return [c for c in self.candles if c.close_time <= end][-limit:]

    def minute_open(self, symbol: str, at_ms: int) -> D | None:
        return minute_open_of(self.candles, at_ms)


class Counting:
    """The store, counting the calls the exchange makes to it (each is one DynamoDB request)."""

    def __init__(self, store: Any) -> None:
        self.store, self.calls = store, []  # type: ignore[var-annotated]

    def __getattr__(self, name: str) -> Any:
        method = getattr(self.store, name)

        def counted(*args: Any, **kwargs: Any) -> Any:
            self.calls.append(name)
            return method(*args, **kwargs)

        return counted


@pytest.fixture()
def book(aws: Any) -> Any:
    from chalicelib.adapters.dynamo.paper import DynamoPaperStore
    from chalicelib.adapters.market.catalog import StaticSymbolCatalog
    from chalicelib.adapters.paper_exchange import PaperExchange

    market = CandleMarket()
    market.flat("35000")  # the last closed candle when orders are placed
    clock = ManualClock(T0)  # orders placed now fill from the candle opening now on
    store = Counting(DynamoPaperStore())
    account = f"bot-{uuid.uuid4().hex[:8]}"
    store.seed(account, {"USDT": D("1000"), "BTC": D("0.01")})

    def exchange() -> Any:
        return PaperExchange(account, store, market, StaticSymbolCatalog(), clock, slippage=D("0.001"))

    class Book:
        pass

    b = Book()
    b.exchange, b.new, b.store, b.market, b.clock = exchange(), exchange, store, market, clock  # type: ignore[attr-defined]
    return b


def balances(exchange: Any) -> dict[str, tuple[Decimal, Decimal]]:
    return {b.asset: (b.free, b.locked) for b in exchange.balances()}


def after_candles(book: Any) -> None:
    """The clock moves to just after the last candle closed."""
    book.clock.set(book.market.candles[-1].close_time + 1)


def limit(cid: str, side: Side, qty: str, price: str, tif: TimeInForce | None = None) -> OrderRequest:
    return OrderRequest("BTCUSDT", side, OrderType.LIMIT, D(qty), cid, price=D(price), time_in_force=tif)


def oco(
    list_id: str, qty: str = "0.01", tp: str = "36000", stop: str = "34000", stop_limit: str = "33900"
) -> OcoRequest:
    return OcoRequest("BTCUSDT", D(qty), list_id, f"{list_id}-tp", D(tp), f"{list_id}-sl", D(stop), D(stop_limit))


# --- LIMIT ------------------------------------------------------------------------------------------------


def test_a_resting_buy_fills_partially_by_volume_then_the_rest_at_a_gapping_open(book: Any) -> None:
    ex = book.exchange
    assert ex.place_order(limit("lim-1", Side.BUY, "0.01", "34500")).status is OrderStatus.NEW
    assert balances(ex)["USDT"] == (D("655"), D("345"))
    book.market.add("34800", "34900", "34400", "34600", volume="0.05")  # reaches 34500; 10% of 0.05 = 0.005
    after_candles(book)
    part = ex.get_order_by_client_id("BTCUSDT", "lim-1")
    assert part.status is OrderStatus.PARTIALLY_FILLED and part.executed_quantity == D("0.005")
    assert part.fills[0].price == D("34500") and part.fills[0].fee == D("0.000005")
    assert balances(ex)["USDT"] == (D("655"), D("172.5"))
    book.market.add("34400", "34450", "34300", "34350", volume="1")  # opens through the limit: fills at 34400
    after_candles(book)
    done = ex.get_order_by_client_id("BTCUSDT", "lim-1")
    assert done.status is OrderStatus.FILLED and [f.price for f in done.fills] == [D("34500"), D("34400")]
    assert done.average_price == D("34450")
    after = balances(ex)
    assert after["USDT"] == (D("1000") - D("172.5") - D("172"), 0)  # the gap's 0.5 USDT came back
    assert after["BTC"] == (D("0.01") + D("0.01") - D("0.00001"), 0)


def test_an_order_rests_from_the_minute_it_was_placed_in_and_never_on_bars_before(book: Any) -> None:
    """The paper exchange acts at the open of the minute in progress, so an order placed 30 s into a minute is
    walked from that minute's bar (as a backtest's order rests from the bar after its decision); a bar that
    closed before it was placed never fills it."""
    ex = book.exchange
    book.market.candles[-1] = replace(book.market.candles[-1], high=D("36000"))  # closed before the order
    book.clock.advance(30_000)  # placed in the middle of the next minute
    ex.place_order(limit("lim-2", Side.SELL, "0.005", "35500"))
    assert ex.get_order_by_client_id("BTCUSDT", "lim-2").status is OrderStatus.NEW
    book.market.add("35000", "36000", "35000", "35000")
    after_candles(book)
    filled = ex.get_order_by_client_id("BTCUSDT", "lim-2")
    assert filled.status is OrderStatus.FILLED and filled.fills[0].price == D("35500")


def test_partial_fill_then_cancel_releases_what_is_left(book: Any) -> None:
    ex = book.exchange
    ex.place_order(limit("ask-1", Side.SELL, "0.01", "35500"))
    assert balances(ex)["BTC"] == (D("0"), D("0.01"))
    book.market.add("35100", "35600", "35050", "35400", volume="0.03")  # fills 0.003 at 35500
    after_candles(book)
    cancelled = ex.cancel_order("BTCUSDT", "ask-1")
    assert cancelled.status is OrderStatus.CANCELED and cancelled.executed_quantity == D("0.003")
    proceeds = D("0.003") * D("35500")
    after = balances(ex)
    assert after["BTC"] == (D("0.007"), 0)
    assert after["USDT"] == (D("1000") + proceeds - proceeds * FEE, 0)
    assert ex.open_orders("BTCUSDT") == []
    assert ex.cancel_order("BTCUSDT", "ask-1") == cancelled  # a finished order is returned as it is


def test_ioc_that_cannot_fill_expires_and_holds_nothing(book: Any) -> None:
    ex = book.exchange
    order = ex.place_order(limit("ioc-1", Side.BUY, "0.01", "34000", TimeInForce.IOC))
    assert order.status is OrderStatus.EXPIRED and order.executed_quantity == 0
    assert balances(ex)["USDT"] == (D("1000"), 0)
    assert ex.get_order_by_client_id("BTCUSDT", "ioc-1").status is OrderStatus.EXPIRED


def test_ioc_fills_what_the_last_candle_allows_and_expires_the_rest(book: Any) -> None:
    book.market.candles[-1] = Candle(T0 - MINUTE, *(D("35000"),) * 4, D("0.04"), T0 - 1)  # 10%: 0.004
    ex = book.exchange
    order = ex.place_order(limit("ioc-2", Side.BUY, "0.01", "35010", TimeInForce.IOC))
    assert order.status is OrderStatus.EXPIRED and order.executed_quantity == D("0.004")
    assert order.average_price == D("35010")  # 35035 slipped, capped at the limit
    after = balances(ex)
    assert after["USDT"] == (D("1000") - D("0.004") * D("35010"), 0)
    assert after["BTC"] == (D("0.014") - D("0.000004"), 0)


def test_a_marketable_gtc_limit_rests_what_the_last_candle_could_not_fill(book: Any) -> None:
    book.market.candles[-1] = Candle(T0 - MINUTE, *(D("35000"),) * 4, D("0.04"), T0 - 1)
    ex = book.exchange
    order = ex.place_order(limit("gtc-1", Side.BUY, "0.01", "35010"))
    assert order.status is OrderStatus.PARTIALLY_FILLED and order.executed_quantity == D("0.004")
    assert balances(ex)["USDT"] == (D("1000") - D("0.004") * D("35010") - D("210.06"), D("210.06"))
    assert [o.client_order_id for o in ex.open_orders("BTCUSDT")] == ["gtc-1"]


# --- LIMIT_MAKER and stops -----------------------------------------------------------------------------------


def test_limit_maker_that_would_take_is_rejected_like_binance(book: Any) -> None:
    ex = book.exchange
    request = OrderRequest("BTCUSDT", Side.BUY, OrderType.LIMIT_MAKER, D("0.001"), "mk-1", price=D("35100"))
    with pytest.raises(ExchangeRejected) as info:
        ex.place_order(request)
    assert info.value.exchange_code == -2010 and info.value.message == "Order would immediately match and take."
    assert ex.get_order_by_client_id("BTCUSDT", "mk-1") is None and balances(ex)["USDT"] == (D("1000"), 0)


def test_limit_maker_below_the_market_rests_and_fills_at_its_price(book: Any) -> None:
    ex = book.exchange
    ex.place_order(OrderRequest("BTCUSDT", Side.BUY, OrderType.LIMIT_MAKER, D("0.001"), "mk-2", price=D("34900")))
    book.market.add("34990", "35000", "34850", "34950")
    after_candles(book)
    filled = ex.get_order_by_client_id("BTCUSDT", "mk-2")
    assert filled.status is OrderStatus.FILLED and filled.average_price == D("34900")


def test_a_stop_that_would_trigger_at_once_is_rejected(book: Any) -> None:
    request = OrderRequest(
        "BTCUSDT", Side.SELL, OrderType.STOP_LOSS_LIMIT, D("0.01"), "sl-0",
        price=D("35100"), stop_price=D("35200"), time_in_force=TimeInForce.GTC,
    )  # fmt: skip
    with pytest.raises(ExchangeRejected, match="Stop price would trigger immediately"):
        book.exchange.place_order(request)


def stop_loss(cid: str, stop: str = "34000", limit_price: str = "33900") -> OrderRequest:
    return OrderRequest(
        "BTCUSDT", Side.SELL, OrderType.STOP_LOSS_LIMIT, D("0.01"), cid,
        price=D(limit_price), stop_price=D(stop), time_in_force=TimeInForce.GTC,
    )  # fmt: skip


def test_stop_loss_limit_fills_at_its_limit_when_the_price_falls_through_the_stop(book: Any) -> None:
    ex = book.exchange
    ex.place_order(stop_loss("sl-1"))
    assert balances(ex)["BTC"] == (0, D("0.01"))
    book.market.add("34500", "34600", "34100", "34200")  # above the stop: nothing
    after_candles(book)
    assert ex.get_order_by_client_id("BTCUSDT", "sl-1").status is OrderStatus.NEW
    book.market.add("34200", "34250", "33950", "34000")  # low 33950 <= stop 34000, opened above: at the limit
    after_candles(book)
    filled = ex.get_order_by_client_id("BTCUSDT", "sl-1")
    assert filled.status is OrderStatus.FILLED and filled.average_price == D("33900")


def test_stop_loss_limit_gapped_below_its_limit_rests_until_the_price_comes_back(book: Any) -> None:
    ex = book.exchange
    ex.place_order(stop_loss("sl-2"))
    book.market.add("33800", "33850", "33700", "33750")  # opened below the limit: triggered, no fill
    after_candles(book)
    assert ex.get_order_by_client_id("BTCUSDT", "sl-2").status is OrderStatus.NEW
    book.market.add("33750", "33880", "33700", "33850")  # still under the limit
    book.market.add("33850", "33950", "33800", "33900")  # reaches the limit: a sell limit fills at 33900
    after_candles(book)
    filled = ex.get_order_by_client_id("BTCUSDT", "sl-2")
    assert filled.status is OrderStatus.FILLED and filled.average_price == D("33900")


def test_take_profit_limit_triggers_on_the_high(book: Any) -> None:
    ex = book.exchange
    request = OrderRequest(
        "BTCUSDT", Side.SELL, OrderType.TAKE_PROFIT_LIMIT, D("0.01"), "tp-1",
        price=D("35900"), stop_price=D("36000"), time_in_force=TimeInForce.GTC,
    )  # fmt: skip
    ex.place_order(request)
    book.market.add("35500", "35950", "35400", "35900")  # below the trigger
    book.market.add("35900", "36100", "35800", "36050")  # triggers at 36000, sells at its 35900 limit
    after_candles(book)
    filled = ex.get_order_by_client_id("BTCUSDT", "tp-1")
    assert filled.status is OrderStatus.FILLED and filled.average_price == D("35900")
    assert balances(ex)["USDT"][0] == D("1000") + D("359") - D("0.359")


# --- OCO ----------------------------------------------------------------------------------------------------


def test_oco_reserves_once_and_lists_both_legs(book: Any) -> None:
    ex = book.exchange
    placed = ex.place_oco(oco("oco-1"))
    assert [o.type for o in placed.orders] == [OrderType.LIMIT_MAKER, OrderType.STOP_LOSS_LIMIT]
    assert balances(ex)["BTC"] == (0, D("0.01"))
    open_now = ex.open_orders("BTCUSDT")
    assert {o.client_order_id for o in open_now} == {"oco-1-tp", "oco-1-sl"}
    assert {o.order_list_id for o in open_now} == {"oco-1"}
    assert {o.client_order_id: o.stop_price for o in open_now} == {"oco-1-sl": D("34000"), "oco-1-tp": None}


def test_oco_take_profit_fills_and_the_stop_expires(book: Any) -> None:
    ex = book.exchange
    ex.place_oco(oco("oco-2"))
    book.market.add("35500", "36200", "35400", "36100")
    after_candles(book)
    assert ex.open_orders("BTCUSDT") == []
    legs = {o.client_order_id: o for o in (ex.get_order_by_client_id("BTCUSDT", c) for c in ("oco-2-tp", "oco-2-sl"))}
    assert legs["oco-2-tp"].status is OrderStatus.FILLED and legs["oco-2-tp"].average_price == D("36000")
    assert legs["oco-2-sl"].status is OrderStatus.EXPIRED
    assert balances(ex) == {"USDT": (D("1000") + D("360") - D("0.36"), 0)}


def test_oco_candle_reaching_both_legs_takes_the_stop(book: Any) -> None:
    ex = book.exchange
    ex.place_oco(oco("oco-3"))
    book.market.add("35000", "36500", "33000", "34000")
    after_candles(book)
    stop = ex.get_order_by_client_id("BTCUSDT", "oco-3-sl")
    assert stop.status is OrderStatus.FILLED and stop.average_price == D("33900")
    assert ex.get_order_by_client_id("BTCUSDT", "oco-3-tp").status is OrderStatus.EXPIRED


def test_cancelling_an_oco_list_or_one_leg_cancels_both_and_releases_once(book: Any) -> None:
    ex = book.exchange
    ex.place_oco(oco("oco-4", qty="0.004"))
    cancelled = ex.cancel_order_list("BTCUSDT", "oco-4")
    assert {o.status for o in cancelled.orders} == {OrderStatus.CANCELED} and not cancelled.is_open
    assert balances(ex)["BTC"] == (D("0.01"), 0)
    ex.place_oco(oco("oco-5", qty="0.004"))
    assert ex.cancel_order("BTCUSDT", "oco-5-sl").status is OrderStatus.CANCELED
    assert ex.get_order_by_client_id("BTCUSDT", "oco-5-tp").status is OrderStatus.CANCELED
    assert balances(ex)["BTC"] == (D("0.01"), 0)
    assert ex.cancel_order_list("BTCUSDT", "oco-5").list_client_order_id == "oco-5"  # finished: as it is
    with pytest.raises(NotFound):
        ex.cancel_order_list("BTCUSDT", "no-such-list")


def test_oco_prices_must_straddle_the_market(book: Any) -> None:
    with pytest.raises(ExchangeRejected, match="relationship of the prices"):
        book.exchange.place_oco(oco("oco-6", tp="36000", stop="35100", stop_limit="35000"))


# --- the platform was down ---------------------------------------------------------------------------------------


def falling_ten_minutes(book: Any) -> None:
    """35000 down to 33550 over ten minutes. Only the sixth candle opens between the stop's limit (33900) and
    its stop (34000), so a fill at 33980 is a fill on that candle and no other; the last candles open below
    the limit, where a stop-limit triggering late would not fill at all."""
    for open_, low, close in [
        ("34900", "34650", "34700"), ("34700", "34450", "34500"), ("34500", "34250", "34300"),
        ("34300", "34150", "34200"), ("34200", "34050", "34100"), ("33980", "33900", "33950"),
        ("33950", "33800", "33850"), ("33850", "33700", "33750"), ("33750", "33600", "33650"),
        ("33650", "33500", "33550"),
    ]:  # fmt: skip
        book.market.add(open_, open_, low, close)


def test_a_stop_fills_on_the_right_candle_after_ten_minutes_nobody_read_the_account(book: Any) -> None:
    ex = book.exchange
    ex.place_order(stop_loss("sl-down"))
    falling_ten_minutes(book)
    book.clock.advance(10 * MINUTE)
    assert ex.open_orders("BTCUSDT") == []
    filled = ex.get_order_by_client_id("BTCUSDT", "sl-down")
    assert filled.status is OrderStatus.FILLED and [f.price for f in filled.fills] == [D("33980")]
    assert balances(ex) == {"USDT": (D("1000") + D("339.8") - D("0.3398"), 0)}


def test_an_oco_stop_fills_while_the_platform_was_down(book: Any) -> None:
    ex = book.exchange
    ex.place_oco(oco("oco-down"))
    falling_ten_minutes(book)
    book.clock.advance(10 * MINUTE)
    assert balances(ex) == {"USDT": (D("1000") + D("339.8") - D("0.3398"), 0)}  # balances settle too
    assert ex.get_order_by_client_id("BTCUSDT", "oco-down-sl").average_price == D("33980")
    assert ex.get_order_by_client_id("BTCUSDT", "oco-down-tp").status is OrderStatus.EXPIRED


def test_a_partial_fill_is_never_counted_twice_across_reads(book: Any) -> None:
    ex = book.exchange
    ex.place_order(limit("slow-1", Side.BUY, "0.01", "34500"))
    for _ in range(4):
        book.market.add("34600", "34600", "34400", "34500", volume="0.02")  # 0.002 a candle
        after_candles(book)
        ex.open_orders("BTCUSDT")
        ex.balances()
    order = ex.get_order_by_client_id("BTCUSDT", "slow-1")
    assert order.executed_quantity == D("0.008") and len(order.fills) == 4
    assert balances(ex)["BTC"] == (D("0.018") - D("0.000008"), 0)


# --- exactly once ------------------------------------------------------------------------------------------------


def test_placing_the_same_resting_order_or_list_twice_places_it_once(book: Any) -> None:
    ex = book.exchange
    first = ex.place_order(limit("dup-1", Side.BUY, "0.01", "34500"))
    assert ex.place_order(limit("dup-1", Side.BUY, "0.01", "34500")) == first
    assert balances(ex)["USDT"] == (D("655"), D("345"))
    listed = ex.place_oco(oco("dup-oco", qty="0.005"))
    again = ex.place_oco(oco("dup-oco", qty="0.005"))
    assert {o.client_order_id for o in again.orders} == {o.client_order_id for o in listed.orders}
    assert balances(ex)["BTC"] == (D("0.005"), D("0.005"))


def test_a_retried_maker_the_price_has_since_crossed_is_the_order_placed(book: Any) -> None:
    ex = book.exchange
    request = OrderRequest("BTCUSDT", Side.SELL, OrderType.LIMIT_MAKER, D("0.005"), "mk-3", price=D("35100"))
    placed = ex.place_order(request)
    book.market.add("35000", "35200", "35000", "35200", volume="0.00001")  # crosses it, too thin to fill a lot step
    after_candles(book)
    assert ex.place_order(request) == placed


def test_one_dynamodb_call_to_place_and_one_to_read_open_orders(book: Any) -> None:
    ex, store = book.exchange, book.store
    ex.place_oco(oco("calls", qty="0.005"))
    ex.place_order(limit("calls-b", Side.BUY, "0.001", "34000"))
    assert store.calls[-2:] == ["record_new", "record_new"]
    book.market.flat("35000")
    book.clock.advance(5 * MINUTE)
    store.calls.clear()
    assert len(ex.open_orders("BTCUSDT")) == 3 and store.calls == ["open_orders"]


def test_concurrent_settles_book_a_fill_once(book: Any) -> None:
    ex = book.exchange
    ex.place_order(limit("race-1", Side.BUY, "0.01", "34500"))
    book.market.add("34600", "34700", "34400", "34500", volume="0.05")  # 0.005 here
    book.market.add("34500", "34500", "34300", "34400", volume="1")  # the rest at the 34500 open
    after_candles(book)
    start = threading.Barrier(6)

    def read(k: int) -> None:
        other = book.new()
        start.wait()
        other.open_orders("BTCUSDT") if k % 2 else other.get_order_by_client_id("BTCUSDT", "race-1")

    threads = [threading.Thread(target=read, args=(k,)) for k in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    order = ex.get_order_by_client_id("BTCUSDT", "race-1")
    assert order.status is OrderStatus.FILLED and len(order.fills) == 2
    assert balances(ex) == {"USDT": (D("655"), 0), "BTC": (D("0.02") - D("0.00001"), 0)}


@pytest.mark.parametrize("run", range(3))
def test_a_cancel_racing_a_fill_leaves_balances_consistent(book: Any, run: int) -> None:
    ex = book.exchange
    ex.place_order(limit("cx-1", Side.BUY, "0.01", "34500"))
    book.market.add("34600", "34700", "34400", "34500", volume="0.05")
    after_candles(book)
    start = threading.Barrier(4)

    def act(k: int) -> None:
        other = book.new()
        start.wait()
        other.cancel_order("BTCUSDT", "cx-1") if k == run else other.open_orders("BTCUSDT")

    threads = [threading.Thread(target=act, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    order = ex.get_order_by_client_id("BTCUSDT", "cx-1")
    assert order.status is OrderStatus.CANCELED and order.executed_quantity == D("0.005")
    spent = sum(f.price * f.quantity for f in order.fills)
    assert balances(ex) == {"USDT": (D("1000") - spent, 0), "BTC": (D("0.015") - D("0.000005"), 0)}


# --- long rests ---------------------------------------------------------------------------------------------------


def test_a_day_long_rest_is_walked_page_by_page_and_fills_on_its_candle(book: Any) -> None:
    ex, store = book.exchange, book.store
    ex.place_order(limit("day-1", Side.BUY, "0.001", "30000"))
    for _ in range(1500):  # more than one page of the market's candles
        book.market.flat("35000")
    book.market.add("31000", "31000", "29500", "30500")  # the one candle that reaches the 30000 limit
    book.market.flat("30500")
    after_candles(book)
    store.calls.clear()
    assert ex.open_orders("BTCUSDT") == []
    assert store.calls == ["open_orders", "commit"]  # one read, one write for the fill
    assert ex.get_order_by_client_id("BTCUSDT", "day-1").fills[0].price == D("30000")


def test_a_quiet_order_is_checkpointed_so_later_reads_walk_from_there(book: Any) -> None:
    from chalicelib.adapters.paper_book import CHECKPOINT_CANDLES

    ex, store = book.exchange, book.store
    ex.place_order(limit("quiet-1", Side.BUY, "0.001", "30000"))
    for _ in range(CHECKPOINT_CANDLES - 1):
        book.market.flat("35000")
    after_candles(book)
    store.calls.clear()
    ex.open_orders("BTCUSDT")
    assert "commit" not in store.calls  # a quiet read writes nothing
    book.market.flat("35000")
    after_candles(book)
    ex.open_orders("BTCUSDT")
    assert store.calls.count("commit") == 1
    checkpoint = store.get_order(ex._account, "quiet-1")
    assert (
        checkpoint.settled_ms == book.market.candles[-1].close_time + 1 and checkpoint.order.status is OrderStatus.NEW
    )
    store.calls.clear()
    ex.open_orders("BTCUSDT")
    assert store.calls == ["open_orders"]


def test_a_retried_oco_the_price_has_since_moved_through_is_the_list_placed(book: Any) -> None:
    ex = book.exchange
    placed = ex.place_oco(oco("oco-retry", qty="0.005"))
    # Closes below the stop (a new OCO at these prices is refused) on too thin a volume to fill a lot step:
    # the stop triggered, so the take-profit expired, and the stop rests as a limit.
    book.market.add("35000", "35000", "33950", "33950", volume="0.00001")
    after_candles(book)
    again = ex.place_oco(oco("oco-retry", qty="0.005"))
    assert [o.client_order_id for o in again.orders] == [o.client_order_id for o in placed.orders]
    assert [o.status for o in again.orders] == [OrderStatus.EXPIRED, OrderStatus.NEW]
    assert balances(ex)["BTC"] == (D("0.005"), D("0.005"))
    with pytest.raises(NotFound):
        ex.cancel_order_list("ETHUSDT", "oco-retry")


@pytest.mark.parametrize(
    ("order_type", "side", "price", "stop"),
    [
        (OrderType.LIMIT, Side.BUY, "34000", None),
        (OrderType.LIMIT_MAKER, Side.SELL, "36000", None),
        (OrderType.STOP_LOSS_LIMIT, Side.SELL, "33900", "34000"),
        (OrderType.TAKE_PROFIT_LIMIT, Side.SELL, "35900", "36000"),
        (OrderType.STOP_LOSS_LIMIT, Side.BUY, "36100", "36000"),
    ],
)
def test_every_resting_type_cancels_and_gives_its_reservation_back(
    book: Any, order_type: OrderType, side: Side, price: str, stop: str | None
) -> None:
    ex = book.exchange
    tif = None if order_type is OrderType.LIMIT_MAKER else TimeInForce.GTC
    request = OrderRequest(
        "BTCUSDT", side, order_type, D("0.005"), "cx-any", price=D(price),
        stop_price=D(stop) if stop else None, time_in_force=tif,
    )  # fmt: skip
    assert ex.place_order(request).status is OrderStatus.NEW
    held = balances(ex)["USDT" if side is Side.BUY else "BTC"][1]
    assert held == (D("0.005") * D(price) if side is Side.BUY else D("0.005"))
    assert ex.cancel_order("BTCUSDT", "cx-any").status is OrderStatus.CANCELED
    assert balances(ex) == {"USDT": (D("1000"), 0), "BTC": (D("0.01"), 0)}
    with pytest.raises(NotFound):
        ex.cancel_order("BTCUSDT", "never-placed")
