"""The exchange port with a user's key, wrapped so that every signed call is recorded in the key's audit
trail (services/key_audit.py) and a refused key pauses its bots. The factory hands out only this wrapper for
a live bot, so no code path can use a key without leaving a record. Public market data (klines, symbol
rules) uses no key and is not recorded."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from chalicelib.domain.candles import Candle
from chalicelib.domain.errors import ExchangeError
from chalicelib.domain.orders import Balance, Order, OrderRequest
from chalicelib.domain.symbols import SymbolRules
from chalicelib.services.key_audit import KeyAuditTrail, Use
from chalicelib.services.ports.exchange import Exchange

T = TypeVar("T")


def _order_detail(order: Order | None, symbol: str, client_order_id: str) -> str:
    if order is None:
        return f"{symbol} {client_order_id}: not found"
    return f"{order.side.value} {symbol} {client_order_id}: {order.status.value}"


class AuditedExchange:
    def __init__(self, inner: Exchange, trail: KeyAuditTrail, use: Use) -> None:
        self._inner = inner
        self._trail = trail
        self._use = use

    def klines(self, symbol: str, interval: str, *, limit: int = 500, end_ms: int | None = None) -> list[Candle]:
        return self._inner.klines(symbol, interval, limit=limit, end_ms=end_ms)

    def symbol_rules(self, symbol: str) -> SymbolRules:
        return self._inner.symbol_rules(symbol)

    def balances(self) -> list[Balance]:
        found = self._call("balance_lookup", self._inner.balances, "")
        self._trail.record(self._use, "balance_lookup", detail=f"{len(found)} asset(s)")
        return found

    def place_order(self, request: OrderRequest) -> Order:
        what = f"{request.side.value} {request.symbol} {request.client_order_id}"
        order = self._call("order_placed", lambda: self._inner.place_order(request), what)
        self._trail.record(self._use, "order_placed", detail=f"{what}: {order.status.value}")
        return order

    def get_order_by_client_id(self, symbol: str, client_order_id: str) -> Order | None:
        order = self._call(
            "order_lookup",
            lambda: self._inner.get_order_by_client_id(symbol, client_order_id),
            f"{symbol} {client_order_id}",
        )
        self._trail.record(self._use, "order_lookup", detail=_order_detail(order, symbol, client_order_id))
        return order

    def cancel_order(self, symbol: str, client_order_id: str) -> Order:
        order = self._call(
            "order_cancelled", lambda: self._inner.cancel_order(symbol, client_order_id), f"{symbol} {client_order_id}"
        )
        self._trail.record(self._use, "order_cancelled", detail=_order_detail(order, symbol, client_order_id))
        return order

    def _call(self, action: str, call: Callable[[], T], detail: str) -> T:
        try:
            return call()
        except ExchangeError as exc:
            raised = self._trail.failed(self._use, action, exc, detail)
            if raised is exc:
                raise
            raise raised from exc
