"""The filters of resting orders: stop prices on the tick, PERCENT_PRICE_BY_SIDE, OCO fitting, the open-order
limits, and how exchangeInfo's filters are parsed into them (defaults where Binance lists none)."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

from chalicelib.adapters.binance.mapping import oco_params, order_from_response, order_params, symbol_rules_from_info
from chalicelib.domain.orders import OcoRequest, OrderRequest, OrderStatus, OrderType, Side, TimeInForce
from chalicelib.domain.symbols import (
    ALGO_TYPES,
    FilterRejected,
    NotionalFilter,
    PercentPriceBySide,
    PriceFilter,
    QuantityFilter,
    SymbolRules,
    check_order_count,
    check_percent_price,
    fit_oco,
    fit_order,
)

from .binance_fakes import exchange_info

D = Decimal
BAND = PercentPriceBySide(D("1.2"), D("0.2"), D("5"), D("0.8"), avg_price_mins=5)
RULES = SymbolRules(
    symbol="BTCUSDT",
    status="TRADING",
    base_asset="BTC",
    quote_asset="USDT",
    lot_size=QuantityFilter(D("0.00001"), D("9000"), D("0.00001")),
    price_filter=PriceFilter(D("0.01"), D("1000000"), D("0.01")),
    notional=NotionalFilter(D("5")),
    order_types=("LIMIT", "LIMIT_MAKER", "MARKET", "STOP_LOSS_LIMIT", "TAKE_PROFIT_LIMIT"),
    percent_price=BAND,
    max_num_orders=10,
    max_num_algo_orders=2,
)


def test_stop_prices_round_on_the_same_safe_side_as_the_limit() -> None:
    request = OrderRequest(
        "BTCUSDT",
        Side.SELL,
        OrderType.STOP_LOSS_LIMIT,
        D("0.001"),
        "s",
        price=D("33899.991"),
        stop_price=D("33999.991"),
    )
    fitted = fit_order(RULES, request, D(35000))
    assert (fitted.price, fitted.stop_price) == (D("33900.00"), D("34000.00"))
    buy = replace(request, side=Side.BUY, type=OrderType.TAKE_PROFIT_LIMIT)
    assert fit_order(RULES, buy, D(35000)).stop_price == D("33999.99")


@pytest.mark.parametrize(
    ("side", "price", "ok"),
    [
        (Side.BUY, "42000", True),  # bid up 1.2 x 35000 = 42000: on the edge
        (Side.BUY, "42000.01", False),
        (Side.BUY, "7000", True),  # bid down 0.2
        (Side.BUY, "6999.99", False),
        (Side.SELL, "28000", True),  # ask down 0.8
        (Side.SELL, "27999.99", False),
        (Side.SELL, "175000", True),  # ask up 5
    ],
)
def test_percent_price_by_side_bands_differ_by_side(side: Side, price: str, ok: bool) -> None:
    if ok:
        check_percent_price(RULES, D(price), side, D(35000))
        return
    with pytest.raises(FilterRejected) as info:
        check_percent_price(RULES, D(price), side, D(35000))
    assert info.value.details == {"symbol": "BTCUSDT", "filter": "PERCENT_PRICE_BY_SIDE"}
    assert "average price 35000" in info.value.message


def test_fit_order_checks_a_limit_price_against_the_band_but_not_a_market_order() -> None:
    far = OrderRequest("BTCUSDT", Side.SELL, OrderType.LIMIT_MAKER, D("0.001"), "f", price=D("20000"))
    with pytest.raises(FilterRejected, match="PERCENT_PRICE_BY_SIDE"):
        fit_order(RULES, far, D(35000))
    assert fit_order(RULES, far).price == D(20000)  # no reference (the paper path without a last price): unchecked
    market = OrderRequest("BTCUSDT", Side.SELL, OrderType.MARKET, D("0.001"), "m")
    assert fit_order(RULES, market, D(35000)).quantity == D("0.001")


def test_fit_oco_rounds_every_sell_price_up_and_checks_each_leg() -> None:
    request = OcoRequest("BTCUSDT", D("0.0012345"), "l", "t", D("36000.001"), "s", D("34000.001"), D("33900.001"))
    fitted = fit_oco(RULES, request, D(35000))
    assert (fitted.quantity, fitted.take_profit_price, fitted.stop_price, fitted.stop_limit_price) == (
        D("0.00123"),
        D("36000.01"),
        D("34000.01"),
        D("33900.01"),
    )
    with pytest.raises(FilterRejected, match="minimum notional"):
        fit_oco(RULES, replace(request, quantity=D("0.0001")), D(35000))
    with pytest.raises(FilterRejected, match="PERCENT_PRICE_BY_SIDE"):
        fit_oco(RULES, replace(request, stop_price=D("25000"), stop_limit_price=D("24000")), D(35000))
    with pytest.raises(FilterRejected, match="OCO orders are not allowed"):
        fit_oco(replace(RULES, oco_allowed=False), request, D(35000))


def test_check_order_count_refuses_a_plan_past_the_symbols_limits() -> None:
    check_order_count(RULES, orders=10, algo_orders=2)
    with pytest.raises(FilterRejected, match="11 open orders are needed but the symbol allows at most 10"):
        check_order_count(RULES, orders=11)
    with pytest.raises(FilterRejected) as info:
        check_order_count(RULES, orders=4, algo_orders=3)
    assert info.value.details["filter"] == "MAX_NUM_ALGO_ORDERS"
    assert {OrderType.STOP_LOSS_LIMIT, OrderType.TAKE_PROFIT_LIMIT} == ALGO_TYPES


def test_exchange_info_filters_are_parsed_with_binances_defaults_where_absent() -> None:
    info = exchange_info()["symbols"][0]
    plain = symbol_rules_from_info(info)
    assert (plain.max_num_orders, plain.max_num_algo_orders, plain.percent_price, plain.oco_allowed) == (
        200,
        5,
        None,
        True,
    )
    info = {
        **info,
        "ocoAllowed": False,
        "filters": [
            *info["filters"],
            {
                "filterType": "PERCENT_PRICE_BY_SIDE",
                "bidMultiplierUp": "5",
                "bidMultiplierDown": "0.2",
                "askMultiplierUp": "5",
                "askMultiplierDown": "0.2",
                "avgPriceMins": 5,
            },
            {"filterType": "MAX_NUM_ORDERS", "maxNumOrders": 200},
            {"filterType": "MAX_NUM_ALGO_ORDERS", "maxNumAlgoOrders": 5},
        ],
    }
    rules = symbol_rules_from_info(info)
    assert rules.percent_price == PercentPriceBySide(D(5), D("0.2"), D(5), D("0.2"), 5) and not rules.oco_allowed
    legacy = {**info, "filters": [f for f in info["filters"] if f["filterType"] != "PERCENT_PRICE_BY_SIDE"]}
    legacy["filters"].append({"filterType": "PERCENT_PRICE", "multiplierUp": "1.3", "multiplierDown": "0.7"})
    assert symbol_rules_from_info(legacy).percent_price == PercentPriceBySide(D("1.3"), D("0.7"), D("1.3"), D("0.7"))


def test_order_params_per_type() -> None:
    def params(type_: OrderType, **kw: object) -> dict[str, object]:
        return order_params(OrderRequest("BTCUSDT", Side.SELL, type_, D("0.0010"), "c", **kw))  # type: ignore[arg-type]

    assert params(OrderType.LIMIT, price=D("36000.10"), time_in_force=TimeInForce.IOC)["timeInForce"] == "IOC"
    maker = params(OrderType.LIMIT_MAKER, price=D("36000"))
    assert "timeInForce" not in maker and "stopPrice" not in maker and maker["quantity"] == "0.001"
    stop = params(OrderType.STOP_LOSS_LIMIT, price=D("33900"), stop_price=D("34000"))
    assert (stop["price"], stop["stopPrice"], stop["timeInForce"]) == ("33900", "34000", "GTC")
    oco = oco_params(OcoRequest("BTCUSDT", D("0.001"), "l", "t", D("36000"), "s", D("34000"), D("33900")))
    assert (oco["aboveClientOrderId"], oco["belowClientOrderId"], oco["side"]) == ("t", "s", "SELL")


def test_an_open_orders_row_maps_every_resting_field() -> None:
    row = {
        "symbol": "BTCUSDT",
        "orderId": 11,
        "orderListId": 4,
        "clientOrderId": "leg-sl",
        "price": "33900.00000000",
        "origQty": "0.01000000",
        "executedQty": "0.00400000",
        "cummulativeQuoteQty": "135.60000000",
        "status": "PARTIALLY_FILLED",
        "timeInForce": "GTC",
        "type": "STOP_LOSS_LIMIT",
        "side": "SELL",
        "stopPrice": "34000.00000000",
        "icebergQty": "0.00000000",
        "time": 1499827319559,
        "updateTime": 1499827319559,
        "isWorking": True,
        "origQuoteOrderQty": "0.000000",
        "workingTime": 1499827319559,
        "selfTradePreventionMode": "NONE",
    }
    order = order_from_response(row, "the-list")
    assert order.type is OrderType.STOP_LOSS_LIMIT and order.status is OrderStatus.PARTIALLY_FILLED
    assert (order.stop_price, order.order_list_id, order.average_price) == (D(34000), "the-list", D(33900))
