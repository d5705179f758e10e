"""The resting side of the fake Binance spot (tests/fakes/binance_spot.py): orders that stay on the book,
OCO order lists, open orders, cancel-replace and the market moving through resting orders.

What it models, from Binance's REST documentation (rest-api trading and account endpoints, errors.md, filters.md):
- LIMIT GTC rests unless it crosses (then fills at the market); LIMIT IOC fills or EXPIRES, never rests;
- LIMIT_MAKER that would cross is refused with -2010 "Order would immediately match and take.";
- STOP_LOSS_LIMIT / TAKE_PROFIT_LIMIT whose stop is already through the market is refused with -2010
  "Order would trigger immediately."; otherwise it rests until `trade()` moves the price through its stop,
  then works as a limit at its `price`;
- PERCENT_PRICE_BY_SIDE (against the symbol's current price; Binance uses a 5-minute average), MAX_NUM_ORDERS
  and MAX_NUM_ALGO_ORDERS are enforced with -1013 "Filter failure: <NAME>";
- an OCO (`POST /api/v3/orderList/oco`) adds 2 orders to MAX_NUM_ORDERS (1 algo), locks its quantity once,
  checks `LIMIT_MAKER price > last price > stop price` ("The relationship of the prices for the orders is not
  correct."); the first leg to trigger or fill EXPIRES the other; cancelling one leg cancels the list;
- a list client id, like an order's, is unique among OPEN lists only (a reused one answers -2010 "Duplicate
  order sent."; Binance's exact message for lists is not documented, the code is);
- `GET /api/v3/openOrders` names an OCO leg's list by its number only (`orderListId`);
- cancel-replace STOP_ON_FAILURE: -2022 when the cancel fails (nothing placed), 409/-2021 when the cancel
  succeeded and the new order failed, both with the `data` Binance documents.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tests.fakes.binance_spot import FakeOrder, Symbol

OPEN = ("NEW", "PARTIALLY_FILLED")
FEE_RATE = Decimal("0.001")  # maker and taker alike, in the asset received
EIGHT = Decimal("1e-8")
STOP_TYPES = ("STOP_LOSS_LIMIT", "TAKE_PROFIT_LIMIT")
WOULD_TAKE = {"code": -2010, "msg": "Order would immediately match and take."}
WOULD_TRIGGER = {"code": -2010, "msg": "Order would trigger immediately."}
DUPLICATE = {"code": -2010, "msg": "Duplicate order sent."}
INSUFFICIENT = {"code": -2010, "msg": "Account has insufficient balance for requested action."}
UNKNOWN_ORDER = {"code": -2011, "msg": "Unknown order sent."}
BAD_OCO_PRICES = {"code": -2010, "msg": "The relationship of the prices for the orders is not correct."}


def filter_failure(name: str) -> dict[str, Any]:
    return {"code": -1013, "msg": f"Filter failure: {name}"}


@dataclass
class FakeList:
    order_list_id: int
    list_client_order_id: str
    symbol: str
    legs: list[FakeOrder] = field(default_factory=list)
    created_ms: int = 0

    @property
    def is_open(self) -> bool:
        return any(leg.status in OPEN for leg in self.legs)


def stop_triggered(order: FakeOrder, market: Decimal) -> bool:
    """A sell stop-loss triggers at or below its stop, a sell take-profit at or above (buys the other way)."""
    falling = (order.type == "STOP_LOSS_LIMIT") == (order.side == "SELL")
    return market <= order.stop_price if falling else market >= order.stop_price


def crosses(side: str, price: Decimal, market: Decimal) -> bool:
    return price >= market if side == "BUY" else price <= market


class RestingBook:
    """Mixed into FakeBinanceSpot; uses its `orders`, `balances`, `symbols`, `_ids`, and its `server_ms`,
    `_full` and `_query_shape` (the order shapes it answers)."""

    orders: list[FakeOrder]
    balances: dict[str, Decimal]
    symbols: dict[str, Symbol]
    _ids: itertools.count[int]
    max_num_orders: int
    max_num_algo_orders: int
    percent_price: tuple[Decimal, Decimal, Decimal, Decimal]  # bid up, bid down, ask up, ask down

    @property
    def lists(self) -> list[FakeList]:
        return self._lists

    def _init_book(self) -> None:
        self._lists: list[FakeList] = []
        self.max_num_orders = 200
        self.max_num_algo_orders = 5
        self.percent_price = (Decimal("5"), Decimal("0.2"), Decimal("5"), Decimal("0.2"))

    # --- the test's side -------------------------------------------------------------------------------

    def trade(self, symbol: str, price: str | Decimal, quantity: str | Decimal | None = None) -> None:
        """The market trades at `price`, `quantity` of it at most (None: as much as the book wants): resting orders
        it reaches fill in the order they were placed, a limit at its own price, a triggered stop-limit at the
        market if its limit allows; the last one reached may fill in part (PARTIALLY_FILLED). An OCO leg that
        triggers or fills expires the other leg."""
        sym = self.symbols[symbol]
        sym.price = Decimal(price)
        left = None if quantity is None else Decimal(quantity)
        for order in [o for o in self.orders if o.symbol == symbol and o.status in OPEN]:
            if order.status not in OPEN or left == 0:
                continue  # expired by its OCO sibling in this same pass, or the traded volume is used up
            if order.type in STOP_TYPES and not order.triggered:
                if not stop_triggered(order, sym.price):
                    continue
                order.triggered = True
                self._expire_siblings(order)
            if crosses(order.side, order.price, sym.price):
                self._expire_siblings(order)
                at = sym.price if order.type in STOP_TYPES else order.price
                part = order.quantity - order.executed if left is None else min(left, order.quantity - order.executed)
                self._fill_part(order, sym, at, part)
                left = None if left is None else left - part

    def _fill_part(self, order: FakeOrder, symbol: Symbol, at: Decimal, qty: Decimal) -> None:
        """A resting order executes `qty` at `at`, paid from what it locks (a buy's price improvement refunded)."""
        asset, locked = order.locked or (symbol.base, Decimal(0))
        quote = (qty * at).quantize(EIGHT, ROUND_DOWN)
        if order.side == "BUY":
            used = qty * order.price
            fee, fee_asset = (qty * FEE_RATE).quantize(EIGHT, ROUND_DOWN), symbol.base
            self.balances[symbol.quote] += used - quote
            self.balances[symbol.base] = self.balances.get(symbol.base, Decimal(0)) + qty - fee
        else:
            used = qty
            fee, fee_asset = (quote * FEE_RATE).quantize(EIGHT, ROUND_DOWN), symbol.quote
            self.balances[symbol.quote] = self.balances.get(symbol.quote, Decimal(0)) + quote - fee
        order.locked = (asset, locked - used)
        order.executed += qty
        order.quote += quote
        order.fills.append(
            {
                "price": f"{at:.8f}",
                "qty": f"{qty:.8f}",
                "commission": f"{fee:.8f}",
                "commissionAsset": fee_asset,
                "tradeId": str(next(self._ids)),
            }
        )
        order.status = "FILLED" if order.executed >= order.quantity else "PARTIALLY_FILLED"
        if order.status == "FILLED":
            order.locked = None

    def list_with(self, list_client_order_id: str) -> list[FakeList]:
        return [x for x in self._lists if x.list_client_order_id == list_client_order_id]

    # --- checks a new order meets before it rests ---------------------------------------------------------

    def _filters(self, symbol: Symbol, side: str, type_: str, price: Decimal, added: int = 1) -> dict[str, Any] | None:
        """`type_` "OCO" stands for a list: 2 orders, 1 of them algo (its stop-limit leg)."""
        if price > 0 and type_ != "MARKET":
            bid_up, bid_down, ask_up, ask_down = self.percent_price
            up, down = (bid_up, bid_down) if side == "BUY" else (ask_up, ask_down)
            if not symbol.price * down <= price <= symbol.price * up:
                return filter_failure("PERCENT_PRICE_BY_SIDE")
        if type_ == "MARKET":
            return None
        resting = [o for o in self.orders if o.symbol == symbol.name and o.status in OPEN]
        if len(resting) + added > self.max_num_orders:
            return filter_failure("MAX_NUM_ORDERS")
        algo_added = 1 if type_ in (*STOP_TYPES, "OCO") else 0
        algo = len([o for o in resting if o.type in STOP_TYPES])
        if algo_added and algo + algo_added > self.max_num_algo_orders:
            return filter_failure("MAX_NUM_ALGO_ORDERS")
        return None

    def _lock(self, order: FakeOrder, symbol: Symbol) -> dict[str, Any] | None:
        asset, amount = (
            (symbol.quote, order.quantity * order.price) if order.side == "BUY" else (symbol.base, order.quantity)
        )
        if self.balances.get(asset, Decimal(0)) < amount:
            return INSUFFICIENT
        self.balances[asset] -= amount
        order.locked = (asset, amount)
        return None

    def _release(self, order: FakeOrder) -> None:
        """Give back what the order still locks (its unfilled part); a filled or expired order locks nothing."""
        if order.locked is None:
            return
        asset, amount = order.locked
        self.balances[asset] = self.balances.get(asset, Decimal(0)) + amount
        order.locked = None

    def _expire_siblings(self, order: FakeOrder) -> None:
        if order.order_list_id < 0:
            return
        for other in self.orders:
            if other.order_list_id == order.order_list_id and other is not order and other.status in OPEN:
                self._move_lock(other, order)
                other.status = "EXPIRED"

    def _move_lock(self, frm: FakeOrder, to: FakeOrder) -> None:
        """An OCO locks its quantity once (on its first leg): the leg that lives on keeps it."""
        if frm.locked is not None and to.locked is None and to.status in OPEN:
            to.locked, frm.locked = frm.locked, None
        else:
            self._release(frm)

    def place_resting(self, order: FakeOrder, symbol: Symbol, tif: str) -> tuple[int, Any] | None:
        """The rules of the resting types; None when the order is the market's (MARKET, or a LIMIT that crosses)."""
        if order.type in STOP_TYPES:
            order.time_in_force = tif
            return (400, WOULD_TRIGGER) if stop_triggered(order, symbol.price) else self._rest(order, symbol)
        if not crosses(order.side, order.price, symbol.price):
            if order.type == "LIMIT" and tif == "IOC":
                order.status, order.time_in_force = "EXPIRED", "IOC"
                self.orders.append(order)
                return 200, self._full(order)
            return self._rest(order, symbol)
        if order.type == "LIMIT_MAKER":
            return 400, WOULD_TAKE
        return None

    def _rest(self, order: FakeOrder, symbol: Symbol) -> tuple[int, Any]:
        refused = self._lock(order, symbol)
        if refused is not None:
            return 400, refused
        self.orders.append(order)
        return 200, self._full(order)

    # --- endpoints ------------------------------------------------------------------------------------

    def open_orders(self, p: dict[str, str]) -> tuple[int, Any]:
        if p.get("symbol") and p["symbol"] not in self.symbols:
            return 400, {"code": -1121, "msg": "Invalid symbol."}
        chosen = [o for o in self.orders if o.status in OPEN and p.get("symbol") in (None, "", o.symbol)]
        return 200, [self._query_shape(o) for o in chosen]

    def place_oco(self, p: dict[str, str], new_order: Any) -> tuple[int, Any]:
        symbol = self.symbols.get(p.get("symbol", ""))
        if symbol is None:
            return 400, {"code": -1121, "msg": "Invalid symbol."}
        if p.get("side") != "SELL" or p.get("aboveType") != "LIMIT_MAKER" or p.get("belowType") != "STOP_LOSS_LIMIT":
            return 400, {"code": -1158, "msg": "Order type not supported in OCO (this fake models sell OCOs)."}
        if "belowTimeInForce" not in p:
            return 400, {"code": -1102, "msg": "Mandatory parameter 'belowTimeInForce' was not sent."}
        list_coid = p.get("listClientOrderId") or f"list-{next(self._ids)}"
        above_id, below_id = p.get("aboveClientOrderId", ""), p.get("belowClientOrderId", "")
        if any(x.list_client_order_id == list_coid and x.is_open for x in self._lists) or any(
            o.client_order_id in (above_id, below_id) and o.status in OPEN for o in self.orders
        ):
            return 400, DUPLICATE
        qty, above, stop, below = (Decimal(p[k]) for k in ("quantity", "abovePrice", "belowStopPrice", "belowPrice"))
        if not above > symbol.price > stop:
            return 400, BAD_OCO_PRICES
        for price in (above, below):
            refused = self._filters(symbol, "SELL", "OCO", price, added=2)
            if refused is not None:
                return 400, refused
        return self._open_list(p, symbol, list_coid, qty, new_order)

    def _open_list(
        self, p: dict[str, str], symbol: Symbol, list_coid: str, qty: Decimal, new_order: Any
    ) -> tuple[int, Any]:
        order_list = FakeList(next(self._ids), list_coid, symbol.name, created_ms=self.server_ms())
        below = new_order(symbol, p.get("belowClientOrderId"), "SELL", "STOP_LOSS_LIMIT", qty, Decimal(p["belowPrice"]))
        below.stop_price, below.time_in_force = Decimal(p["belowStopPrice"]), p["belowTimeInForce"]
        above = new_order(symbol, p.get("aboveClientOrderId"), "SELL", "LIMIT_MAKER", qty, Decimal(p["abovePrice"]))
        refused = self._lock(below, symbol)
        if refused is not None:
            return 400, refused
        for leg in (below, above):
            leg.order_list_id = order_list.order_list_id
            order_list.legs.append(leg)
            self.orders.append(leg)
        self._lists.append(order_list)
        return 200, self._list_json(order_list, [self._full(leg) for leg in order_list.legs])

    def query_list(self, p: dict[str, str]) -> tuple[int, Any]:
        found = self._find_list(p.get("orderListId"), p.get("origClientOrderId"))
        if found is None:
            return 400, {"code": -2013, "msg": "Order list does not exist."}
        return 200, self._list_json(found, None)

    def cancel_list(self, p: dict[str, str]) -> tuple[int, Any]:
        found = self._find_list(p.get("orderListId"), p.get("listClientOrderId"), open_only=True)
        if found is None or found.symbol != p.get("symbol"):
            return 400, {"code": -2011, "msg": "Unknown order list sent."}
        reports = []
        for leg in found.legs:
            if leg.status in OPEN:
                self._release(leg)
                leg.status = "CANCELED"
            body = self._query_shape(leg)
            body.update({"origClientOrderId": leg.client_order_id, "clientOrderId": f"cancel-{next(self._ids)}"})
            reports.append(body)
        return 200, self._list_json(found, reports)

    def cancel_replace(self, p: dict[str, str], cancel: Any, place: Any) -> tuple[int, Any]:
        symbol = self.symbols.get(p.get("symbol", ""))
        if symbol is None:
            return 400, {"code": -1121, "msg": "Invalid symbol."}
        price = Decimal(p.get("price", "0"))
        refused = self._filters(symbol, p.get("side", ""), p.get("type", ""), price, added=0)
        if refused is not None:  # filters are evaluated before the cancel
            return 400, refused
        status, cancelled = cancel({"symbol": symbol.name, "origClientOrderId": p.get("cancelOrigClientOrderId", "")})
        if status != 200:
            data = {
                "cancelResult": "FAILURE",
                "newOrderResult": "NOT_ATTEMPTED",
                "cancelResponse": cancelled,
                "newOrderResponse": None,
            }
            return 400, {"code": -2022, "msg": "Order cancel-replace failed.", "data": data}
        new_params = {k: v for k, v in p.items() if not k.startswith("cancel")}
        status, placed = place(new_params)
        if status != 200:
            data = {
                "cancelResult": "SUCCESS",
                "newOrderResult": "FAILURE",
                "cancelResponse": cancelled,
                "newOrderResponse": placed,
            }
            return 409, {"code": -2021, "msg": "Order cancel-replace partially failed.", "data": data}
        return 200, {
            "cancelResult": "SUCCESS",
            "newOrderResult": "SUCCESS",
            "cancelResponse": cancelled,
            "newOrderResponse": placed,
        }

    def _find_list(self, number: str | None, coid: str | None, *, open_only: bool = False) -> FakeList | None:
        found = [
            x
            for x in self._lists
            if (number is not None and str(x.order_list_id) == number)
            or (number is None and x.list_client_order_id == coid)
        ]
        if open_only:
            found = [x for x in found if x.is_open]
        return found[-1] if found else None

    def _list_json(self, x: FakeList, reports: list[dict[str, Any]] | None) -> dict[str, Any]:
        done = not x.is_open
        body: dict[str, Any] = {
            "orderListId": x.order_list_id,
            "contingencyType": "OCO",
            "listStatusType": "ALL_DONE" if done else "EXEC_STARTED",
            "listOrderStatus": "ALL_DONE" if done else "EXECUTING",
            "listClientOrderId": x.list_client_order_id,
            "transactionTime": x.created_ms,
            "symbol": x.symbol,
            "orders": [{"symbol": x.symbol, "orderId": o.order_id, "clientOrderId": o.client_order_id} for o in x.legs],
        }
        if reports is not None:
            body["orderReports"] = reports
        return body
