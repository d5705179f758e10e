"""A stand-in for Binance spot REST that keeps orders, served over real HTTP on 127.0.0.1.

It models what the exchange documents, the inconvenient parts included:
- `newClientOrderId` is unique only among OPEN orders: a duplicate is refused with -2010 "Duplicate order
  sent." while an order with that id is NEW or PARTIALLY_FILLED; once it is FILLED or CANCELED the same id
  places a NEW order (and fills again);
- a 5xx means "execution status UNKNOWN": a fault can be armed to strike AFTER the request executed, answering
  500/-1000, 503/-1001, 502/-1006, 503/-1007, 503/-1008, 500 with an unknown code, a 504 HTML page, a late
  answer (past the client's read timeout) or a dropped connection;
- for a moment after placing, a lookup may answer -2013 "Order does not exist." (`lookup_lag`);
- signed requests carry an HMAC-SHA256 signature and a timestamp inside `recvWindow` of the server's clock
  (`clock_offset_ms` moves the server's clock away from this machine's to make -1021 happen);
- market orders fill at `price` with a 0.1% fee (FEE_RATE) in the asset received; balances are checked (-2010
  "Account has insufficient balance for requested action."); a query-order answer has no fills (as on
  Binance): the fees are in GET /api/v3/myTrades;
- resting orders, OCO lists, open orders and cancel-replace as tests/fakes/binance_book.py describes.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from tests.fakes.binance_book import FEE_RATE, STOP_TYPES, RestingBook

API_KEY = "fakeSpotKey0000000000000000000000000000000000000000000000000001"
API_SECRET = "fakeSpotSecret000000000000000000000000000000000000000000000001"

OPEN = ("NEW", "PARTIALLY_FILLED")
INTERVALS_MS = {"1m": 60_000, "5m": 300_000, "15m": 900_000, "1h": 3_600_000, "4h": 14_400_000, "1d": 86_400_000}

# Faults that strike after the order request executed: (HTTP status, body or None for an HTML page).
AFTER_EXECUTION = {
    "500/-1000": (500, {"code": -1000, "msg": "An unknown error occurred while processing the request."}),
    "503/-1001": (503, {"code": -1001, "msg": "Internal error; unable to process your request. Please try again."}),
    "502/-1006": (
        502,
        {"code": -1006, "msg": "An unexpected response was received from the message bus. Execution status unknown."},
    ),
    "503/-1007": (
        503,
        {
            "code": -1007,
            "msg": "Timeout waiting for response from backend server. Send status unknown; execution status unknown.",
        },
    ),
    "503/-1008": (503, {"code": -1008, "msg": "Server is currently overloaded with other requests. Please try again."}),
    "500/unknown-code": (500, {"code": -1099, "msg": "Not found, unauthenticated, or unauthorized."}),
    "504/html": (504, None),
}
TRANSPORT_FAULTS = ("timeout", "dropped")
# What Binance answers a signed request when the key itself is refused (set `refuse_key` to one of these):
# an unknown key, a call from an IP outside the key's whitelist or without the permission all answer -2015.
KEY_REFUSALS = {
    "-2015": (401, {"code": -2015, "msg": "Invalid API-key, IP, or permissions for action."}),
    "-2014": (401, {"code": -2014, "msg": "API-key format invalid."}),
    "-1022": (400, {"code": -1022, "msg": "Signature for this request is not valid."}),
}
ALL_FAULTS = (*AFTER_EXECUTION, *TRANSPORT_FAULTS)


@dataclass
class Symbol:
    name: str
    base: str
    quote: str
    price: Decimal


@dataclass
class FakeOrder:
    order_id: int
    symbol: str
    client_order_id: str
    side: str
    type: str
    quantity: Decimal
    price: Decimal
    status: str
    created_ms: int
    executed: Decimal = Decimal(0)
    quote: Decimal = Decimal(0)
    fills: list[dict[str, str]] = field(default_factory=list)
    lookups_hidden: int = 0
    stop_price: Decimal = Decimal(0)
    time_in_force: str = "GTC"
    order_list_id: int = -1
    triggered: bool = False  # a stop order whose stop the market has reached: it works as a limit now
    locked: tuple[str, Decimal] | None = None  # what a resting order holds of the balances


def _fmt(d: Decimal) -> str:
    return f"{d:.8f}"


class FakeBinanceSpot(RestingBook, ThreadingHTTPServer):
    daemon_threads = True

    def __init__(
        self,
        *,
        balances: dict[str, str] | None = None,
        price: str = "35000",
        lookup_lag: int = 0,
        clock_offset_ms: int = 0,
        late_answer_s: float = 1.0,
    ) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.symbols = {
            "BTCUSDT": Symbol("BTCUSDT", "BTC", "USDT", Decimal(price)),
            "ETHUSDT": Symbol("ETHUSDT", "ETH", "USDT", Decimal(price) / 20),
        }
        self.balances = {k: Decimal(v) for k, v in (balances or {"USDT": "10000", "BTC": "0", "ETH": "0"}).items()}
        self.orders: list[FakeOrder] = []
        self.faults: deque[str] = deque()
        self.lookup_lag = lookup_lag
        # What GET /sapi/v1/account/apiRestrictions and GET /api/v3/account say the key may do.
        self.withdrawals_enabled = False
        self.can_trade = True
        self.ip_restrict = False  # `ipRestrict` of /sapi/v1/account/apiRestrictions
        self.refuse_key: str | None = None  # a KEY_REFUSALS entry every signed request answers
        self.clock_offset_ms = clock_offset_ms
        self.late_answer_s = late_answer_s
        self.requests: list[tuple[str, str, dict[str, str]]] = []
        self.lock = threading.Lock()
        self._ids = itertools.count(1000)
        self._init_book()
        self._thread = threading.Thread(target=self.serve_forever, name="fake-binance-spot", daemon=True)

    # --- the test's side -----------------------------------------------------------------------------

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"

    def arm(self, fault: str) -> None:
        """The next order-changing request (POST or DELETE /api/v3/order, POST /api/v3/orderList/oco,
        DELETE /api/v3/orderList, POST /api/v3/order/cancelReplace) executes, then meets `fault`."""
        assert fault in ALL_FAULTS, fault
        self.faults.append(fault)

    def orders_with(self, client_order_id: str) -> list[FakeOrder]:
        return [o for o in self.orders if o.client_order_id == client_order_id]

    def calls(self, method: str, path: str) -> list[dict[str, str]]:
        return [p for m, pa, p in self.requests if m == method and pa == path]

    def server_ms(self) -> int:
        return int(time.time() * 1000) + self.clock_offset_ms

    def __enter__(self) -> FakeBinanceSpot:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown()
        self.server_close()
        self._thread.join(timeout=5)

    # --- the exchange ------------------------------------------------------------------------------

    def place(self, p: dict[str, str]) -> tuple[int, Any]:
        symbol = self.symbols.get(p.get("symbol", ""))
        if symbol is None:
            return 400, {"code": -1121, "msg": "Invalid symbol."}
        coid = p.get("newClientOrderId") or f"x-{next(self._ids)}"
        if any(o.client_order_id == coid and o.status in OPEN for o in self.orders):
            return 400, {"code": -2010, "msg": "Duplicate order sent."}
        side, type_ = p.get("side", ""), p.get("type", "")
        price = Decimal(p["price"]) if "price" in p else Decimal(0)
        refused = self._filters(symbol, side, type_, price)
        if refused is not None:
            return 400, refused
        order = self.new_order(symbol, coid, side, type_, Decimal(p.get("quantity", "0")), price)
        order.stop_price = Decimal(p.get("stopPrice", "0"))
        order.lookups_hidden = self.lookup_lag
        rested = None if type_ == "MARKET" else self.place_resting(order, symbol, p.get("timeInForce", "GTC"))
        if rested is not None:
            return rested
        refused_fill = self._fill(order, symbol)
        if refused_fill is not None:
            return 400, refused_fill
        self.orders.append(order)
        return 200, self._full(order)

    def new_order(
        self, symbol: Symbol, coid: str | None, side: str, type_: str, qty: Decimal, price: Decimal
    ) -> FakeOrder:
        coid = coid or f"x-{next(self._ids)}"
        return FakeOrder(next(self._ids), symbol.name, coid, side, type_, qty, price, "NEW", self.server_ms())

    def _fill(self, order: FakeOrder, symbol: Symbol, at: Decimal | None = None) -> dict[str, Any] | None:
        at = symbol.price if at is None else at
        quote = (order.quantity * at).quantize(Decimal("1e-8"), ROUND_DOWN)
        if order.side == "BUY":
            if self.balances.get(symbol.quote, Decimal(0)) < quote:
                return {"code": -2010, "msg": "Account has insufficient balance for requested action."}
            fee = (order.quantity * FEE_RATE).quantize(Decimal("1e-8"), ROUND_DOWN)
            self.balances[symbol.quote] -= quote
            self.balances[symbol.base] = self.balances.get(symbol.base, Decimal(0)) + order.quantity - fee
            fee_asset = symbol.base
        else:
            if self.balances.get(symbol.base, Decimal(0)) < order.quantity:
                return {"code": -2010, "msg": "Account has insufficient balance for requested action."}
            fee = (quote * FEE_RATE).quantize(Decimal("1e-8"), ROUND_DOWN)
            self.balances[symbol.base] -= order.quantity
            self.balances[symbol.quote] = self.balances.get(symbol.quote, Decimal(0)) + quote - fee
            fee_asset = symbol.quote
        order.status, order.executed, order.quote = "FILLED", order.quantity, quote
        order.fills = [
            {
                "price": _fmt(at),
                "qty": _fmt(order.quantity),
                "commission": _fmt(fee),
                "commissionAsset": fee_asset,
                "tradeId": str(next(self._ids)),
            }
        ]
        return None

    def query(self, p: dict[str, str]) -> tuple[int, Any]:
        found = [
            o for o in self.orders if o.client_order_id == p.get("origClientOrderId") and o.symbol == p.get("symbol")
        ]
        if "orderId" in p:
            found = [o for o in self.orders if str(o.order_id) == p["orderId"]]
        if not found:
            return 400, {"code": -2013, "msg": "Order does not exist."}
        order = found[-1]  # the latest order that used the id
        if order.lookups_hidden > 0:
            order.lookups_hidden -= 1
            return 400, {"code": -2013, "msg": "Order does not exist."}
        return 200, self._query_shape(order)

    def klines(self, p: dict[str, str]) -> tuple[int, Any]:
        """Candles that end at `endTime` (or now), the last one possibly still open, as Binance answers."""
        symbol = self.symbols.get(p.get("symbol", ""))
        step = INTERVALS_MS.get(p.get("interval", ""))
        if symbol is None or step is None:
            return 400, {"code": -1121, "msg": "Invalid symbol."} if symbol is None else {
                "code": -1120,
                "msg": "Invalid interval.",
            }
        limit = min(int(p.get("limit", "500")), 1000)
        end = int(p["endTime"]) if "endTime" in p else self.server_ms()
        last_open = end - end % step
        rows = []
        for i in range(limit - 1, -1, -1):
            t = last_open - i * step
            wiggle = Decimal((t // step) % 7 - 3) / 1000  # a small deterministic zig-zag around the price
            close = symbol.price * (1 + wiggle)
            rows.append(
                [
                    t,
                    _fmt(symbol.price),
                    _fmt(max(close, symbol.price)),
                    _fmt(min(close, symbol.price)),
                    _fmt(close),
                    "12.5",
                    t + step - 1,
                    "437000.0",
                    321,
                    "6.1",
                    "213000.0",
                    "0",
                ]
            )
        return 200, rows

    def my_trades(self, p: dict[str, str]) -> tuple[int, Any]:
        orders = [o for o in self.orders if o.symbol == p.get("symbol")]
        if "orderId" in p:
            orders = [o for o in orders if str(o.order_id) == p["orderId"]]
        rows = []
        for o in orders:
            for f in o.fills:
                rows.append(
                    {
                        "symbol": o.symbol,
                        "id": int(f["tradeId"]),
                        "orderId": o.order_id,
                        "orderListId": -1,
                        "price": f["price"],
                        "qty": f["qty"],
                        "quoteQty": _fmt(Decimal(f["price"]) * Decimal(f["qty"])),
                        "commission": f["commission"],
                        "commissionAsset": f["commissionAsset"],
                        "time": o.created_ms,
                        "isBuyer": o.side == "BUY",
                        "isMaker": False,
                        "isBestMatch": True,
                    }
                )
        return 200, rows

    def cancel(self, p: dict[str, str]) -> tuple[int, Any]:
        found = [
            o
            for o in self.orders
            if o.client_order_id == p.get("origClientOrderId") and o.symbol == p.get("symbol") and o.status in OPEN
        ]
        if not found:
            return 400, {"code": -2011, "msg": "Unknown order sent."}
        order = found[-1]
        self._release(order)
        for leg in [o for o in self.orders if order.order_list_id >= 0 and o.order_list_id == order.order_list_id]:
            if leg is not order and leg.status in OPEN:  # cancelling one leg of an OCO cancels the list
                self._release(leg)
                leg.status = "CANCELED"
        order.status = "CANCELED"
        body = self._query_shape(order)
        body.update({"origClientOrderId": order.client_order_id, "clientOrderId": f"cancel-{next(self._ids)}"})
        for key in ("time", "updateTime", "isWorking", "workingTime", "origQuoteOrderQty"):
            body.pop(key, None)
        return 200, body

    def account(self) -> dict[str, Any]:
        return {
            "makerCommission": 10,
            "takerCommission": 10,
            "canTrade": self.can_trade,
            "canWithdraw": False,
            "canDeposit": True,
            "accountType": "SPOT",
            "permissions": ["SPOT"],
            "balances": [{"asset": a, "free": _fmt(v), "locked": "0.00000000"} for a, v in self.balances.items()],
        }

    def exchange_info(self, name: str | None) -> tuple[int, Any]:
        chosen = [s for s in self.symbols.values() if name in (None, s.name)]
        if name and not chosen:
            return 400, {"code": -1121, "msg": "Invalid symbol."}
        return 200, {
            "timezone": "UTC",
            "serverTime": self.server_ms(),
            "rateLimits": [{"rateLimitType": "REQUEST_WEIGHT", "interval": "MINUTE", "intervalNum": 1, "limit": 6000}],
            "symbols": [self._with_limits(_symbol_info(s)) for s in chosen],
        }

    def _with_limits(self, info: dict[str, Any]) -> dict[str, Any]:
        bid_up, bid_down, ask_up, ask_down = self.percent_price
        info["filters"] += [
            {
                "filterType": "PERCENT_PRICE_BY_SIDE",
                "bidMultiplierUp": str(bid_up),
                "bidMultiplierDown": str(bid_down),
                "askMultiplierUp": str(ask_up),
                "askMultiplierDown": str(ask_down),
                "avgPriceMins": 5,
            },
            {"filterType": "MAX_NUM_ORDERS", "maxNumOrders": self.max_num_orders},
            {"filterType": "MAX_NUM_ALGO_ORDERS", "maxNumAlgoOrders": self.max_num_algo_orders},
        ]
        info["ocoAllowed"] = True
        info["cancelReplaceAllowed"] = True
        return info

    def _full(self, o: FakeOrder) -> dict[str, Any]:
        return {
            "symbol": o.symbol,
            "orderId": o.order_id,
            "orderListId": o.order_list_id,
            "clientOrderId": o.client_order_id,
            "transactTime": o.created_ms,
            "price": _fmt(o.price),
            "origQty": _fmt(o.quantity),
            "executedQty": _fmt(o.executed),
            "cummulativeQuoteQty": _fmt(o.quote),
            "status": o.status,
            "timeInForce": o.time_in_force,
            "type": o.type,
            "side": o.side,
            **({"stopPrice": _fmt(o.stop_price)} if o.type in STOP_TYPES else {}),
            "workingTime": -1 if o.type in STOP_TYPES and not o.triggered else o.created_ms,
            "selfTradePreventionMode": "EXPIRE_MAKER",
            "fills": o.fills,
        }

    def _query_shape(self, o: FakeOrder) -> dict[str, Any]:
        body = self._full(o)
        body.pop("fills")
        body.pop("transactTime")
        body.update(
            {"time": o.created_ms, "updateTime": o.created_ms, "isWorking": True, "origQuoteOrderQty": "0.00000000"}
        )
        return body

    def check_signature(self, payload: str, api_key: str) -> tuple[int, Any] | None:
        if self.refuse_key is not None:
            return KEY_REFUSALS[self.refuse_key]
        if api_key != API_KEY:
            return 401, {"code": -2015, "msg": "Invalid API-key, IP, or permissions for action."}
        if "&signature=" not in payload:
            return 400, {
                "code": -1102,
                "msg": "Mandatory parameter 'signature' was not sent, was empty/null, or malformed.",
            }
        unsigned, signature = payload.rsplit("&signature=", 1)
        expected = hmac.new(API_SECRET.encode(), unsigned.encode(), hashlib.sha256).hexdigest()
        if not hmac.compare_digest(signature, expected):
            return 400, {"code": -1022, "msg": "Signature for this request is not valid."}
        params = dict(parse_qsl(unsigned))
        stamp, window = int(params.get("timestamp", "0")), int(params.get("recvWindow", "5000"))
        now = self.server_ms()
        if stamp > now + 1000 or now - stamp > window:
            return 400, {"code": -1021, "msg": "Timestamp for this request was 1000ms ahead of the server's time."}
        return None


def _symbol_info(s: Symbol) -> dict[str, Any]:
    return {
        "symbol": s.name,
        "status": "TRADING",
        "baseAsset": s.base,
        "baseAssetPrecision": 8,
        "quoteAsset": s.quote,
        "quotePrecision": 8,
        "quoteAssetPrecision": 8,
        "orderTypes": ["LIMIT", "LIMIT_MAKER", "MARKET", "STOP_LOSS_LIMIT", "TAKE_PROFIT_LIMIT"],
        "isSpotTradingAllowed": True,
        "filters": [
            {
                "filterType": "PRICE_FILTER",
                "minPrice": "0.01000000",
                "maxPrice": "1000000.00000000",
                "tickSize": "0.01000000",
            },
            {"filterType": "LOT_SIZE", "minQty": "0.00001000", "maxQty": "9000.00000000", "stepSize": "0.00001000"},
            {
                "filterType": "MARKET_LOT_SIZE",
                "minQty": "0.00000000",
                "maxQty": "85.00000000",
                "stepSize": "0.00000000",
            },
            {
                "filterType": "NOTIONAL",
                "minNotional": "5.00000000",
                "applyMinToMarket": True,
                "maxNotional": "9000000.00000000",
                "applyMaxToMarket": False,
                "avgPriceMins": 5,
            },
        ],
        "permissionSets": [["SPOT", "MARGIN"]],
    }


class _Handler(BaseHTTPRequestHandler):
    server: FakeBinanceSpot
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # the calls are recorded instead
        pass

    def _send(self, status: int, body: Any) -> None:
        data = json.dumps(body).encode() if body is not None else b"<html><body>504 Gateway Time-out</body></html>"
        self.send_response(status)
        self.send_header("Content-Type", "application/json;charset=UTF-8" if body is not None else "text/html")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("X-MBX-USED-WEIGHT-1M", "10")
        self.end_headers()
        self.wfile.write(data)

    def _route(self) -> None:
        split = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode() if length else ""
        payload = split.query if self.command in ("GET", "DELETE") and split.query else body
        params = dict(parse_qsl(payload))
        fake = self.server
        path = split.path
        with fake.lock:
            fake.requests.append((self.command, path, params))
        public = {"/api/v3/ping", "/api/v3/time", "/api/v3/exchangeInfo", "/api/v3/avgPrice", "/api/v3/klines"}
        if path not in public:
            with fake.lock:
                refused = fake.check_signature(payload, self.headers.get("X-MBX-APIKEY", ""))
            if refused is not None:
                return self._send(*refused)
        fault: str | None = None
        with fake.lock:
            if path == "/api/v3/ping":
                status, answer = 200, {}
            elif path == "/api/v3/time":
                status, answer = 200, {"serverTime": fake.server_ms()}
            elif path == "/api/v3/exchangeInfo":
                status, answer = fake.exchange_info(params.get("symbol"))
            elif path == "/api/v3/avgPrice":
                sym = fake.symbols.get(params.get("symbol", ""))
                status, answer = (
                    (200, {"mins": 5, "price": _fmt(sym.price), "closeTime": fake.server_ms()})
                    if sym
                    else (
                        400,
                        {"code": -1121, "msg": "Invalid symbol."},
                    )
                )
            elif path == "/api/v3/account":
                status, answer = 200, fake.account()
            elif path == "/sapi/v1/account/apiRestrictions":
                status, answer = (
                    200,
                    {
                        "ipRestrict": fake.ip_restrict,
                        "enableWithdrawals": fake.withdrawals_enabled,
                        "enableReading": True,
                        "enableSpotAndMarginTrading": fake.can_trade,
                        "createTime": fake.server_ms(),
                    },
                )
            elif path == "/api/v3/order" and self.command == "POST":
                status, answer = fake.place(params)
                fault = fake.faults.popleft() if fake.faults else None
            elif path == "/api/v3/order" and self.command == "DELETE":
                status, answer = fake.cancel(params)
                fault = fake.faults.popleft() if fake.faults else None
            elif path == "/api/v3/order" and self.command == "GET":
                status, answer = fake.query(params)
            elif path == "/api/v3/openOrders" and self.command == "GET":
                status, answer = fake.open_orders(params)
            elif path == "/api/v3/orderList/oco" and self.command == "POST":
                status, answer = fake.place_oco(params, fake.new_order)
                fault = fake.faults.popleft() if fake.faults else None
            elif path == "/api/v3/orderList" and self.command == "GET":
                status, answer = fake.query_list(params)
            elif path == "/api/v3/orderList" and self.command == "DELETE":
                status, answer = fake.cancel_list(params)
                fault = fake.faults.popleft() if fake.faults else None
            elif path == "/api/v3/order/cancelReplace" and self.command == "POST":
                status, answer = fake.cancel_replace(params, fake.cancel, fake.place)
                fault = fake.faults.popleft() if fake.faults else None
            elif path == "/api/v3/klines":
                status, answer = fake.klines(params)
            elif path == "/api/v3/myTrades":
                status, answer = fake.my_trades(params)
            else:
                status, answer = 404, {"code": -1100, "msg": f"fake Binance: no route {self.command} {path}"}
        if fault == "dropped":
            self.close_connection = True
            self.connection.shutdown(2)  # the order executed; the answer never leaves
            return None
        if fault == "timeout":
            time.sleep(fake.late_answer_s)  # past the client's read timeout: it has given up
            return self._send(status, answer)
        if fault is not None:
            return self._send(*AFTER_EXECUTION[fault])
        return self._send(status, answer)

    do_GET = _route
    do_POST = _route
    do_DELETE = _route
    do_PUT = _route
