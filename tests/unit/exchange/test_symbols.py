"""Fitting orders to a symbol's filters: rounding edge cases and clear local refusals."""

from __future__ import annotations

from decimal import Decimal

import pytest

from chalicelib.domain.errors import ExchangeRejected, InvalidInput
from chalicelib.domain.orders import OrderRequest, OrderType, Side
from chalicelib.domain.symbols import (
    FilterRejected,
    NotionalFilter,
    PriceFilter,
    QuantityFilter,
    SymbolRules,
    fit_order,
    round_price,
    round_quantity,
)

D = Decimal
RULES = SymbolRules(
    symbol="ETHBTC",
    status="TRADING",
    base_asset="ETH",
    quote_asset="BTC",
    lot_size=QuantityFilter(D("0.0001"), D("100000"), D("0.0001")),
    price_filter=PriceFilter(D("0.00001"), D("922327"), D("0.00001")),
    market_lot_size=QuantityFilter(D("0"), D("2000"), D("0")),
    notional=NotionalFilter(D("0.0001"), apply_min_to_market=True, max_notional=D("9000000")),
)


@pytest.mark.parametrize(
    ("qty", "expected"),
    [("0.12345", "0.1234"), ("0.1234", "0.1234"), ("0.00019999", "0.0001"), ("5", "5.0000"), ("1E+1", "10.0000")],
)
def test_quantity_rounds_down_to_the_step(qty: str, expected: str) -> None:
    assert round_quantity(RULES, D(qty), market=False) == D(expected)
    assert str(round_quantity(RULES, D(qty), market=False)) == expected


def test_market_lot_size_with_zero_step_falls_back_to_lot_size_step() -> None:
    assert round_quantity(RULES, D("0.12345"), market=True) == D("0.1234")
    with pytest.raises(FilterRejected, match="above MARKET_LOT_SIZE maxQty 2000"):
        round_quantity(RULES, D("2500"), market=True)
    assert round_quantity(RULES, D("2500"), market=False) == D("2500")


def test_step_not_aligned_with_min_qty() -> None:
    rules = SymbolRules(
        "X", "TRADING", "A", "B", QuantityFilter(D("0.15"), D("10"), D("0.1")), PriceFilter(D(0), D(0), D(0))
    )
    assert round_quantity(rules, D("0.39"), market=False) == D("0.35")  # (qty - minQty) % step == 0


def test_quantity_below_min_is_refused_with_a_clear_message() -> None:
    with pytest.raises(FilterRejected) as info:
        round_quantity(RULES, D("0.00009"), market=False)
    assert "ETHBTC: quantity 0.00009 is below LOT_SIZE minQty 0.0001" in info.value.message
    assert isinstance(info.value, ExchangeRejected) and info.value.details["filter"] == "LOT_SIZE"


@pytest.mark.parametrize(
    ("price", "side", "expected"),
    [("0.0512349", Side.BUY, "0.05123"), ("0.0512341", Side.SELL, "0.05124"), ("0.05123", Side.SELL, "0.05123")],
)
def test_price_rounds_to_the_tick_on_the_safe_side(price: str, side: Side, expected: str) -> None:
    assert round_price(RULES, D(price), side) == D(expected)


def test_price_below_the_minimum_is_refused() -> None:
    with pytest.raises(FilterRejected, match="below PRICE_FILTER minPrice"):
        round_price(RULES, D("0.000001"), Side.BUY)


def test_rounding_down_can_push_notional_below_the_minimum() -> None:
    request = OrderRequest("ETHBTC", Side.BUY, OrderType.LIMIT, D("0.00199"), "x", price=D("0.05"))
    with pytest.raises(FilterRejected, match=r"order value 0.000095 BTC is below the minimum notional 0.0001 BTC"):
        fit_order(RULES, request)  # 0.00199 rounds down to 0.0019, and 0.0019 * 0.05 < 0.0001


def test_fit_order_returns_the_rounded_request() -> None:
    request = OrderRequest("ETHBTC", Side.SELL, OrderType.LIMIT, D("1.23456"), "x", price=D("0.0512341"))
    fitted = fit_order(RULES, request)
    assert (fitted.quantity, fitted.price) == (D("1.2345"), D("0.05124"))


def test_market_notional_is_judged_at_the_reference_price() -> None:
    request = OrderRequest("ETHBTC", Side.BUY, OrderType.MARKET, D("0.001"), "x")
    with pytest.raises(FilterRejected, match="minimum notional"):
        fit_order(RULES, request, reference_price=D("0.05"))
    fit_order(RULES, request, reference_price=D("0.5"))


def test_a_halted_symbol_refuses_orders() -> None:
    from dataclasses import replace

    request = OrderRequest("ETHBTC", Side.BUY, OrderType.MARKET, D("1"), "x")
    with pytest.raises(FilterRejected, match="not trading now"):
        fit_order(replace(RULES, status="HALT"), request, D("0.05"))


@pytest.mark.parametrize("coid", ["", "has space", "x" * 37, "ünïcode"])
def test_client_order_id_follows_binance_rules(coid: str) -> None:
    with pytest.raises(InvalidInput):
        OrderRequest("ETHBTC", Side.BUY, OrderType.MARKET, D("1"), coid)


def test_requests_need_decimal_quantities_and_limit_prices() -> None:
    with pytest.raises(InvalidInput):
        OrderRequest("ETHBTC", Side.BUY, OrderType.MARKET, 1.5, "x")  # type: ignore[arg-type]
    with pytest.raises(InvalidInput):
        OrderRequest("ETHBTC", Side.BUY, OrderType.LIMIT, D("1"), "x")
