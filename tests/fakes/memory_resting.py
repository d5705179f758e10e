"""An in-memory RestingExchange (services/ports/exchange.py): the in-memory spot account of memory_market.py
with orders that rest between ticks as Binance keeps them, the inconvenient parts included:
- `open_orders(symbol)` is one call (weight 6) listing every open order, OCO legs with their list id;
- a LIMIT_MAKER that would cross is refused with -2010 "Order would immediately match and take.";
- an order the market trades through fills at its limit price, possibly in parts (`trade`), the maker fee
  taken from what is received; an OCO leg that fills cancels its sibling;
- cancelling a finished order answers it as it is; an unknown one is NotFound (-2011);
- answers can be lost AFTER the exchange acted (`lose_next`: the placement or cancel happened, the caller
  gets a timeout), and the market can trade an order between a caller's read and its cancel (`before_cancel`).
`weight` adds up Binance's request weights of what was called (docs/exchange.md)."""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Callable
from decimal import ROUND_DOWN, Decimal

from chalicelib.domain.errors import ExchangeRejected, NotFound, OrderOutcomeUnknown
from chalicelib.domain.orders import Fill, OcoRequest, Order, OrderList, OrderRequest, OrderStatus, OrderType, Side
from chalicelib.domain.symbols import SymbolRules
from tests.fakes.memory_market import FEE_RATE, InMemoryExchange

WEIGHTS = {"openOrders": 6, "getOrder": 4, "newOrder": 1, "cancelOrder": 1, "newOco": 1, "cancelOrderList": 1}
RESTING_TYPES = ("LIMIT", "LIMIT_MAKER", "MARKET", "STOP_LOSS_LIMIT", "TAKE_PROFIT_LIMIT")


class InMemoryRestingExchange(InMemoryExchange):
    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.calls: Counter[str] = Counter()
        self.lose_next: Counter[str] = Counter()  # call name -> answers to lose after acting
        self.before_cancel: Callable[[str], None] | None = None  # an order's or an OCO's client id
        self.lists: dict[str, tuple[str, str]] = {}  # list client id -> (take-profit id, stop id)

    @property
    def weight(self) -> int:
        return sum(WEIGHTS[name] * n for name, n in self.calls.items())

    def _lose(self, name: str) -> None:
        if self.lose_next[name] > 0:
            self.lose_next[name] -= 1
            raise OrderOutcomeUnknown(f"{name}: read timed out after the exchange acted", code="exchange_timeout")

    def symbol_rules(self, symbol: str) -> SymbolRules:
        return dataclasses.replace(super().symbol_rules(symbol), order_types=RESTING_TYPES)

    # --- the port ------------------------------------------------------------------------------------

    def open_orders(self, symbol: str) -> list[Order]:
        self.calls["openOrders"] += 1
        return [o for o in self.orders.values() if o.symbol == symbol and o.is_open]

    def get_order_by_client_id(self, symbol: str, client_order_id: str) -> Order | None:
        self.calls["getOrder"] += 1
        return super().get_order_by_client_id(symbol, client_order_id)

    def place_order(self, request: OrderRequest) -> Order:
        self.calls["newOrder"] += 1
        if request.client_order_id not in self.orders and request.type is OrderType.LIMIT_MAKER:
            assert request.price is not None
            last = self._last_price(request.symbol)
            if (last <= request.price) if request.side is Side.BUY else (last >= request.price):
                raise ExchangeRejected(
                    "Order would immediately match and take.", exchange_code=-2010, code="would_take"
                )
        order = super().place_order(request)
        self._lose("newOrder")
        return order

    def cancel_order(self, symbol: str, client_order_id: str) -> Order:
        self.calls["cancelOrder"] += 1
        if self.before_cancel is not None:
            self.before_cancel(client_order_id)
        found = super().get_order_by_client_id(symbol, client_order_id)
        if found is None:
            raise NotFound(f"no order {client_order_id} on {symbol}", code="unknown_order")
        cancelled = super().cancel_order(symbol, client_order_id)
        self._lose("cancelOrder")
        return cancelled

    def place_oco(self, request: OcoRequest) -> OrderList:
        self.calls["newOco"] += 1
        if request.list_client_order_id not in self.lists:
            take = self._rest_leg(request, request.take_profit_client_order_id, OrderType.LIMIT_MAKER,
                                  request.take_profit_price, None)  # fmt: skip
            self._rest_leg(request, request.stop_client_order_id, OrderType.STOP_LOSS_LIMIT,
                           request.stop_limit_price, request.stop_price, reserve=False)  # fmt: skip
            assert take is not None
            self.lists[request.list_client_order_id] = (take, request.stop_client_order_id)
        answer = self._list(request.symbol, request.list_client_order_id)
        self._lose("newOco")
        return answer

    def cancel_order_list(self, symbol: str, list_client_order_id: str) -> OrderList:
        self.calls["cancelOrderList"] += 1
        if self.before_cancel is not None:
            self.before_cancel(list_client_order_id)
        if list_client_order_id not in self.lists:
            raise NotFound(f"no order list {list_client_order_id}", code="unknown_order")
        take, stop = self.lists[list_client_order_id]
        if self.orders[take].is_open:
            super().cancel_order(symbol, take)  # releases the one reserve the list holds
        if self.orders[stop].is_open:
            self.orders[stop] = dataclasses.replace(self.orders[stop], status=OrderStatus.CANCELED)
        answer = self._list(symbol, list_client_order_id)
        self._lose("cancelOrderList")
        return answer

    # --- the market -------------------------------------------------------------------------------

    def trade(self, client_order_id: str, quantity: Decimal | None = None) -> Order:
        """The market trades through a resting order: `quantity` of it (all that is left by default) fills
        at its limit price; an OCO leg's sibling is cancelled when the leg fills."""
        order = self.orders[client_order_id]
        assert order.is_open and order.price is not None, order
        left = order.quantity - order.executed_quantity
        qty = left if quantity is None else min(quantity, left)
        rules = super().symbol_rules(order.symbol)
        quote = qty * order.price
        if order.side is Side.BUY:
            fee, fee_asset = qty * FEE_RATE, rules.base_asset
            self._move(self._locked, rules.quote_asset, -quote)
            self._move(self._free, rules.base_asset, qty - fee)
        else:
            fee = (quote * FEE_RATE).quantize(Decimal("0.00000001"), rounding=ROUND_DOWN)
            fee_asset = rules.quote_asset
            self._move(self._locked, rules.base_asset, -qty)
            self._move(self._free, rules.quote_asset, quote - fee)
        done = order.executed_quantity + qty == order.quantity
        filled = dataclasses.replace(
            order, executed_quantity=order.executed_quantity + qty, quote_quantity=order.quote_quantity + quote,
            status=OrderStatus.FILLED if done else OrderStatus.PARTIALLY_FILLED,
            fills=(*order.fills, Fill(order.price, qty, fee, fee_asset)),
        )  # fmt: skip
        self.orders[client_order_id] = filled
        if order.order_list_id:
            self._cancel_sibling(order.order_list_id, client_order_id)
        return filled

    def _cancel_sibling(self, list_id: str, filled_id: str) -> None:
        for cid in self.lists[list_id]:
            sibling = self.orders[cid]
            if cid != filled_id and sibling.is_open:
                self.orders[cid] = dataclasses.replace(sibling, status=OrderStatus.CANCELED)

    def _rest_leg(
        self,
        request: OcoRequest,
        cid: str,
        type_: OrderType,
        price: Decimal,
        stop: Decimal | None,
        reserve: bool = True,
    ) -> str:
        leg = OrderRequest(symbol=request.symbol, side=request.side, type=OrderType.LIMIT, quantity=request.quantity,
                           client_order_id=cid, price=price)  # fmt: skip
        rules = super().symbol_rules(request.symbol)
        # Both legs sell the same quantity: the list reserves it once (on the take-profit leg).
        order = self._rest(rules, leg) if reserve else self._order(leg, OrderStatus.NEW, Decimal(0), Decimal(0), ())
        self.orders[cid] = dataclasses.replace(
            order, type=type_, stop_price=stop, order_list_id=request.list_client_order_id
        )
        return cid

    def _list(self, symbol: str, list_id: str) -> OrderList:
        return OrderList(symbol, list_id, tuple(self.orders[cid] for cid in self.lists[list_id]))

    def _reserve_of(self, rules: SymbolRules, order: Order) -> tuple[str, Decimal]:
        asset, amount = super()._reserve_of(rules, order)
        # What a partly filled order still holds: the filled part already left the reserve.
        left = order.quantity - order.executed_quantity
        return asset, amount * left / order.quantity
