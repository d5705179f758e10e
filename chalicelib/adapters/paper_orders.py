"""How the paper exchange builds and checks new orders (Binance's placement rules, inconvenient ones
included) and reads the candles a settle walks."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import replace
from decimal import Decimal
from typing import Protocol

from chalicelib.adapters.dynamo.paper import Delta, Move, OcoList, PaperOrder
from chalicelib.adapters.paper_book import reservation
from chalicelib.domain.candles import Candle
from chalicelib.domain.clock import Clock, floor_to
from chalicelib.domain.errors import ExchangeRejected
from chalicelib.domain.intervals import interval_ms
from chalicelib.domain.orders import Balance, OcoRequest, Order, OrderRequest, OrderStatus, OrderType, Side, TimeInForce
from chalicelib.domain.symbols import SymbolRules, fit_order, round_price
from chalicelib.services.ports.market import MarketData

NEW_ORDER_REJECTED = -2010  # Binance's code for every refusal below
WOULD_TAKE = "Order would immediately match and take."
WOULD_TRIGGER = "Stop price would trigger immediately."
OCO_PRICES = "The relationship of the prices for the orders is not correct."
PAGE = 1000  # candles per market read
MAX_PAGES = 20  # per settle: a longer outage is walked over several reads (paper_book checkpoints)


def rejected(message: str) -> ExchangeRejected:
    # The same codes the Binance adapter gives these refusals, so the tick decides alike on both venues.
    code = "would_take" if message == WOULD_TAKE else "would_trigger" if message == WOULD_TRIGGER else "order_rejected"
    return ExchangeRejected(message, exchange_code=NEW_ORDER_REJECTED, code=code)


def _falling(order_type: OrderType, side: Side) -> bool:
    """Whether the stop triggers on the price falling to it (a sell stop-loss, a buy take-profit)."""
    return (order_type is OrderType.STOP_LOSS_LIMIT) == (side is Side.SELL)


class PaperStore(Protocol):
    def balances(self, account_id: str) -> list[Balance]: ...

    def get_order(self, account_id: str, client_order_id: str) -> PaperOrder | None: ...

    def open_orders(self, account_id: str, symbol: str | None = None) -> list[PaperOrder]: ...

    def get_list(self, account_id: str, list_client_order_id: str) -> OcoList | None: ...

    def record_fill(self, account_id: str, order: Order, debit: Move, credit: Move) -> None: ...

    def record_new(
        self, account_id: str, orders: Sequence[PaperOrder], deltas: Mapping[str, Delta], oco: OcoList | None = None
    ) -> None: ...

    def commit(self, account_id: str, changed: Sequence[PaperOrder], deltas: Mapping[str, Delta]) -> bool: ...


class OrderMaker:
    def __init__(self, clock: Clock, bar_ms: int = 60_000) -> None:
        self._clock = clock
        self._bar_ms = bar_ms

    def _settled_from(self, placed_ms: int) -> int:
        """A new order is walked from the bar it was placed in: the paper exchange fills at that bar's open."""
        return floor_to(placed_ms, self._bar_ms)

    def fit(self, rules: SymbolRules, request: OrderRequest, last: Decimal) -> OrderRequest:
        fitted = fit_order(rules, request, last)
        if fitted.stop_price is None:
            return fitted
        return replace(fitted, stop_price=round_price(rules, fitted.stop_price, fitted.side))

    @staticmethod
    def marketable(request: OrderRequest, last: Decimal) -> bool:
        assert request.price is not None
        return last <= request.price if request.side is Side.BUY else last >= request.price

    def check_resting(self, request: OrderRequest, last: Decimal) -> None:
        """Binance refuses a maker order that would take and a stop that would trigger at once."""
        if request.type is OrderType.LIMIT_MAKER and self.marketable(request, last):
            raise rejected(WOULD_TAKE)
        if request.stop_price is not None:
            falling = _falling(request.type, request.side)
            if (last <= request.stop_price) if falling else (last >= request.stop_price):
                raise rejected(WOULD_TRIGGER)

    def order(self, request: OrderRequest, list_id: str | None = None) -> Order:
        return Order(
            symbol=request.symbol,
            client_order_id=request.client_order_id,
            # A client id is unique among open orders only: a reused one names a new order, with its own id.
            exchange_order_id=f"paper-{request.client_order_id}-{uuid.uuid4().hex[:12]}",
            side=request.side,
            type=request.type,
            status=OrderStatus.NEW,
            quantity=request.quantity,
            executed_quantity=Decimal(0),
            quote_quantity=Decimal(0),
            price=request.price,
            created_at_ms=self._clock.now_ms(),
            stop_price=request.stop_price,
            order_list_id=list_id,
        )

    def resting(self, rules: SymbolRules, request: OrderRequest) -> PaperOrder:
        """A new order on the book, its reservation held, to be walked from the bar it was placed in."""
        assert request.price is not None
        order = self.order(request)
        tif = request.time_in_force.value if request.time_in_force else None
        if request.type is not OrderType.LIMIT_MAKER and tif is None:
            tif = TimeInForce.GTC.value
        reserve = reservation(rules, request.side, request.quantity, request.price)
        return PaperOrder(order, reserve, settled_ms=self._settled_from(order.created_at_ms), time_in_force=tif)

    def oco_legs(self, rules: SymbolRules, request: OcoRequest, last: Decimal) -> list[PaperOrder]:
        """The take-profit LIMIT_MAKER leg (holding the reservation) and the STOP_LOSS_LIMIT leg."""
        take = self.fit(
            rules,
            OrderRequest(
                request.symbol, Side.SELL, OrderType.LIMIT_MAKER, request.quantity,
                request.take_profit_client_order_id, price=request.take_profit_price,
            ),
            last,
        )  # fmt: skip
        stop = self.fit(
            rules,
            OrderRequest(
                request.symbol, Side.SELL, OrderType.STOP_LOSS_LIMIT, request.quantity, request.stop_client_order_id,
                price=request.stop_limit_price, stop_price=request.stop_price, time_in_force=TimeInForce.GTC,
            ),
            last,
        )  # fmt: skip
        assert take.price is not None and stop.stop_price is not None
        if not take.price > last > stop.stop_price:  # Binance: limit price > last price > stop price
            raise rejected(OCO_PRICES)
        list_id = request.list_client_order_id
        reserve = reservation(rules, Side.SELL, take.quantity, take.price)
        take_order = self.order(take, list_id)
        stop_order = replace(self.order(stop, list_id), created_at_ms=take_order.created_at_ms)
        settled = self._settled_from(take_order.created_at_ms)
        return [
            PaperOrder(take_order, reserve, settled_ms=settled, sibling=stop.client_order_id),
            PaperOrder(
                stop_order, replace(reserve, amount=Decimal(0)), settled_ms=settled,
                sibling=take.client_order_id, time_in_force=TimeInForce.GTC.value,
            ),
        ]  # fmt: skip

    @staticmethod
    def oco(request: OcoRequest) -> OcoList:
        return OcoList(
            request.list_client_order_id, (request.take_profit_client_order_id, request.stop_client_order_id)
        )


def groups(papers: Sequence[PaperOrder]) -> list[list[PaperOrder]]:
    """Open orders to settle together: both open legs of an OCO form one group, every other order its own."""
    by_list: dict[str, list[PaperOrder]] = {}
    out: list[list[PaperOrder]] = []
    for paper in papers:
        if not paper.order.is_open:
            continue
        list_id = paper.order.order_list_id
        if list_id is None:
            out.append([paper])
        elif list_id in by_list:
            by_list[list_id].append(paper)
        else:
            by_list[list_id] = [paper]
            out.append(by_list[list_id])
    return out


def candles_since(market: MarketData, symbol: str, interval: str, since_ms: int, now_ms: int) -> list[Candle]:
    """The closed candles opening at or after `since_ms`, oldest first, read page by page forward."""
    step = interval_ms(interval)
    out: list[Candle] = []
    start = since_ms
    for _ in range(MAX_PAGES):
        end = min(now_ms, start + PAGE * step - 1)
        if end < start:
            break
        page = [c for c in market.closed_candles(symbol, interval, limit=PAGE, end_ms=end) if c.open_time >= start]
        out.extend(page)
        if end >= now_ms:
            break
        start = page[-1].close_time + 1 if page else end + 1
    return out
