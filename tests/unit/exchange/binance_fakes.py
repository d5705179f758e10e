"""Canned Binance answers shaped as in Binance's REST documentation, and request checks."""

from __future__ import annotations

import hashlib
import hmac
from typing import Any
from urllib.parse import parse_qsl, urlparse

from chalicelib.adapters.binance import (
    BinanceCredentials,
    BinanceEndpoint,
    BinanceSpotExchange,
    InMemoryWeightStore,
    RetryPolicy,
    WeightBudget,
    WeightStore,
)
from chalicelib.adapters.binance.exchange import ServerTimeOffsets
from chalicelib.domain.clock import ManualClock

API_KEY = "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A"
API_SECRET = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j"
BASE = "https://api.test.local"
API = f"{BASE}/api/v3"
T0 = 1_699_999_980_000  # 2023-11-14T22:13:00Z, a minute boundary


class SleepRecorder:
    """Injected sleep: records the waits and moves the manual clock instead of sleeping."""

    def __init__(self, clock: ManualClock) -> None:
        self.clock = clock
        self.calls: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)
        self.clock.advance(int(seconds * 1000))


def make_exchange(
    clock: ManualClock | None = None,
    store: WeightStore | None = None,
    *,
    egress: str = "egress-1",
    credentials: BinanceCredentials | None = None,
    signed: bool = True,
) -> tuple[BinanceSpotExchange, SleepRecorder]:
    import random

    clock = clock or ManualClock(T0)
    sleep = SleepRecorder(clock)
    budget = WeightBudget(store or InMemoryWeightStore(), egress, clock, sleep)
    creds = credentials or (BinanceCredentials(API_KEY, API_SECRET) if signed else None)
    exchange = BinanceSpotExchange(
        BinanceEndpoint.custom(BASE),
        budget,
        credentials=creds,
        clock=clock,
        sleep=sleep,
        policy=RetryPolicy(rng=random.Random(7)),
        time_offsets=ServerTimeOffsets(),  # a resync in one test must not move another's clock
    )
    return exchange, sleep


def signed_params(request: Any, secret: str = API_SECRET, api_key: str = API_KEY) -> dict[str, str]:
    """Check the HMAC-SHA256 signature of a signed request exactly as Binance does and return its params."""
    if request.method in ("GET",):
        payload = urlparse(request.url).query
    else:
        body = request.body
        payload = body.decode() if isinstance(body, bytes) else str(body)
    assert "&signature=" in payload, f"unsigned request {request.method} {request.url}"
    unsigned, signature = payload.rsplit("&signature=", 1)
    expected = hmac.new(secret.encode(), unsigned.encode(), hashlib.sha256).hexdigest()
    assert signature == expected, "bad HMAC-SHA256 signature"
    assert request.headers["X-MBX-APIKEY"] == api_key
    params = dict(parse_qsl(unsigned))
    assert "timestamp" in params
    return params


def exchange_info(symbol: str = "BTCUSDT") -> dict[str, Any]:
    return {
        "timezone": "UTC",
        "serverTime": T0,
        "rateLimits": [{"rateLimitType": "REQUEST_WEIGHT", "interval": "MINUTE", "intervalNum": 1, "limit": 6000}],
        "exchangeFilters": [],
        "symbols": [
            {
                "symbol": symbol,
                "status": "TRADING",
                "baseAsset": "BTC",
                "baseAssetPrecision": 8,
                "quoteAsset": "USDT",
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
                    {
                        "filterType": "LOT_SIZE",
                        "minQty": "0.00001000",
                        "maxQty": "9000.00000000",
                        "stepSize": "0.00001000",
                    },
                    {"filterType": "ICEBERG_PARTS", "limit": 10},
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
                "permissions": [],
                "permissionSets": [["SPOT", "MARGIN"]],
            }
        ],
    }


def order_ack(
    client_order_id: str,
    *,
    side: str = "BUY",
    type_: str = "MARKET",
    status: str = "FILLED",
    qty: str = "0.00100000",
    price: str = "0.00000000",
    fill_price: str = "35000.00000000",
) -> dict[str, Any]:
    filled = status == "FILLED"
    return {
        "symbol": "BTCUSDT",
        "orderId": 28,
        "orderListId": -1,
        "clientOrderId": client_order_id,
        "transactTime": T0,
        "price": price,
        "origQty": qty,
        "executedQty": qty if filled else "0.00000000",
        "cummulativeQuoteQty": "35.00000000" if filled else "0.00000000",
        "status": status,
        "timeInForce": "GTC",
        "type": type_,
        "side": side,
        "workingTime": T0,
        "selfTradePreventionMode": "NONE",
        "fills": [
            {"price": fill_price, "qty": qty, "commission": "0.00000100", "commissionAsset": "BTC", "tradeId": 56}
        ]
        if filled
        else [],
    }


def query_order(client_order_id: str, status: str = "FILLED") -> dict[str, Any]:
    data = order_ack(client_order_id, status=status)
    data.pop("fills")
    data.pop("transactTime")
    data.update({"time": T0, "updateTime": T0, "isWorking": True, "origQuoteOrderQty": "0.00000000"})
    return data


def my_trade(order_id: int = 28, qty: str = "0.00100000") -> dict[str, Any]:
    """One row of GET /api/v3/myTrades for the order of `order_ack`."""
    return {
        "symbol": "BTCUSDT",
        "id": 56,
        "orderId": order_id,
        "orderListId": -1,
        "price": "35000.00000000",
        "qty": qty,
        "quoteQty": "35.00000000",
        "commission": "0.00000100",
        "commissionAsset": "BTC",
        "time": T0,
        "isBuyer": True,
        "isMaker": False,
        "isBestMatch": True,
    }


def error(code: int, msg: str) -> dict[str, Any]:
    return {"code": code, "msg": msg}


def oco_report(
    client_order_id: str,
    order_id: int,
    type_: str,
    price: str,
    *,
    stop: str | None = None,
    status: str = "NEW",
    list_id: int = 1,
) -> dict[str, Any]:
    """One `orderReports` entry of a new-OCO answer (RESULT shape, as in Binance's docs)."""
    report: dict[str, Any] = {
        "symbol": "BTCUSDT",
        "orderId": order_id,
        "orderListId": list_id,
        "clientOrderId": client_order_id,
        "transactTime": T0,
        "price": price,
        "origQty": "0.01000000",
        "executedQty": "0.00000000",
        "origQuoteOrderQty": "0.000000",
        "cummulativeQuoteQty": "0.00000000",
        "status": status,
        "timeInForce": "GTC",
        "type": type_,
        "side": "SELL",
        "workingTime": -1 if stop else T0,
        "selfTradePreventionMode": "NONE",
    }
    if stop:
        report["stopPrice"] = stop
    return report


def oco_ack(list_coid: str = "bot1-list", tp: str = "bot1-tp", sl: str = "bot1-sl") -> dict[str, Any]:
    """POST /api/v3/orderList/oco's answer: the below (stop) leg first, then the above (maker) leg."""
    return {
        "orderListId": 1,
        "contingencyType": "OCO",
        "listStatusType": "EXEC_STARTED",
        "listOrderStatus": "EXECUTING",
        "listClientOrderId": list_coid,
        "transactionTime": T0,
        "symbol": "BTCUSDT",
        "orders": [
            {"symbol": "BTCUSDT", "orderId": 10, "clientOrderId": sl},
            {"symbol": "BTCUSDT", "orderId": 11, "clientOrderId": tp},
        ],
        "orderReports": [
            oco_report(sl, 10, "STOP_LOSS_LIMIT", "33900.00000000", stop="34000.00000000"),
            oco_report(tp, 11, "LIMIT_MAKER", "36000.00000000"),
        ],
    }


def order_list_status(list_coid: str = "bot1-list", *, done: bool = False) -> dict[str, Any]:
    """GET /api/v3/orderList's answer: the legs by id only, no reports."""
    body = oco_ack(list_coid)
    body.pop("orderReports")
    if done:
        body.update({"listStatusType": "ALL_DONE", "listOrderStatus": "ALL_DONE"})
    return body
