"""Binance JSON shapes -> domain values. Pure; the paper path's static catalog uses the same parser."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from chalicelib.domain.candles import Candle
from chalicelib.domain.errors import ExchangeError, ExchangeOperationalError
from chalicelib.domain.orders import (
    Balance,
    Fill,
    OcoRequest,
    Order,
    OrderList,
    OrderRequest,
    OrderStatus,
    OrderType,
    Side,
    TimeInForce,
)
from chalicelib.domain.symbols import (
    DEFAULT_MAX_NUM_ALGO_ORDERS,
    DEFAULT_MAX_NUM_ORDERS,
    NotionalFilter,
    PercentPriceBySide,
    PriceFilter,
    QuantityFilter,
    SymbolRules,
)


def _d(value: Any) -> Decimal:
    return Decimal(str(value))


def candle_from_row(row: Sequence[Any]) -> Candle:
    """A kline row: [open_time, open, high, low, close, volume, close_time, ...]."""
    return Candle(
        open_time=int(row[0]),
        open=_d(row[1]),
        high=_d(row[2]),
        low=_d(row[3]),
        close=_d(row[4]),
        volume=_d(row[5]),
        close_time=int(row[6]),
    )


def _quantity_filter(f: Mapping[str, Any]) -> QuantityFilter:
    return QuantityFilter(min_qty=_d(f["minQty"]), max_qty=_d(f["maxQty"]), step_size=_d(f["stepSize"]))


def _notional(filters: Mapping[str, Mapping[str, Any]]) -> NotionalFilter | None:
    if "NOTIONAL" in filters:
        nf = filters["NOTIONAL"]
        max_notional = _d(nf["maxNotional"]) if nf.get("maxNotional") is not None else None
        return NotionalFilter(
            min_notional=_d(nf.get("minNotional", "0")),
            apply_min_to_market=bool(nf.get("applyMinToMarket", True)),
            max_notional=max_notional,
            apply_max_to_market=bool(nf.get("applyMaxToMarket", False)),
        )
    if "MIN_NOTIONAL" in filters:
        nf = filters["MIN_NOTIONAL"]
        return NotionalFilter(
            min_notional=_d(nf["minNotional"]), apply_min_to_market=bool(nf.get("applyToMarket", True))
        )
    return None


def _percent_price(filters: Mapping[str, Mapping[str, Any]]) -> PercentPriceBySide | None:
    """PERCENT_PRICE_BY_SIDE, or the older PERCENT_PRICE (one pair of multipliers for both sides)."""
    if "PERCENT_PRICE_BY_SIDE" in filters:
        f = filters["PERCENT_PRICE_BY_SIDE"]
        return PercentPriceBySide(
            bid_multiplier_up=_d(f["bidMultiplierUp"]),
            bid_multiplier_down=_d(f["bidMultiplierDown"]),
            ask_multiplier_up=_d(f["askMultiplierUp"]),
            ask_multiplier_down=_d(f["askMultiplierDown"]),
            avg_price_mins=int(f.get("avgPriceMins", 5)),
        )
    if "PERCENT_PRICE" in filters:
        f = filters["PERCENT_PRICE"]
        up, down = _d(f["multiplierUp"]), _d(f["multiplierDown"])
        return PercentPriceBySide(up, down, up, down, avg_price_mins=int(f.get("avgPriceMins", 5)))
    return None


def symbol_rules_from_info(info: Mapping[str, Any]) -> SymbolRules:
    """One entry of exchangeInfo's `symbols`."""
    filters = {f["filterType"]: f for f in info.get("filters", [])}
    if "LOT_SIZE" not in filters or "PRICE_FILTER" not in filters:
        raise ExchangeOperationalError(f"exchangeInfo for {info.get('symbol')} lacks LOT_SIZE or PRICE_FILTER")
    pf = filters["PRICE_FILTER"]
    return SymbolRules(
        symbol=str(info["symbol"]),
        status=str(info.get("status", "TRADING")),
        base_asset=str(info["baseAsset"]),
        quote_asset=str(info["quoteAsset"]),
        lot_size=_quantity_filter(filters["LOT_SIZE"]),
        price_filter=PriceFilter(
            min_price=_d(pf["minPrice"]), max_price=_d(pf["maxPrice"]), tick_size=_d(pf["tickSize"])
        ),
        market_lot_size=_quantity_filter(filters["MARKET_LOT_SIZE"]) if "MARKET_LOT_SIZE" in filters else None,
        notional=_notional(filters),
        order_types=tuple(str(t) for t in info.get("orderTypes", ("LIMIT", "MARKET"))),
        percent_price=_percent_price(filters),
        max_num_orders=int(filters.get("MAX_NUM_ORDERS", {}).get("maxNumOrders", DEFAULT_MAX_NUM_ORDERS)),
        max_num_algo_orders=int(
            filters.get("MAX_NUM_ALGO_ORDERS", {}).get("maxNumAlgoOrders", DEFAULT_MAX_NUM_ALGO_ORDERS)
        ),
        oco_allowed=bool(info.get("ocoAllowed", True)),
    )


def _order_type(raw: str) -> OrderType:
    try:
        return OrderType(raw)
    except ValueError:
        raise ExchangeOperationalError(f"order type {raw!r} is not one this platform places") from None


def order_from_response(data: Mapping[str, Any], list_client_order_id: str | None = None) -> Order:
    """A new-order (FULL), query-order, open-orders or cancel-order response. A cancel response's
    `clientOrderId` is the cancel request's own id; the order's is `origClientOrderId`. Binance names an OCO
    leg's list by its number (`orderListId`) only: the caller passes the list's client id it resolved."""
    price = _d(data.get("price", "0"))
    fills = tuple(
        Fill(price=_d(f["price"]), quantity=_d(f["qty"]), fee=_d(f["commission"]), fee_asset=str(f["commissionAsset"]))
        for f in data.get("fills", [])
    )
    created = data.get("time") or data.get("transactTime") or data.get("workingTime") or 0
    stop = _d(data.get("stopPrice", "0"))
    return Order(
        symbol=str(data["symbol"]),
        client_order_id=str(data.get("origClientOrderId") or data["clientOrderId"]),
        exchange_order_id=str(data["orderId"]),
        side=Side(data["side"]),
        type=_order_type(str(data["type"])),
        status=OrderStatus(data["status"]),
        quantity=_d(data["origQty"]),
        executed_quantity=_d(data.get("executedQty", "0")),
        quote_quantity=_d(data.get("cummulativeQuoteQty", "0")),
        price=price if price > 0 else None,
        created_at_ms=int(created),
        fills=fills,
        stop_price=stop if stop > 0 else None,
        order_list_id=list_client_order_id,
    )


def fills_from_trades(rows: Sequence[Mapping[str, Any]]) -> tuple[Fill, ...]:
    """GET /api/v3/myTrades rows of one order: what a query-order answer lacks (the fills and their fees)."""
    return tuple(
        Fill(price=_d(r["price"]), quantity=_d(r["qty"]), fee=_d(r["commission"]), fee_asset=str(r["commissionAsset"]))
        for r in rows
    )


def balances_from_account(data: Mapping[str, Any]) -> list[Balance]:
    out = [Balance(asset=str(b["asset"]), free=_d(b["free"]), locked=_d(b["locked"])) for b in data.get("balances", [])]
    return [b for b in out if b.total > 0]


def decimal_param(value: Decimal) -> str:
    """Binance wants plain decimal strings: no exponent, no trailing zeros."""
    text = format(value.normalize(), "f")
    return text


def order_params(request: OrderRequest) -> dict[str, Any]:
    """A new-order request, asking for the FULL answer (its fills, so the fees are known at once)."""
    params: dict[str, Any] = {
        "symbol": request.symbol,
        "side": request.side.value,
        "type": request.type.value,
        "quantity": decimal_param(request.quantity),
        "newClientOrderId": request.client_order_id,
        "newOrderRespType": "FULL",
    }
    if request.price is not None:
        params["price"] = decimal_param(request.price)
    if request.stop_price is not None:
        params["stopPrice"] = decimal_param(request.stop_price)
    if request.type in (OrderType.LIMIT, OrderType.STOP_LOSS_LIMIT, OrderType.TAKE_PROFIT_LIMIT):
        params["timeInForce"] = (request.time_in_force or TimeInForce.GTC).value  # LIMIT_MAKER takes none
    return params


def oco_params(request: OcoRequest) -> dict[str, Any]:
    """POST /api/v3/orderList/oco for a sell: the take-profit LIMIT_MAKER above the market, the STOP_LOSS_LIMIT
    below it, one quantity; FULL answers so a leg that fills at once brings its fills."""
    return {
        "symbol": request.symbol,
        "side": request.side.value,
        "quantity": decimal_param(request.quantity),
        "listClientOrderId": request.list_client_order_id,
        "aboveType": OrderType.LIMIT_MAKER.value,
        "aboveClientOrderId": request.take_profit_client_order_id,
        "abovePrice": decimal_param(request.take_profit_price),
        "belowType": OrderType.STOP_LOSS_LIMIT.value,
        "belowClientOrderId": request.stop_client_order_id,
        "belowStopPrice": decimal_param(request.stop_price),
        "belowPrice": decimal_param(request.stop_limit_price),
        "belowTimeInForce": TimeInForce.GTC.value,
        "newOrderRespType": "FULL",
    }


def order_list_from_response(data: Mapping[str, Any], legs: Sequence[Order] | None = None) -> OrderList:
    """A new-OCO or cancel-OCO answer (legs in `orderReports`), or a query-order-list answer whose legs the
    caller looked up (`legs`: that answer names them only)."""
    list_id = str(data["listClientOrderId"])
    if legs is None:
        legs = [order_from_response(report, list_id) for report in data.get("orderReports", [])]
    return OrderList(symbol=str(data["symbol"]), list_client_order_id=list_id, orders=tuple(legs))


def order_log(request: OrderRequest, exc: ExchangeError) -> dict[str, Any]:
    """What a log line says about an order whose answer was not a plain success (no secrets in it)."""
    return {
        "symbol": request.symbol,
        "client_order_id": request.client_order_id,
        "exchange_code": exc.exchange_code,
        "error": exc.message,
    }
