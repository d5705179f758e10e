"""In-memory fakes of the market data port and the exchange port (services/ports/market.py, exchange.py).

`InMemoryMarket` serves the candles a test gives it, closed ones only (a bar is served once its close time is
at or before `end_ms`), oldest first, gaps kept as gaps. `InMemoryExchange` is a spot account that behaves
as the port documents Binance spot: orders fitted to the symbol's filters (FilterRejected), market orders
filled at once at the last closed candle's close with a 0.1% fee taken from what is received, limit orders
resting until cancelled, a repeated client order id answered with the order already placed, an order the
balance cannot pay refused with Binance's -2010. `unknown_outcome_after_place` makes the next placement
happen and then raise OrderOutcomeUnknown, as a timeout after the exchange took the order does."""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Callable, Iterable
from decimal import ROUND_DOWN, Decimal

from chalicelib.adapters.market.catalog import StaticSymbolCatalog
from chalicelib.domain.bots import BotConfig, Mode
from chalicelib.domain.candles import Candle, interval_ms
from chalicelib.domain.errors import (
    ExchangeRejected,
    ExchangeTemporaryError,
    InvalidInput,
    NotFound,
    OrderOutcomeUnknown,
)
from chalicelib.domain.orders import Balance, Fill, Order, OrderRequest, OrderStatus, OrderType, Side
from chalicelib.domain.symbols import SymbolRules, fit_order

FEE_RATE = Decimal("0.001")


def candles_from_closes(start_ms: int, interval: str, closes: Iterable[float | str]) -> list[Candle]:
    """One candle per close, each opening at the previous close (a flat-ish bar around it)."""
    step = interval_ms(interval)
    out: list[Candle] = []
    for i, raw in enumerate(closes):
        close = Decimal(str(raw))
        open_ = out[-1].close if out else close
        t = start_ms + i * step
        out.append(Candle(t, open_, max(open_, close), min(open_, close), close, Decimal(10), t + step - 1))
    return out


def minute_open_of(candles: Iterable[Candle], at_ms: int) -> Decimal | None:
    """The open of the 1m candle in progress at `at_ms` among `candles`: what a market port's `minute_open`
    answers (None when the candles have no bar opening that minute)."""
    minute = at_ms // 60_000 * 60_000
    return next((c.open for c in candles if c.open_time == minute), None)


class InMemoryMarket:
    def __init__(self, now_ms: Callable[[], int]) -> None:
        self._now_ms = now_ms
        self._series: dict[tuple[str, str], list[Candle]] = {}
        self.calls = 0

    def add(self, symbol: str, interval: str, candles: Iterable[Candle]) -> None:
        merged = {c.open_time: c for c in self._series.get((symbol, interval), [])}
        merged.update({c.open_time: c for c in candles})
        self._series[(symbol, interval)] = [merged[t] for t in sorted(merged)]

    def closed_candles(
        self, symbol: str, interval: str, *, limit: int = 500, end_ms: int | None = None
    ) -> list[Candle]:
        self.calls += 1
        end = self._now_ms() if end_ms is None else end_ms
        closed = [c for c in self._series.get((symbol, interval), []) if c.close_time <= end]
        return closed[-limit:] if limit > 0 else []

    def minute_open(self, symbol: str, at_ms: int) -> Decimal | None:
        return minute_open_of(self._series.get((symbol, "1m"), []), at_ms)


class InMemoryExchange:
    def __init__(self, market: InMemoryMarket, catalog: StaticSymbolCatalog, now_ms: Callable[[], int]) -> None:
        self._market, self._catalog, self._now_ms = market, catalog, now_ms
        self._free: dict[str, Decimal] = {}
        self._locked: dict[str, Decimal] = {}
        self.orders: dict[str, Order] = {}
        self._ids = itertools.count(1)
        self.unknown_outcome_after_place = 0

    def seed(self, balances: dict[str, Decimal]) -> bool:
        if self._free:
            return False
        self._free = dict(balances)
        return True

    def klines(self, symbol: str, interval: str, *, limit: int = 500, end_ms: int | None = None) -> list[Candle]:
        return self._market.closed_candles(symbol, interval, limit=limit, end_ms=end_ms)

    def symbol_rules(self, symbol: str) -> SymbolRules:
        return self._catalog.symbol_rules(symbol)

    def balances(self) -> list[Balance]:
        assets = sorted(set(self._free) | set(self._locked))
        rows = [Balance(a, self._free.get(a, Decimal(0)), self._locked.get(a, Decimal(0))) for a in assets]
        return [b for b in rows if b.free or b.locked]

    def place_order(self, request: OrderRequest) -> Order:
        if request.client_order_id in self.orders:
            return self.orders[request.client_order_id]
        rules = self.symbol_rules(request.symbol)
        last = self._last_price(request.symbol)
        fitted = fit_order(rules, request, last)
        marketable = fitted.type is OrderType.MARKET or (
            last <= fitted.price if fitted.side is Side.BUY else last >= fitted.price  # type: ignore[operator]
        )
        order = self._fill(rules, fitted, last) if marketable else self._rest(rules, fitted)
        self.orders[order.client_order_id] = order
        if self.unknown_outcome_after_place > 0:
            self.unknown_outcome_after_place -= 1
            raise OrderOutcomeUnknown("Read timed out after sending the order", code="exchange_timeout")
        return order

    def get_order_by_client_id(self, symbol: str, client_order_id: str) -> Order | None:
        found = self.orders.get(client_order_id)
        return found if found is not None and found.symbol == symbol else None

    def cancel_order(self, symbol: str, client_order_id: str) -> Order:
        found = self.get_order_by_client_id(symbol, client_order_id)
        if found is None:
            raise NotFound(f"no order {client_order_id} on {symbol}", code="unknown_order")
        if not found.is_open:
            return found
        rules = self.symbol_rules(symbol)
        asset, amount = self._reserve_of(rules, found)
        self._move(self._locked, asset, -amount)
        self._move(self._free, asset, amount)
        cancelled = dataclasses.replace(found, status=OrderStatus.CANCELED)
        self.orders[client_order_id] = cancelled
        return cancelled

    def _last_price(self, symbol: str) -> Decimal:
        candles = self._market.closed_candles(symbol, "1m", limit=1, end_ms=self._now_ms())
        if not candles:
            raise ExchangeTemporaryError(f"no closed 1m candle for {symbol} yet: no price to fill at")
        return candles[-1].close

    def _fill(self, rules: SymbolRules, request: OrderRequest, last: Decimal) -> Order:
        price = last if request.price is None else (min if request.side is Side.BUY else max)(last, request.price)
        qty, quote = request.quantity, request.quantity * price
        if request.side is Side.BUY:
            fee = qty * FEE_RATE
            self._debit(rules.quote_asset, quote)
            self._move(self._free, rules.base_asset, qty - fee)
            fill = Fill(price, qty, fee, rules.base_asset)
        else:
            fee = (quote * FEE_RATE).quantize(Decimal("0.00000001"), rounding=ROUND_DOWN)
            self._debit(rules.base_asset, qty)
            self._move(self._free, rules.quote_asset, quote - fee)
            fill = Fill(price, qty, fee, rules.quote_asset)
        return self._order(request, OrderStatus.FILLED, qty, quote, (fill,))

    def _rest(self, rules: SymbolRules, request: OrderRequest) -> Order:
        order = self._order(request, OrderStatus.NEW, Decimal(0), Decimal(0), ())
        asset, amount = self._reserve_of(rules, order)
        self._debit(asset, amount)
        self._move(self._locked, asset, amount)
        return order

    def _reserve_of(self, rules: SymbolRules, order: Order) -> tuple[str, Decimal]:
        if order.side is Side.BUY:
            assert order.price is not None
            return rules.quote_asset, order.quantity * order.price
        return rules.base_asset, order.quantity

    def _debit(self, asset: str, amount: Decimal) -> None:
        if self._free.get(asset, Decimal(0)) < amount:
            raise ExchangeRejected(
                "Account has insufficient balance for requested action.", exchange_code=-2010, code="order_rejected"
            )
        self._move(self._free, asset, -amount)

    @staticmethod
    def _move(book: dict[str, Decimal], asset: str, amount: Decimal) -> None:
        book[asset] = book.get(asset, Decimal(0)) + amount

    def _order(
        self, request: OrderRequest, status: OrderStatus, executed: Decimal, quote: Decimal, fills: tuple[Fill, ...]
    ) -> Order:
        return Order(
            symbol=request.symbol,
            client_order_id=request.client_order_id,
            exchange_order_id=f"mem-{next(self._ids)}",
            side=request.side,
            type=request.type,
            status=status,
            quantity=request.quantity,
            executed_quantity=executed,
            quote_quantity=quote,
            price=request.price,
            created_at_ms=self._now_ms(),
            fills=fills,
        )


class InMemoryExchangeFactory:
    """One in-memory account per bot (paper and live alike: the fake has no venue to tell them apart)."""

    def __init__(self, market: InMemoryMarket, now_ms: Callable[[], int]) -> None:
        self._market, self._now_ms = market, now_ms
        self.catalog = StaticSymbolCatalog()
        self.accounts: dict[str, InMemoryExchange] = {}

    def for_bot(self, config: BotConfig) -> InMemoryExchange:
        if config.id not in self.accounts:
            self.accounts[config.id] = InMemoryExchange(self._market, self.catalog, self._now_ms)
        return self.accounts[config.id]

    def prepare(self, config: BotConfig) -> None:
        if config.mode is Mode.PAPER:
            rules = self.catalog.symbol_rules(config.symbol)
            self.for_bot(config).seed({rules.quote_asset: config.budget})

    def symbol_rules(self, config_mode: str, symbol: str, user_id: str, api_key_id: str | None) -> SymbolRules:
        try:
            return self.catalog.symbol_rules(symbol)
        except NotFound:
            raise InvalidInput(
                f"Unknown symbol {symbol}.",
                code="unknown_symbol",
                details=[{"field": "symbol", "message": "not listed by the exchange"}],
            ) from None
