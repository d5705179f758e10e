"""Orders that rest on Binance between ticks: open orders, OCO lists and cancel-replace (docs/exchange.md,
"Resting orders"). Mixed into BinanceSpotExchange, whose `_call` (the one retry policy and the shared weight
budget) carries every request; like a placement, an OCO or cancel whose answer is lost is resolved by looking
it up by client id, never by sending it again.

Weights (Binance REST docs): openOrders with a symbol 6, orderList/oco 1 (2 orders on the order count),
orderList cancel 1, orderList query 4, order/cancelReplace 1, avgPrice 2 (only for a symbol with
PERCENT_PRICE_BY_SIDE when the caller gave no reference price)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from decimal import Decimal
from functools import partial
from typing import TYPE_CHECKING, Any, Protocol

from aws_lambda_powertools import Logger

from chalicelib.adapters.binance import mapping
from chalicelib.adapters.binance.caches import PROCESS_LIST_IDS, ListClientIds
from chalicelib.adapters.binance.endpoint import BinanceEndpoint
from chalicelib.adapters.binance.errors import CANCEL_REJECTED, CANCEL_REPLACE_FAILED, CANCEL_REPLACE_PARTIAL, rejection
from chalicelib.adapters.binance.policy import RetryPolicy, resolve_by_lookup
from chalicelib.domain.errors import ExchangeError, ExchangeTemporaryError, NotFound, OrderOutcomeUnknown
from chalicelib.domain.orders import OcoRequest, Order, OrderList, OrderRequest
from chalicelib.domain.symbols import SymbolRules, fit_oco, fit_order

if TYPE_CHECKING:
    from binance.client import Client

logger = Logger(child=True)

W_OPEN_ORDERS = 6
W_OCO = 1
W_CANCEL_LIST = 1
W_QUERY_LIST = 4
W_CANCEL_REPLACE = 1


class _Host(Protocol):
    """What the mixin needs of BinanceSpotExchange."""

    _endpoint: BinanceEndpoint
    _policy: RetryPolicy
    _sleep: Callable[[float], None]

    def _call(self, fn: Callable[[Client], Any], *, weight: int, signed: bool = False, order: bool = False) -> Any: ...

    def symbol_rules(self, symbol: str) -> SymbolRules: ...

    def get_order_by_client_id(self, symbol: str, client_order_id: str) -> Order | None: ...

    def _avg_price(self, symbol: str) -> Decimal: ...

    def _with_fills(self, order: Order) -> Order: ...


@dataclass(frozen=True, slots=True)
class Replaced:
    """What a cancel-replace did: `old` as it is now (CANCELED, or FILLED when it filled first and nothing was
    placed), `new` when the new order was placed, `new_error` when the cancel took effect but the new order was
    refused (e.g. `would_take` for a LIMIT_MAKER that would cross: the caller decides again, nothing rests)."""

    old: Order
    new: Order | None = None
    new_error: ExchangeError | None = None


class RestingOrders:
    """The RestingExchange half of BinanceSpotExchange (services/ports/exchange.py)."""

    list_ids: ListClientIds = PROCESS_LIST_IDS

    def open_orders(self: _Host, symbol: str) -> list[Order]:
        """ONE GET /api/v3/openOrders?symbol= (weight 6). Binance names an OCO leg's list by number: the number
        is resolved to its client id from this process's memory, else by one GET /api/v3/orderList (weight 4)."""
        rows = self._call(lambda c: c.get_open_orders(symbol=symbol), weight=W_OPEN_ORDERS, signed=True)
        return [mapping.order_from_response(row, _list_client_id(self, row)) for row in rows]

    def place_oco(self: _Host, request: OcoRequest) -> OrderList:
        rules = self.symbol_rules(request.symbol)
        reference = request.reference_price
        if reference is None and rules.percent_price is not None:
            reference = self._avg_price(request.symbol)
        fitted = fit_oco(rules, request, reference)
        params = mapping.oco_params(fitted)
        try:
            data = self._call(
                lambda c: c._post("orderList/oco", True, data=params), weight=W_OCO, signed=True, order=True
            )
        except OrderOutcomeUnknown as exc:
            logger.warning("OCO outcome unknown, resolving by lookup", extra=_log(fitted, exc))
            return _resolve_list(self, fitted.symbol, fitted.list_client_order_id, exc, lambda found: True)
        except ExchangeError as exc:
            if exc.code != "duplicate_order":
                raise
            logger.info("duplicate OCO client id: already placed, looking it up", extra=_log(fitted, exc))
            return _resolve_list(self, fitted.symbol, fitted.list_client_order_id, exc, lambda found: True)
        placed = mapping.order_list_from_response(data)
        RestingOrders.list_ids.put(
            self._endpoint.api_url, placed.symbol, int(data["orderListId"]), placed.list_client_order_id
        )
        return placed

    def get_order_list(self: _Host, symbol: str, list_client_order_id: str) -> OrderList | None:
        """The list with its legs as they are now: GET /api/v3/orderList (4) names the legs, each leg's own query
        (4, +5 for the trades of a leg that executed) gives its state. None when Binance does not know it."""
        return _get_order_list(self, symbol, list_client_order_id)

    def cancel_order_list(self: _Host, symbol: str, list_client_order_id: str) -> OrderList:
        """DELETE /api/v3/orderList (weight 1). A list that finished first (-2011) is returned as it is; a cancel
        whose answer is lost is looked up until the list is done, never sent again."""
        try:
            data = self._call(
                lambda c: c._delete(
                    "orderList", True, data={"symbol": symbol, "listClientOrderId": list_client_order_id}
                ),
                weight=W_CANCEL_LIST,
                signed=True,
                order=True,
            )
        except OrderOutcomeUnknown as exc:
            logger.warning(
                "OCO cancel outcome unknown, resolving by lookup", extra={"symbol": symbol, "error": exc.message}
            )
            return _resolve_list(self, symbol, list_client_order_id, exc, lambda found: not found.is_open)
        except ExchangeError as exc:
            if exc.exchange_code != CANCEL_REJECTED:
                raise
            existing = _get_order_list(self, symbol, list_client_order_id)
            if existing is None:
                raise NotFound(f"no order list {list_client_order_id} on {symbol}", code="unknown_order") from None
            return existing  # a leg filled (or the list was cancelled) before this cancel arrived
        cancelled = mapping.order_list_from_response(data)
        return replace(cancelled, orders=tuple(self._with_fills(leg) for leg in cancelled.orders))

    def cancel_replace(self: _Host, cancel_client_order_id: str, request: OrderRequest) -> Replaced:
        """Cancel a resting order and place `request` in its stead in ONE call (POST /api/v3/order/cancelReplace,
        STOP_ON_FAILURE, weight 1) instead of two, with no moment where the old order is gone and the new one
        not sent (moving a take-profit or a trailing stop). Not part of the port: the tick may always cancel and
        place instead. Filters are checked first (FilterRejected: nothing was cancelled)."""
        rules = self.symbol_rules(request.symbol)
        reference = request.reference_price
        if reference is None and rules.percent_price is not None:
            reference = self._avg_price(request.symbol)
        fitted = fit_order(rules, request, reference)
        params = {
            **mapping.order_params(fitted),
            "cancelReplaceMode": "STOP_ON_FAILURE",
            "cancelOrigClientOrderId": cancel_client_order_id,
        }
        try:
            data = self._call(
                lambda c: c._post("order/cancelReplace", True, data=params),
                weight=W_CANCEL_REPLACE,
                signed=True,
                order=True,
            )
        except OrderOutcomeUnknown as exc:
            logger.warning("cancel-replace outcome unknown, resolving by lookup", extra=mapping.order_log(fitted, exc))
            return _resolve_replace(self, cancel_client_order_id, fitted, exc)
        except ExchangeError as exc:
            if exc.exchange_code not in (CANCEL_REPLACE_PARTIAL, CANCEL_REPLACE_FAILED):
                raise
            return _half_failed(self, cancel_client_order_id, fitted, exc)
        return Replaced(
            old=self._with_fills(mapping.order_from_response(data["cancelResponse"])),
            new=mapping.order_from_response(data["newOrderResponse"]),
        )


def _list_client_id(ex: _Host, row: dict[str, Any]) -> str | None:
    number = int(row.get("orderListId", -1))
    if number < 0:
        return None
    symbol, venue = str(row["symbol"]), ex._endpoint.api_url
    known = RestingOrders.list_ids.get(venue, symbol, number)
    if known is None:
        try:
            data = ex._call(
                lambda c: c._get("orderList", True, data={"orderListId": number}), weight=W_QUERY_LIST, signed=True
            )
        except ExchangeError as exc:
            if exc.code != "no_such_order":
                raise
            # The list query reads Binance's database, which may lag the engine behind open orders: try later,
            # never hand out a leg without its list (the tick would take it for a lone order).
            raise ExchangeTemporaryError(f"order list {number} on {symbol} is not visible yet") from None
        known = str(data["listClientOrderId"])
        RestingOrders.list_ids.put(venue, symbol, number, known)
    return known


def _get_order_list(ex: _Host, symbol: str, list_client_order_id: str) -> OrderList | None:
    try:
        data = ex._call(
            lambda c: c._get("orderList", True, data={"origClientOrderId": list_client_order_id}),
            weight=W_QUERY_LIST,
            signed=True,
        )
    except ExchangeError as exc:
        if exc.code == "no_such_order":
            return None
        raise
    legs = []
    for leg in data.get("orders", []):
        found = ex.get_order_by_client_id(symbol, str(leg["clientOrderId"]))
        if found is None:  # a leg not visible yet: the list is not resolved
            return None
        legs.append(_with_list(found, list_client_order_id))
    RestingOrders.list_ids.put(ex._endpoint.api_url, symbol, int(data["orderListId"]), list_client_order_id)
    return mapping.order_list_from_response(data, legs)


def _with_list(order: Order, list_client_order_id: str) -> Order:
    return replace(order, order_list_id=list_client_order_id)


def _resolve_list(
    ex: _Host, symbol: str, list_client_order_id: str, cause: ExchangeError, done: Callable[[OrderList], bool]
) -> OrderList:
    """Look a list up at most `lookup_attempts` times (backing off between) until `done`; never resend."""
    policy = ex._policy
    for attempt in range(policy.lookup_attempts):
        try:
            found = _get_order_list(ex, symbol, list_client_order_id)
        except ExchangeError:
            found = None
        if found is not None and done(found):
            return found
        if attempt + 1 < policy.lookup_attempts:
            ex._sleep(policy.delay(attempt))
    raise OrderOutcomeUnknown(
        f"order list {list_client_order_id} on {symbol}: outcome unknown after {policy.lookup_attempts} lookups "
        f"({cause.message}); look it up again later, do not resend",
        exchange_code=cause.exchange_code,
        details={"list_client_order_id": list_client_order_id, "symbol": symbol},
    )


def _half_failed(ex: _Host, cancel_client_order_id: str, request: OrderRequest, exc: ExchangeError) -> Replaced:
    """-2022: the cancel failed so nothing was placed (the old order finished first: take it as it is);
    -2021: the cancel took effect and the new order was refused, for the reason Binance nests in `data`."""
    data = exc.details if isinstance(exc.details, dict) else {}
    if exc.exchange_code == CANCEL_REPLACE_FAILED:
        old = ex.get_order_by_client_id(request.symbol, cancel_client_order_id)
        if old is None:
            raise NotFound(f"no order {cancel_client_order_id} on {request.symbol}", code="unknown_order") from None
        return Replaced(old=old)
    refused = data.get("newOrderResponse") or {}
    cancelled = data.get("cancelResponse")
    old = None
    if isinstance(cancelled, dict) and "orderId" in cancelled:
        old = ex._with_fills(mapping.order_from_response(cancelled))
    if old is None:
        old = ex.get_order_by_client_id(request.symbol, cancel_client_order_id)
    if old is None:
        raise exc
    return Replaced(old=old, new_error=rejection(refused.get("code"), str(refused.get("msg", exc.message))))


def _resolve_replace(ex: _Host, cancel_client_order_id: str, request: OrderRequest, cause: ExchangeError) -> Replaced:
    """A cancel-replace whose answer was lost: the new order's existence says whether it took effect."""
    lookup_new = partial(ex.get_order_by_client_id, request.symbol, request.client_order_id)
    new, found = resolve_by_lookup(ex._policy, lookup_new, ex._sleep)
    old = ex.get_order_by_client_id(request.symbol, cancel_client_order_id)
    if found and new is not None and old is not None:
        return Replaced(old=old, new=new)
    state = "still open" if old is not None and old.is_open else "finished or not found"
    raise OrderOutcomeUnknown(
        f"cancel-replace of {cancel_client_order_id} by {request.client_order_id} on {request.symbol}: outcome "
        f"unknown (old order {state}, new order not found; {cause.message}); look both up again later",
        exchange_code=cause.exchange_code,
        details={"client_order_id": request.client_order_id, "cancel_client_order_id": cancel_client_order_id},
    )


def _log(request: OcoRequest, exc: ExchangeError) -> dict[str, Any]:
    return {
        "symbol": request.symbol,
        "list_client_order_id": request.list_client_order_id,
        "exchange_code": exc.exchange_code,
        "error": exc.message,
    }
