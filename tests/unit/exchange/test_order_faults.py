"""Every answer Binance can give after an order request EXECUTED: one order on the exchange, never two.

Against `tests/fakes/binance_spot.py` over real HTTP, where, as on Binance, a client order id is unique only
among open orders: a filled market order's id places a new order if it is sent again. For each 5xx code Binance
documents (and an unknown one), a late answer past the read timeout and a dropped connection, the adapter
resolves the outcome by lookup and returns the one order that exists."""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from decimal import Decimal

import pytest

from chalicelib.adapters.binance import BinanceCredentials, BinanceEndpoint, BinanceSpotExchange, RetryPolicy
from chalicelib.adapters.binance.budget import InMemoryWeightStore, WeightBudget
from chalicelib.adapters.binance.exchange import ServerTimeOffsets
from chalicelib.domain.clock import ManualClock
from chalicelib.domain.errors import OrderOutcomeUnknown
from chalicelib.domain.orders import OrderRequest, OrderStatus, OrderType, Side
from tests.fakes.binance_spot import ALL_FAULTS, API_KEY, API_SECRET, FakeBinanceSpot

from .binance_fakes import SleepRecorder


@pytest.fixture()
def fake() -> Iterator[FakeBinanceSpot]:
    with FakeBinanceSpot(balances={"USDT": "10000", "BTC": "1"}, late_answer_s=0.6) as server:
        yield server


def adapter(
    fake: FakeBinanceSpot, offsets: ServerTimeOffsets | None = None
) -> tuple[BinanceSpotExchange, SleepRecorder]:
    clock = ManualClock(int(time.time() * 1000))
    sleep = SleepRecorder(clock)
    exchange = BinanceSpotExchange(
        BinanceEndpoint.custom(fake.url),
        WeightBudget(InMemoryWeightStore(), "egress-faults", clock, sleep),
        credentials=BinanceCredentials(API_KEY, API_SECRET),
        clock=clock,
        sleep=sleep,
        policy=RetryPolicy(rng=random.Random(3)),
        timeout_s=(2.0, 0.25),
        time_offsets=offsets or ServerTimeOffsets(),
    )
    return exchange, sleep


def market(side: Side, coid: str) -> OrderRequest:
    return OrderRequest("BTCUSDT", side, OrderType.MARKET, Decimal("0.002"), coid, reference_price=Decimal(35000))


def limit_buy(coid: str) -> OrderRequest:
    return OrderRequest("BTCUSDT", Side.BUY, OrderType.LIMIT, Decimal("0.002"), coid, price=Decimal("30000"))


def test_the_fake_keeps_client_order_ids_unique_among_open_orders_only(fake: FakeBinanceSpot) -> None:
    exchange, _ = adapter(fake)
    exchange.place_order(limit_buy("resting-1"))
    # Open: the same id again is a duplicate, and the adapter finds the resting order instead of placing.
    assert exchange.place_order(limit_buy("resting-1")).status is OrderStatus.NEW
    assert len(fake.orders_with("resting-1")) == 1
    # Filled: Binance accepts the same id again and fills a second time. This is why a resend is never safe.
    exchange.place_order(market(Side.BUY, "filled-1"))
    exchange.place_order(market(Side.BUY, "filled-1"))
    assert [o.status for o in fake.orders_with("filled-1")] == ["FILLED", "FILLED"]


@pytest.mark.parametrize("fault", ALL_FAULTS)
@pytest.mark.parametrize("side", [Side.BUY, Side.SELL])
def test_market_order_answered_with_a_failure_after_it_executed_fills_once(
    fake: FakeBinanceSpot, fault: str, side: Side
) -> None:
    exchange, _ = adapter(fake)
    coid = f"mkt-{side.value}-{fault.replace('/', '_')}"[:36]
    fake.arm(fault)
    order = exchange.place_order(market(side, coid))
    assert order.client_order_id == coid and order.status is OrderStatus.FILLED
    assert order.executed_quantity == Decimal("0.002")
    assert len(fake.orders_with(coid)) == 1, f"{fault}: the order was sent again and filled twice"
    assert len(fake.calls("POST", "/api/v3/order")) == 1
    assert [p["origClientOrderId"] for p in fake.calls("GET", "/api/v3/order")] == [coid]


@pytest.mark.parametrize("fault", ALL_FAULTS)
def test_limit_order_answered_with_a_failure_after_it_rested_is_placed_once(fake: FakeBinanceSpot, fault: str) -> None:
    exchange, _ = adapter(fake)
    coid = f"lim-{fault.replace('/', '_')}"[:36]
    fake.arm(fault)
    order = exchange.place_order(limit_buy(coid))
    assert order.status is OrderStatus.NEW and order.price == Decimal("30000")
    assert len(fake.orders_with(coid)) == 1 and len(fake.calls("POST", "/api/v3/order")) == 1


@pytest.mark.parametrize("fault", ALL_FAULTS)
def test_cancel_answered_with_a_failure_after_it_executed_is_resolved_by_lookup(
    fake: FakeBinanceSpot, fault: str
) -> None:
    exchange, _ = adapter(fake)
    coid = f"cxl-{fault.replace('/', '_')}"[:36]
    exchange.place_order(limit_buy(coid))
    fake.arm(fault)
    order = exchange.cancel_order("BTCUSDT", coid)
    assert order.client_order_id == coid and order.status is OrderStatus.CANCELED
    assert len(fake.calls("DELETE", "/api/v3/order")) == 1, f"{fault}: the cancel was sent again"
    assert [o.status for o in fake.orders_with(coid)] == ["CANCELED"]


def test_an_order_not_visible_at_once_is_looked_up_again_never_resent(fake: FakeBinanceSpot) -> None:
    fake.lookup_lag = 2  # Binance may answer -2013 for a moment after placing
    exchange, sleep = adapter(fake)
    fake.arm("503/-1001")
    order = exchange.place_order(market(Side.BUY, "lagging-1"))
    assert order.status is OrderStatus.FILLED and len(fake.orders_with("lagging-1")) == 1
    assert len(fake.calls("GET", "/api/v3/order")) == 3 and len(sleep.calls) == 2


def test_an_order_the_exchange_never_shows_is_reported_unknown_not_resent(fake: FakeBinanceSpot) -> None:
    fake.lookup_lag = 100
    exchange, _ = adapter(fake)
    fake.arm("500/-1000")
    with pytest.raises(OrderOutcomeUnknown) as info:
        exchange.place_order(market(Side.BUY, "hidden-1"))
    assert "do not resend" in info.value.message
    assert len(fake.calls("POST", "/api/v3/order")) == 1 and len(fake.orders_with("hidden-1")) == 1


def test_a_cancel_that_did_not_take_effect_is_reported_unknown_not_resent(fake: FakeBinanceSpot) -> None:
    exchange, _ = adapter(fake)
    exchange.place_order(limit_buy("still-open"))
    fake.arm("503/-1001")
    # The cancel executed on the fake; put the order back to open as if the cancel had been lost inside Binance.
    real_cancel = fake.cancel

    def lost_cancel(params: dict[str, str]) -> tuple[int, object]:
        return 503, {"code": -1001, "msg": "Internal error"}

    fake.cancel = lost_cancel  # type: ignore[method-assign]
    try:
        with pytest.raises(OrderOutcomeUnknown, match="still open"):
            exchange.cancel_order("BTCUSDT", "still-open")
    finally:
        fake.cancel = real_cancel  # type: ignore[method-assign]
    assert len(fake.calls("DELETE", "/api/v3/order")) == 1
    assert [o.status for o in fake.orders_with("still-open")] == ["NEW"]


def test_a_4xx_rate_limit_on_an_order_may_be_retried(fake: FakeBinanceSpot) -> None:
    """The only answers after which an order is sent again: Binance documents 4xx as the request's own fault."""
    exchange, sleep = adapter(fake)
    real_place = fake.place
    answers = iter([(429, {"code": -1015, "msg": "Too many new orders; current limit is 50 orders per 10 SECOND."})])

    def place_once_refused(params: dict[str, str]) -> tuple[int, object]:
        return next(answers, None) or real_place(params)

    fake.place = place_once_refused  # type: ignore[method-assign]
    order = exchange.place_order(market(Side.BUY, "after-429"))
    assert order.status is OrderStatus.FILLED and len(fake.orders_with("after-429")) == 1
    assert len(fake.calls("POST", "/api/v3/order")) == 2 and len(sleep.calls) == 1


def test_a_skewed_clock_costs_one_resync_per_process_not_one_per_adapter(fake: FakeBinanceSpot) -> None:
    fake.clock_offset_ms = -4_000  # this machine's clock runs 4 s ahead of Binance's
    offsets = ServerTimeOffsets()
    for _tick in range(3):  # each tick builds a new adapter
        exchange, _ = adapter(fake, offsets)
        exchange.balances()
    assert len(fake.calls("GET", "/api/v3/time")) == 1
    assert len(fake.calls("GET", "/api/v3/account")) == 4  # one -1021, then three accepted


def test_a_measured_offset_is_refreshed_after_its_interval(fake: FakeBinanceSpot) -> None:
    fake.clock_offset_ms = -4_000
    now = [0.0]
    offsets = ServerTimeOffsets(refresh_s=900, monotonic=lambda: now[0])
    adapter(fake, offsets)[0].balances()
    now[0] = 901.0
    adapter(fake, offsets)[0].balances()
    assert len(fake.calls("GET", "/api/v3/time")) == 2
