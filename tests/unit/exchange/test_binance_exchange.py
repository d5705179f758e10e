"""The Binance adapter against canned answers served through python-binance's real HTTP path."""

from __future__ import annotations

import subprocess
import sys
from decimal import Decimal
from typing import Any

import pytest
import requests
import responses

from chalicelib.adapters.binance import MAINNET, TESTNET, BinanceEndpoint, InMemoryWeightStore
from chalicelib.domain.clock import ManualClock
from chalicelib.domain.errors import (
    ExchangeOperationalError,
    ExchangeRejected,
    ExchangeTemporaryError,
    NotFound,
    OrderOutcomeUnknown,
)
from chalicelib.domain.orders import OrderRequest, OrderStatus, OrderType, Side
from chalicelib.domain.symbols import FilterRejected

from .binance_fakes import (
    API,
    T0,
    error,
    exchange_info,
    make_exchange,
    my_trade,
    order_ack,
    query_order,
    signed_params,
)

ORDER_URL = f"{API}/order"


@pytest.fixture()
def rsps() -> Any:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.get(f"{API}/exchangeInfo", json=exchange_info())
        # A query-order answer has no fills; an order found by lookup gets its fees from its trades.
        mock.get(f"{API}/myTrades", json=[my_trade()])
        yield mock


def _calls(rsps: Any, url: str, method: str | None = None) -> list[Any]:
    return [c.request for c in rsps.calls if c.request.url.split("?")[0] == url and method in (None, c.request.method)]


def market_buy(coid: str = "bot1-t1-entry", qty: str = "0.001239") -> OrderRequest:
    return OrderRequest("BTCUSDT", Side.BUY, OrderType.MARKET, Decimal(qty), coid, reference_price=Decimal("35000"))


# --- construction and configuration ------------------------------------------------------------------


def test_importing_the_adapter_does_not_import_python_binance() -> None:
    code = (
        "import sys; import chalicelib.adapters.binance, chalicelib.adapters.paper_exchange; "
        "assert 'binance' not in sys.modules and 'binance.client' not in sys.modules, 'binance imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


def test_construction_makes_no_network_call() -> None:
    with responses.RequestsMock() as mock:  # any request would fail: nothing is registered
        make_exchange()
        assert len(mock.calls) == 0


@pytest.mark.parametrize(
    ("env", "base", "expected"),
    [
        ("mainnet", None, "https://api.binance.com/api"),
        ("testnet", None, "https://testnet.binance.vision/api"),
        ("testnet", "http://127.0.0.1:9000/", "http://127.0.0.1:9000/api"),
        ("https://proxy.example", None, "https://proxy.example/api"),
    ],
)
def test_endpoint_from_settings(env: str, base: str | None, expected: str) -> None:
    assert BinanceEndpoint.from_settings(env, base).api_url == expected


def test_paper_only_selects_no_endpoint() -> None:
    with pytest.raises(ValueError, match="paper-only"):
        BinanceEndpoint.from_settings("paper-only")
    assert TESTNET.sapi_url is None and MAINNET.sapi_url is not None


# --- market data ---------------------------------------------------------------------------------------


def _kline(open_time: int, close: str = "35000.0") -> list[Any]:
    return [
        open_time,
        "34990.0",
        "35010.0",
        "34980.0",
        close,
        "12.5",
        open_time + 59_999,
        "437000.0",
        321,
        "6.1",
        "213000.0",
        "0",
    ]


def test_klines_are_public_and_closed_only(rsps: Any) -> None:
    exchange, _ = make_exchange(ManualClock(T0 + 30_000), signed=False)
    rows = [_kline(T0 - 120_000), _kline(T0 - 60_000), _kline(T0)]  # the last one is still open at T0+30s
    rsps.get(f"{API}/klines", json=rows)
    candles = exchange.klines("BTCUSDT", "1m", limit=2)
    assert [c.open_time for c in candles] == [T0 - 120_000, T0 - 60_000]
    assert candles[0].close == Decimal("35000.0")
    request = _calls(rsps, f"{API}/klines")[0]
    assert "signature" not in request.url and "X-MBX-APIKEY" not in request.headers
    assert "symbol=BTCUSDT" in request.url and "interval=1m" in request.url and "limit=3" in request.url


def test_symbol_rules_are_parsed_and_cached(rsps: Any) -> None:
    exchange, _ = make_exchange()
    rules = exchange.symbol_rules("BTCUSDT")
    assert rules.lot_size.step_size == Decimal("0.00001")
    assert rules.notional is not None and rules.notional.min_notional == Decimal(5)
    exchange.symbol_rules("BTCUSDT")
    assert len(_calls(rsps, f"{API}/exchangeInfo")) == 1


def test_unknown_symbol_is_not_found(rsps: Any) -> None:
    exchange, _ = make_exchange()
    rsps.replace(responses.GET, f"{API}/exchangeInfo", json=error(-1121, "Invalid symbol."), status=400)
    with pytest.raises(ExchangeRejected) as info:
        exchange.symbol_rules("NOPEUSDT")
    assert info.value.exchange_code == -1121


# --- signed requests -------------------------------------------------------------------------------------


def test_market_order_is_rounded_signed_and_parsed(rsps: Any) -> None:
    exchange, _ = make_exchange()
    rsps.post(ORDER_URL, json=order_ack("bot1-t1-entry", qty="0.00123000"))
    order = exchange.place_order(market_buy())
    params = signed_params(_calls(rsps, ORDER_URL)[0])
    assert params["symbol"] == "BTCUSDT" and params["side"] == "BUY" and params["type"] == "MARKET"
    assert params["quantity"] == "0.00123"  # 0.001239 rounded DOWN to stepSize 0.00001
    assert params["newClientOrderId"] == "bot1-t1-entry" and params["newOrderRespType"] == "FULL"
    assert "price" not in params and "timeInForce" not in params
    assert order.status is OrderStatus.FILLED and order.executed_quantity == Decimal("0.00123")
    assert order.fills[0].fee == Decimal("0.000001") and order.fills[0].fee_asset == "BTC"


def test_market_order_without_reference_price_uses_the_average_price(rsps: Any) -> None:
    exchange, _ = make_exchange()
    rsps.get(f"{API}/avgPrice", json={"mins": 5, "price": "35000.00", "closeTime": T0})
    rsps.post(ORDER_URL, json=order_ack("c1"))
    request = OrderRequest("BTCUSDT", Side.BUY, OrderType.MARKET, Decimal("0.001"), "c1")
    exchange.place_order(request)
    assert len(_calls(rsps, f"{API}/avgPrice")) == 1


def test_limit_order_price_is_rounded_to_the_tick(rsps: Any) -> None:
    exchange, _ = make_exchange()
    rsps.post(ORDER_URL, json=order_ack("c2", type_="LIMIT", status="NEW", price="35000.12000000"))
    request = OrderRequest("BTCUSDT", Side.BUY, OrderType.LIMIT, Decimal("0.001"), "c2", price=Decimal("35000.129"))
    order = exchange.place_order(request)
    params = signed_params(_calls(rsps, ORDER_URL)[0])
    assert params["price"] == "35000.12" and params["timeInForce"] == "GTC" and params["type"] == "LIMIT"
    assert order.status is OrderStatus.NEW and order.price == Decimal("35000.12")


@pytest.mark.parametrize(
    ("qty", "type_", "match"),
    [
        ("0.000009", OrderType.LIMIT, "below LOT_SIZE minQty"),
        ("0.0001", OrderType.LIMIT, "below the minimum notional"),  # 0.0001 * 35000 = 3.5 < 5
        ("0.0001", OrderType.MARKET, "below the minimum notional"),
        ("90", OrderType.MARKET, "above MARKET_LOT_SIZE maxQty 85"),
        ("9001", OrderType.LIMIT, "above LOT_SIZE maxQty 9000"),
    ],
)
def test_orders_that_cannot_fit_are_refused_locally(rsps: Any, qty: str, type_: OrderType, match: str) -> None:
    exchange, _ = make_exchange()
    price = Decimal("35000") if type_ is OrderType.LIMIT else None
    request = OrderRequest("BTCUSDT", Side.BUY, type_, Decimal(qty), "c3", price=price, reference_price=Decimal(35000))
    with pytest.raises(FilterRejected, match=match):
        exchange.place_order(request)
    assert _calls(rsps, ORDER_URL) == []


def test_balances_are_signed_and_non_zero(rsps: Any) -> None:
    exchange, _ = make_exchange()
    rsps.get(
        f"{API}/account",
        json={
            "makerCommission": 10,
            "canTrade": True,
            "canWithdraw": True,
            "canDeposit": True,
            "accountType": "SPOT",
            "permissions": ["SPOT"],
            "balances": [
                {"asset": "BTC", "free": "0.00100000", "locked": "0.00000000"},
                {"asset": "USDT", "free": "100.50000000", "locked": "20.00000000"},
                {"asset": "LTC", "free": "0.00000000", "locked": "0.00000000"},
            ],
        },
    )
    balances = {b.asset: b for b in exchange.balances()}
    assert set(balances) == {"BTC", "USDT"} and balances["USDT"].total == Decimal("120.5")
    assert signed_params(_calls(rsps, f"{API}/account")[0])["omitZeroBalances"] == "true"


def test_cancel_is_signed_and_keeps_the_original_client_id(rsps: Any) -> None:
    exchange, _ = make_exchange()
    answer = query_order("c4", status="CANCELED")
    answer.update({"origClientOrderId": "c4", "clientOrderId": "cancel-xyz"})
    rsps.delete(ORDER_URL, json=answer)
    order = exchange.cancel_order("BTCUSDT", "c4")
    params = signed_params(_calls(rsps, ORDER_URL, "DELETE")[0])
    assert params == {**params, "symbol": "BTCUSDT", "origClientOrderId": "c4"}
    assert order.client_order_id == "c4" and order.status is OrderStatus.CANCELED


def test_cancel_of_a_finished_order_returns_it(rsps: Any) -> None:
    exchange, _ = make_exchange()
    rsps.delete(ORDER_URL, json=error(-2011, "Unknown order sent."), status=400)
    rsps.get(ORDER_URL, json=query_order("c5"))
    assert exchange.cancel_order("BTCUSDT", "c5").status is OrderStatus.FILLED


def test_an_order_found_by_lookup_carries_its_fees_from_its_trades(rsps: Any) -> None:
    exchange, _ = make_exchange()
    rsps.get(ORDER_URL, json=query_order("c11"))
    order = exchange.get_order_by_client_id("BTCUSDT", "c11")
    assert order is not None and order.fees() == {"BTC": Decimal("0.000001")}
    trades_call = _calls(rsps, f"{API}/myTrades")[0]
    assert signed_params(trades_call)["orderId"] == "28"


def test_lookup_of_an_unknown_order_is_none(rsps: Any) -> None:
    exchange, _ = make_exchange()
    rsps.get(ORDER_URL, json=error(-2013, "Order does not exist."), status=400)
    assert exchange.get_order_by_client_id("BTCUSDT", "nope") is None
    assert signed_params(_calls(rsps, ORDER_URL)[0])["origClientOrderId"] == "nope"


# --- the retry policy --------------------------------------------------------------------------------------


def test_429_honours_retry_after_and_shares_the_pause(rsps: Any) -> None:
    store = InMemoryWeightStore()
    exchange, sleep = make_exchange(store=store)
    rsps.get(
        f"{API}/klines",
        json=error(-1003, "Too much request weight used; current limit is 6000 request weight per 1 MINUTE."),
        status=429,
        headers={"Retry-After": "7"},
    )
    rsps.get(f"{API}/klines", json=[])
    assert exchange.klines("BTCUSDT", "1m") == []
    assert sleep.calls[0] >= 7
    assert len(_calls(rsps, f"{API}/klines")) == 2


def test_order_count_429_without_retry_after_backs_off_with_jitter(rsps: Any) -> None:
    exchange, sleep = make_exchange()
    rsps.post(
        ORDER_URL, json=error(-1015, "Too many new orders; current limit is 50 orders per 10 SECOND."), status=429
    )
    rsps.post(ORDER_URL, json=order_ack("c6"))
    assert exchange.place_order(market_buy("c6")).status is OrderStatus.FILLED
    assert len(sleep.calls) == 1 and 0.25 <= sleep.calls[0] <= 0.5  # base 0.5 s, equal jitter
    assert len(_calls(rsps, ORDER_URL)) == 2


def test_5xx_and_timeouts_on_reads_are_retried_with_growing_backoff(rsps: Any) -> None:
    exchange, sleep = make_exchange()
    rsps.get(f"{API}/klines", status=502, body="<html>Bad Gateway</html>")
    rsps.get(f"{API}/klines", body=requests.exceptions.ReadTimeout("read timed out"))
    rsps.get(f"{API}/klines", json=error(-1008, "Server is currently overloaded with other requests."), status=503)
    rsps.get(f"{API}/klines", json=[])
    assert exchange.klines("BTCUSDT", "1m") == []
    assert len(sleep.calls) == 3 and sleep.calls[0] < sleep.calls[2]


def test_retries_are_bounded(rsps: Any) -> None:
    exchange, sleep = make_exchange()
    rsps.get(f"{API}/klines", status=500, body="")
    with pytest.raises(ExchangeTemporaryError) as info:
        exchange.klines("BTCUSDT", "1m")
    assert not isinstance(info.value, OrderOutcomeUnknown)
    assert len(_calls(rsps, f"{API}/klines")) == 4 and len(sleep.calls) == 3


@pytest.mark.parametrize(
    ("status", "body", "headers"),
    [
        (418, error(-1003, "Way too much request weight used; IP banned until 1700000580000."), {"Retry-After": "600"}),
        (403, None, {}),
    ],
)
def test_ban_stops_every_client_of_the_egress_until_it_ends(
    rsps: Any, status: int, body: Any, headers: dict[str, str]
) -> None:
    store = InMemoryWeightStore()
    clock = ManualClock(T0)
    first, _ = make_exchange(clock, store)
    second, _ = make_exchange(clock, store, signed=False)
    if body is None:
        rsps.get(f"{API}/klines", body="<html>403 Forbidden</html>", status=status)
    else:
        rsps.get(f"{API}/klines", json=body, status=status, headers=headers)
    with pytest.raises(ExchangeTemporaryError) as info:
        first.klines("BTCUSDT", "1m")
    assert info.value.code == "exchange_banned" and (info.value.retry_after_s or 0) >= 300
    with pytest.raises(ExchangeTemporaryError) as paused:
        second.klines("ETHUSDT", "1m")
    assert paused.value.code == "exchange_paused"
    assert len(_calls(rsps, f"{API}/klines")) == 1  # the second client did not call at all
    clock.advance(601_000)
    rsps.replace(responses.GET, f"{API}/klines", json=[])
    assert second.klines("ETHUSDT", "1m") == []


def test_1021_resyncs_the_time_offset_and_retries_once(rsps: Any) -> None:
    import time

    exchange, sleep = make_exchange()
    server_ms = int(time.time() * 1000) + 5_000  # the server is 5 s ahead of this machine
    rsps.get(f"{API}/time", json={"serverTime": server_ms})
    rsps.get(
        f"{API}/account",
        json=error(-1021, "Timestamp for this request was 1000ms ahead of the server's time."),
        status=400,
    )
    rsps.get(f"{API}/account", json={"balances": []})
    assert exchange.balances() == []
    first, second = (signed_params(r) for r in _calls(rsps, f"{API}/account"))
    assert int(second["timestamp"]) - int(first["timestamp"]) >= 4_900
    assert second["recvWindow"] == first["recvWindow"]  # never "fixed" by widening recvWindow
    assert sleep.calls == []


def test_1021_twice_is_operational(rsps: Any) -> None:
    exchange, _ = make_exchange()
    rsps.get(f"{API}/time", json={"serverTime": T0})
    rsps.get(
        f"{API}/account", json=error(-1021, "Timestamp for this request is outside of the recvWindow."), status=400
    )
    with pytest.raises(ExchangeOperationalError) as info:
        exchange.balances()
    assert info.value.exchange_code == -1021
    assert len(_calls(rsps, f"{API}/account")) == 2 and len(_calls(rsps, f"{API}/time")) == 1


@pytest.mark.parametrize(
    ("code", "msg", "domain_code"),
    [
        (-2010, "Account has insufficient balance for requested action.", "order_rejected"),
        (-1013, "Filter failure: NOTIONAL", "order_filter"),
        (-1111, "Parameter 'quantity' has too much precision.", "order_filter"),
        (-2015, "Invalid API-key, IP, or permissions for action.", "exchange_key_rejected"),
    ],
)
def test_rejections_are_never_retried_and_keep_the_exchange_message(
    rsps: Any, code: int, msg: str, domain_code: str
) -> None:
    exchange, sleep = make_exchange()
    rsps.post(ORDER_URL, json=error(code, msg), status=400 if code != -2015 else 401)
    with pytest.raises(ExchangeRejected) as info:
        exchange.place_order(market_buy("c7"))
    assert info.value.exchange_code == code and info.value.code == domain_code and msg in info.value.message
    assert len(_calls(rsps, ORDER_URL, "POST")) == 1 and sleep.calls == []


# --- orders whose outcome is unknown ------------------------------------------------------------------------


def test_duplicate_order_means_already_placed(rsps: Any) -> None:
    exchange, _ = make_exchange()
    rsps.post(ORDER_URL, json=error(-2010, "Duplicate order sent."), status=400)
    rsps.get(ORDER_URL, json=query_order("c8"))
    order = exchange.place_order(market_buy("c8"))
    assert order.client_order_id == "c8" and order.status is OrderStatus.FILLED
    assert len(_calls(rsps, ORDER_URL, "POST")) == 1


@pytest.mark.parametrize(
    "failure",
    [
        {"status": 502, "body": "<html>Bad Gateway</html>"},
        {
            "status": 400,
            "json": error(
                -1007,
                "Timeout waiting for response from backend server. Send status unknown; execution status unknown.",
            ),
        },
        {
            "status": 400,
            "json": error(-1006, "An unexpected response was received from the message bus. Execution status unknown."),
        },
        {"body": requests.exceptions.ReadTimeout("read timed out")},
    ],
)
def test_unknown_outcome_is_resolved_by_lookup_never_by_resending(rsps: Any, failure: dict[str, Any]) -> None:
    exchange, sleep = make_exchange()
    rsps.post(ORDER_URL, **failure)
    rsps.get(ORDER_URL, json=error(-2013, "Order does not exist."), status=400)  # not visible yet
    rsps.get(ORDER_URL, json=query_order("c9"))
    order = exchange.place_order(market_buy("c9"))
    assert order.client_order_id == "c9" and order.status is OrderStatus.FILLED
    assert len(_calls(rsps, ORDER_URL, "POST")) == 1
    lookups = _calls(rsps, ORDER_URL, "GET")
    assert len(lookups) == 2 and all(signed_params(r)["origClientOrderId"] == "c9" for r in lookups)
    assert len(sleep.calls) == 1


def test_unknown_outcome_that_stays_unknown_is_reported_not_resent(rsps: Any) -> None:
    exchange, _ = make_exchange()
    rsps.post(ORDER_URL, status=503, json=error(-1007, "Timeout waiting for response from backend server."))
    rsps.get(ORDER_URL, json=error(-2013, "Order does not exist."), status=400)
    with pytest.raises(OrderOutcomeUnknown) as info:
        exchange.place_order(market_buy("c10"))
    assert info.value.details == {"client_order_id": "c10", "symbol": "BTCUSDT"}
    assert len(_calls(rsps, ORDER_URL, "POST")) == 1 and len(_calls(rsps, ORDER_URL, "GET")) == 4


def test_unknown_order_on_cancel_that_really_is_unknown(rsps: Any) -> None:
    exchange, _ = make_exchange()
    rsps.delete(ORDER_URL, json=error(-2011, "Unknown order sent."), status=400)
    rsps.get(ORDER_URL, json=error(-2013, "Order does not exist."), status=400)
    with pytest.raises(NotFound):
        exchange.cancel_order("BTCUSDT", "ghost")


# --- the weight budget ---------------------------------------------------------------------------------------


def test_used_weight_header_feeds_the_budget_and_slows_down_before_the_limit(rsps: Any) -> None:
    store = InMemoryWeightStore()
    clock = ManualClock(T0 + 50_000)  # 10 s before the next minute
    exchange, sleep = make_exchange(clock, store)
    rsps.get(f"{API}/klines", json=[], headers={"X-MBX-USED-WEIGHT-1M": "4799"})
    exchange.klines("BTCUSDT", "1m")
    assert store.add_weight("egress-1", (T0 + 50_000) // 60_000, 0) == 4799
    exchange.klines("BTCUSDT", "1m")  # 4799 + 2 > 4800 (80% of 6000): wait for the next minute first
    assert len(sleep.calls) == 1 and 9.9 <= sleep.calls[0] <= 10.1
    assert len(_calls(rsps, f"{API}/klines")) == 2


def test_budget_refuses_when_the_next_minute_is_far(rsps: Any) -> None:
    store = InMemoryWeightStore()
    clock = ManualClock(T0 + 5_000)
    exchange, sleep = make_exchange(clock, store)
    store.observe_weight("egress-1", (T0 + 5_000) // 60_000, 4800)
    with pytest.raises(ExchangeTemporaryError) as info:
        exchange.klines("BTCUSDT", "1m")
    assert info.value.code == "exchange_weight_budget" and sleep.calls == []
    assert _calls(rsps, f"{API}/klines") == []
