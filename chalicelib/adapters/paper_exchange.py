"""The paper exchange: simulated fills on real, replayed or synthetic prices, behind the same port as
Binance (paper trading is an adapter choice, never an `if dry_run` in the services).

An order acts at the open of the 1m bar in progress when it arrives (the minute's first trade; the last
closed price when the source has no such bar): the backtester's bar model, so a tick on time fills where a
backtest fills the same decision, at the open of the bar after the one it decided on. Market orders fill at
that price moved against the trader by `slippage`. A marketable LIMIT fills at once like a market order,
never worse than its limit, up to the participation cap of the last candle's volume
(domain.resting_fills.fillable); an IOC expires what is left, a GTC rests it. A LIMIT_MAKER that would cross
is rejected (-2010 "Order would immediately match and take."), a stop that would trigger at once too (-2010
"Stop price would trigger immediately."), as Binance does. Resting orders (limits, stop-limits, OCO pairs)
fill by paper_book on the closed candles from the one they were placed in (as a backtest's order rests from
the bar after its decision), whenever the account is next read, so candles that passed while the bot was
paused or the platform down still fill them. A fee (0.1%
default) is charged per fill in the asset received, as Binance does without BNB. The same symbol filters
apply as on Binance. Placing the same client order id twice fills once: the DynamoDB transaction decides.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from decimal import Decimal
from typing import TypeVar

from chalicelib.adapters import paper_book as book
from chalicelib.adapters.dynamo.paper import Delta, DuplicateOrder, InsufficientBalance, Move, PaperOrder
from chalicelib.adapters.paper_orders import OrderMaker, PaperStore, candles_since, groups, rejected
from chalicelib.domain.candles import Candle
from chalicelib.domain.clock import Clock
from chalicelib.domain.errors import ExchangeRejected, ExchangeTemporaryError, NotFound
from chalicelib.domain.intervals import interval_ms
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
from chalicelib.domain.plan import DEFAULT_FEE_RATE  # the standard spot rate the tick assumes too
from chalicelib.domain.symbols import SymbolRules
from chalicelib.services.ports.market import MarketData, SymbolCatalog

# None by default, as a backtest's default: a paper bot is the backtest of its decisions, live (docs/orders.md).
DEFAULT_SLIPPAGE = Decimal(0)
T = TypeVar("T")
_ATTEMPTS = 5  # conditional writes lost to a concurrent settle or cancel before giving up (503-like)


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
        self._make = OrderMaker(clock, interval_ms(price_interval))

    # --- the port -------------------------------------------------------------------------------------

    def klines(self, symbol: str, interval: str, *, limit: int = 500, end_ms: int | None = None) -> list[Candle]:
        return self._market.closed_candles(symbol, interval, limit=limit, end_ms=end_ms)

    def symbol_rules(self, symbol: str) -> SymbolRules:
        return self._catalog.symbol_rules(symbol)

    def balances(self) -> list[Balance]:
        self._settle_all(self._store.open_orders(self._account))
        return self._store.balances(self._account)

    def open_orders(self, symbol: str) -> list[Order]:
        settled = self._settle_all(self._store.open_orders(self._account, symbol))
        return sorted((p.order for p in settled if p.order.is_open), key=lambda o: (o.created_at_ms, o.client_order_id))

    def place_order(self, request: OrderRequest) -> Order:
        # No read first: the write is conditional on the client order id, so a repeat (or a concurrent copy)
        # fails as DuplicateOrder and gets the order already placed. One DynamoDB call per new order.
        rules = self._catalog.symbol_rules(request.symbol)
        price = self._price_now(request.symbol)
        fitted = self._make.fit(rules, request, price)
        try:
            return self._with_settled_funds(lambda: self._place(rules, fitted, price))
        except DuplicateOrder:
            existing = self.get_order_by_client_id(request.symbol, request.client_order_id)
            assert existing is not None  # the conditional write just saw it
            return existing
        except ExchangeRejected:
            # A retried placement of an order the price has since moved through is the order placed, not a
            # new maker that would take: only then is it worth a read.
            existing = self.get_order_by_client_id(request.symbol, request.client_order_id)
            if existing is None:
                raise
            return existing

    def place_oco(self, request: OcoRequest) -> OrderList:
        rules = self._catalog.symbol_rules(request.symbol)
        try:
            legs = self._make.oco_legs(rules, request, self._price_now(request.symbol))
            reserve = legs[0].reserved
            assert reserve is not None
            deltas, oco = {reserve.asset: Delta(-reserve.amount, reserve.amount)}, self._make.oco(request)
            self._with_settled_funds(lambda: self._store.record_new(self._account, legs, deltas, oco))
        except DuplicateOrder:
            return self._order_list(request.symbol, request.list_client_order_id)
        except ExchangeRejected:  # a retry after the price moved: the list placed the first time, if any
            if self._store.get_list(self._account, request.list_client_order_id) is None:
                raise
            return self._order_list(request.symbol, request.list_client_order_id)
        return OrderList(request.symbol, request.list_client_order_id, tuple(p.order for p in legs))

    def get_order_by_client_id(self, symbol: str, client_order_id: str) -> Order | None:
        found = self._store.get_order(self._account, client_order_id)
        if found is None or found.order.symbol != symbol:
            return None
        return self._settled_group(found)[client_order_id].order

    def cancel_order(self, symbol: str, client_order_id: str) -> Order:
        found = self._store.get_order(self._account, client_order_id)
        if found is None or found.order.symbol != symbol:
            raise NotFound(f"no order {client_order_id} on {symbol}", code="unknown_order")
        # Cancelling one leg of an OCO cancels the list, as on Binance.
        return self._cancel(found)[client_order_id].order

    def cancel_order_list(self, symbol: str, list_client_order_id: str) -> OrderList:
        oco = self._store.get_list(self._account, list_client_order_id)
        first = self._store.get_order(self._account, oco.leg_ids[0]) if oco is not None else None
        if first is None or first.order.symbol != symbol:
            raise NotFound(f"no order list {list_client_order_id} on {symbol}", code="unknown_order")
        legs = self._cancel(first)
        return OrderList(symbol, list_client_order_id, tuple(p.order for p in legs.values()))

    # --- placing ------------------------------------------------------------------------------------------

    def _with_settled_funds(self, place: Callable[[], T]) -> T:
        """`place()`, and once more after settling the account when the funds fall short: a sell that filled
        while nobody read the account frees the quote a new buy needs."""
        try:
            return place()
        except InsufficientBalance:
            self._settle_all(self._store.open_orders(self._account))
        try:
            return place()
        except InsufficientBalance:
            raise rejected("Account has insufficient balance for requested action.") from None

    def _last_candle(self, symbol: str) -> Candle:
        candles = self._market.closed_candles(symbol, self._interval, limit=1, end_ms=self._clock.now_ms())
        if not candles:
            raise ExchangeTemporaryError(f"no closed {self._interval} candle for {symbol} yet: no price to fill at")
        return candles[-1]

    def _price_now(self, symbol: str) -> Decimal:
        """The open of the minute in progress, or the last closed price when the source has none."""
        opened = self._market.minute_open(symbol, self._clock.now_ms())
        return self._last_candle(symbol).close if opened is None else opened

    def _place(self, rules: SymbolRules, request: OrderRequest, price: Decimal) -> Order:
        if request.type is OrderType.MARKET:
            return self._fill_now(rules, request, price)
        self._make.check_resting(request, price)
        marketable = request.type is OrderType.LIMIT and self._make.marketable(request, price)
        paper = self._make.resting(rules, request)
        reserve = paper.reserved
        assert reserve is not None
        deltas = {reserve.asset: Delta(-reserve.amount, reserve.amount)}
        if marketable:
            # At most the participation cap of the last closed candle's volume (the minute's own is not known yet).
            quantity = book.candle_quantity(paper, self._last_candle(request.symbol), rules)
            taker = self._taker_price(request, price)
            paper = book.fill(paper, taker, quantity, rules, self._fee_rate, deltas) if quantity > 0 else paper
        if paper.order.is_open and request.time_in_force is TimeInForce.IOC:
            paper = book.close(paper, OrderStatus.EXPIRED, deltas)
        self._store.record_new(self._account, [paper], deltas)
        return paper.order

    def _taker_price(self, request: OrderRequest, last: Decimal) -> Decimal:
        if request.side is Side.BUY:
            price = last * (1 + self._slippage)
            return min(price, request.price) if request.price is not None else price
        price = last * (1 - self._slippage)
        return max(price, request.price) if request.price is not None else price

    def _fill_now(self, rules: SymbolRules, request: OrderRequest, last: Decimal) -> Order:
        price = self._taker_price(request, last)
        qty = request.quantity
        quote = qty * price
        if request.side is Side.BUY:
            fee = book.up(qty * self._fee_rate)
            fill = Fill(price, qty, fee, rules.base_asset)
            debit, credit = Move(rules.quote_asset, book.up(quote)), Move(rules.base_asset, qty - fee)
        else:
            fee = book.up(quote * self._fee_rate)
            fill = Fill(price, qty, fee, rules.quote_asset)
            debit, credit = Move(rules.base_asset, qty), Move(rules.quote_asset, book.down(quote) - fee)
        order = replace(
            self._make.order(request), status=OrderStatus.FILLED, executed_quantity=qty, quote_quantity=quote
        )
        order = replace(order, fills=(fill,))
        self._store.record_fill(self._account, order, debit, credit)
        return order

    # --- settling and cancelling --------------------------------------------------------------------------

    def _settle_all(self, papers: Sequence[PaperOrder]) -> list[PaperOrder]:
        """Every open order read, walked over the candles closed since it was last settled."""
        out: list[PaperOrder] = []
        candles: dict[str, list[Candle]] = {}
        for group in groups(papers):
            symbol = group[0].order.symbol
            if symbol not in candles:
                since = min(p.settled_ms for p in papers if p.order.symbol == symbol)
                candles[symbol] = self._candles(symbol, since)
            out.extend(self._settle_group(group, candles[symbol]).values())
        return out

    def _candles(self, symbol: str, since_ms: int) -> list[Candle]:
        return candles_since(self._market, symbol, self._interval, since_ms, self._clock.now_ms())

    def _settled_group(self, paper: PaperOrder, *, whole_list: bool = False) -> dict[str, PaperOrder]:
        """`paper` settled with its OCO sibling while both are open; `whole_list` adds the sibling anyway."""
        legs = [paper]
        if paper.sibling and (paper.order.is_open or whole_list):
            sibling = self._store.get_order(self._account, paper.sibling)
            legs += [sibling] if sibling is not None else []
        out = {p.order.client_order_id: p for p in legs}
        still_open = [p for p in legs if p.order.is_open]
        if still_open:
            since = min(p.settled_ms for p in still_open)
            out.update(self._settle_group(still_open, self._candles(paper.order.symbol, since)))
        return out

    def _settle_group(self, group: list[PaperOrder], candles: list[Candle]) -> dict[str, PaperOrder]:
        """Book what the candles filled with a write conditional on the versions read; a lost race re-reads
        what the winner wrote and walks on from there, so a fill is booked once."""
        rules = self._catalog.symbol_rules(group[0].order.symbol)
        for _ in range(_ATTEMPTS):
            settled = book.settle(group, candles, rules, self._fee_rate)
            if settled is None:
                return {p.order.client_order_id: p for p in group}
            if self._store.commit(self._account, *settled):
                return {p.order.client_order_id: p for p in settled[0]}
            group = self._reread(group)
        raise ExchangeTemporaryError("the paper order kept changing under concurrent settles; try again")

    def _reread(self, group: list[PaperOrder]) -> list[PaperOrder]:
        fresh = [self._store.get_order(self._account, p.order.client_order_id) for p in group]
        return [p for p in fresh if p is not None]

    def _cancel(self, paper: PaperOrder) -> dict[str, PaperOrder]:
        """Settle first (what filled before the cancel stays filled), then cancel what is still open, at the
        versions just settled: a fill racing the cancel makes the cancel re-read and retry."""
        for _ in range(_ATTEMPTS):
            legs = self._settled_group(paper, whole_list=True)
            deltas: dict[str, Delta] = {}
            closed = [
                replace(book.close(p, OrderStatus.CANCELED, deltas), version=p.version + 1)
                for p in legs.values()
                if p.order.is_open
            ]
            if not closed or self._store.commit(self._account, closed, deltas):
                return legs | {p.order.client_order_id: p for p in closed}
            paper = self._store.get_order(self._account, paper.order.client_order_id) or paper
        raise ExchangeTemporaryError("the paper order kept changing while it was cancelled; try again")

    def _order_list(self, symbol: str, list_client_order_id: str) -> OrderList:
        oco = self._store.get_list(self._account, list_client_order_id)
        assert oco is not None  # the conditional write just saw it
        first = self._store.get_order(self._account, oco.leg_ids[0])
        assert first is not None
        legs = self._settled_group(first, whole_list=True)
        return OrderList(symbol, list_client_order_id, tuple(p.order for p in legs.values()))
