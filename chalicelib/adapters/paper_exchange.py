"""The paper exchange: simulated fills on real, replayed or synthetic prices, behind the same port as
Binance (paper trading is an adapter choice, never an `if dry_run` in the services).

Market orders fill at the last closed price moved against the trader by `slippage`; limit orders rest
(their cost reserved) and fill at their limit price once a later closed candle crosses it; a marketable
limit fills at once like a market order, never worse than its limit. A fee (0.1% default) is charged per
side in the asset received, as Binance does without BNB. The same symbol filters apply as on Binance.
Placing the same client order id twice fills once: the DynamoDB transaction in the store decides.
"""

from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import Protocol

from chalicelib.adapters.dynamo.paper import DuplicateOrder, InsufficientBalance, Move, PaperOrder
from chalicelib.domain.candles import Candle
from chalicelib.domain.clock import Clock
from chalicelib.domain.errors import ExchangeRejected, ExchangeTemporaryError, NotFound
from chalicelib.domain.orders import Balance, Fill, Order, OrderRequest, OrderStatus, OrderType, Side
from chalicelib.domain.plan import DEFAULT_FEE_RATE  # the standard spot rate the tick assumes too
from chalicelib.domain.symbols import SymbolRules, fit_order
from chalicelib.services.ports.market import MarketData, SymbolCatalog

AMOUNT = Decimal("0.00000001")  # Binance keeps balances and commissions to 8 decimals
DEFAULT_SLIPPAGE = Decimal("0.0005")


class PaperStore(Protocol):
    def balances(self, account_id: str) -> list[Balance]: ...

    def get_order(self, account_id: str, client_order_id: str) -> PaperOrder | None: ...

    def open_orders(self, account_id: str) -> list[PaperOrder]: ...

    def record_fill(self, account_id: str, order: Order, debit: Move, credit: Move) -> None: ...

    def record_open(self, account_id: str, order: Order, reserve: Move) -> None: ...

    def fill_open(self, account_id: str, filled: Order, release: Move, credit: Move) -> bool: ...

    def cancel_open(self, account_id: str, client_order_id: str, release: Move) -> bool: ...


def _down(value: Decimal) -> Decimal:
    return value.quantize(AMOUNT, rounding=ROUND_FLOOR)


def _up(value: Decimal) -> Decimal:
    return value.quantize(AMOUNT, rounding=ROUND_CEILING)


class PaperExchange:
    def __init__(
        self,
        account_id: str,
        store: PaperStore,
        market: MarketData,
        catalog: SymbolCatalog,
        clock: Clock,
        *,
        fee_rate: Decimal = DEFAULT_FEE_RATE,
        slippage: Decimal = DEFAULT_SLIPPAGE,
        price_interval: str = "1m",
    ) -> None:
        self._account = account_id
        self._store = store
        self._market = market
        self._catalog = catalog
        self._clock = clock
        self._fee_rate = fee_rate
        self._slippage = slippage
        self._interval = price_interval

    # --- the port -------------------------------------------------------------------------------------

    def klines(self, symbol: str, interval: str, *, limit: int = 500, end_ms: int | None = None) -> list[Candle]:
        return self._market.closed_candles(symbol, interval, limit=limit, end_ms=end_ms)

    def symbol_rules(self, symbol: str) -> SymbolRules:
        return self._catalog.symbol_rules(symbol)

    def balances(self) -> list[Balance]:
        for open_order in self._store.open_orders(self._account):
            self._settle(open_order)
        return self._store.balances(self._account)

    def place_order(self, request: OrderRequest) -> Order:
        # No read first: the write is conditional on the client order id, so a repeat (or a concurrent copy)
        # fails as DuplicateOrder and gets the order already placed. One DynamoDB call per new order.
        rules = self._catalog.symbol_rules(request.symbol)
        last = self._last_price(request.symbol)
        fitted = fit_order(rules, request, last)
        try:
            if fitted.type is OrderType.LIMIT and not self._marketable(fitted, last):
                return self._rest(rules, fitted)
            return self._fill_now(rules, fitted, last)
        except DuplicateOrder:
            existing = self.get_order_by_client_id(request.symbol, request.client_order_id)
            assert existing is not None  # the conditional write just saw it
            return existing
        except InsufficientBalance:
            raise ExchangeRejected(
                "Account has insufficient balance for requested action.", exchange_code=-2010, code="order_rejected"
            ) from None

    def get_order_by_client_id(self, symbol: str, client_order_id: str) -> Order | None:
        found = self._store.get_order(self._account, client_order_id)
        if found is None or found.order.symbol != symbol:
            return None
        return self._settle(found)

    def cancel_order(self, symbol: str, client_order_id: str) -> Order:
        found = self._store.get_order(self._account, client_order_id)
        if found is None or found.order.symbol != symbol:
            raise NotFound(f"no order {client_order_id} on {symbol}", code="unknown_order")
        order = self._settle(found)
        if order.is_open and found.reserved is not None:
            self._store.cancel_open(self._account, client_order_id, found.reserved)
        after = self._store.get_order(self._account, client_order_id)
        assert after is not None
        return after.order

    # --- simulation ---------------------------------------------------------------------------------------

    def _last_price(self, symbol: str) -> Decimal:
        candles = self._market.closed_candles(symbol, self._interval, limit=1, end_ms=self._clock.now_ms())
        if not candles:
            raise ExchangeTemporaryError(f"no closed {self._interval} candle for {symbol} yet: no price to fill at")
        return candles[-1].close

    @staticmethod
    def _marketable(request: OrderRequest, last: Decimal) -> bool:
        assert request.price is not None
        return last <= request.price if request.side is Side.BUY else last >= request.price

    def _fill_now(self, rules: SymbolRules, request: OrderRequest, last: Decimal) -> Order:
        if request.side is Side.BUY:
            price = last * (1 + self._slippage)
            price = min(price, request.price) if request.price is not None else price
        else:
            price = last * (1 - self._slippage)
            price = max(price, request.price) if request.price is not None else price
        order, debit, credit = self._filled(rules, request, price, self._clock.now_ms())
        self._store.record_fill(self._account, order, debit, credit)
        return order

    def _filled(
        self, rules: SymbolRules, request: OrderRequest, price: Decimal, created_at_ms: int
    ) -> tuple[Order, Move, Move]:
        qty = request.quantity
        quote = qty * price
        if request.side is Side.BUY:
            fee = _up(qty * self._fee_rate)
            fill = Fill(price, qty, fee, rules.base_asset)
            debit, credit = Move(rules.quote_asset, _up(quote)), Move(rules.base_asset, qty - fee)
        else:
            fee = _up(quote * self._fee_rate)
            fill = Fill(price, qty, fee, rules.quote_asset)
            debit, credit = Move(rules.base_asset, qty), Move(rules.quote_asset, _down(quote) - fee)
        order = self._order(request, OrderStatus.FILLED, created_at_ms, executed=qty, quote=quote, fills=(fill,))
        return order, debit, credit

    def _rest(self, rules: SymbolRules, request: OrderRequest) -> Order:
        assert request.price is not None
        if request.side is Side.BUY:
            reserve = Move(rules.quote_asset, _up(request.quantity * request.price))
        else:
            reserve = Move(rules.base_asset, request.quantity)
        order = self._order(request, OrderStatus.NEW, self._clock.now_ms())
        self._store.record_open(self._account, order, reserve)
        return order

    def _settle(self, paper: PaperOrder) -> Order:
        """Fill a resting limit order if a candle closed since it was placed crossed its price."""
        order = paper.order
        if not order.is_open or order.price is None or paper.reserved is None:
            return order
        if not self._crossed(order):
            return order
        rules = self._catalog.symbol_rules(order.symbol)
        request = OrderRequest(order.symbol, order.side, order.type, order.quantity, order.client_order_id, order.price)
        filled, _debit, credit = self._filled(rules, request, order.price, order.created_at_ms)
        self._store.fill_open(self._account, filled, paper.reserved, credit)
        after = self._store.get_order(self._account, order.client_order_id)
        return after.order if after is not None else order

    def _crossed(self, order: Order) -> bool:
        assert order.price is not None
        candles = self._market.closed_candles(order.symbol, self._interval, limit=1000, end_ms=self._clock.now_ms())
        later = [c for c in candles if c.open_time >= order.created_at_ms]
        if order.side is Side.BUY:
            return any(c.low <= order.price for c in later)
        return any(c.high >= order.price for c in later)

    @staticmethod
    def _order(
        request: OrderRequest,
        status: OrderStatus,
        created_at_ms: int,
        *,
        executed: Decimal = Decimal(0),
        quote: Decimal = Decimal(0),
        fills: tuple[Fill, ...] = (),
    ) -> Order:
        return Order(
            symbol=request.symbol,
            client_order_id=request.client_order_id,
            exchange_order_id=f"paper-{request.client_order_id}",
            side=request.side,
            type=request.type,
            status=status,
            quantity=request.quantity,
            executed_quantity=executed,
            quote_quantity=quote,
            price=request.price,
            created_at_ms=created_at_ms,
            fills=fills,
        )
