"""Orders that outlive a tick (domain.resting, docs/orders.md), exactly once in effect like market orders.

A tick of a bot with resting orders (BotState.has_resting) first SETTLES: it reads the exchange's open orders
once, looks up by client id each order it last saw open that is no longer there (it filled, or was
cancelled), and books every fill beyond what the order's record has booked, with the state and the records
in one transaction. After the strategy decided, it RECONCILES the orders it wants with those still open:
the intents (records of the placements under the key's next generation, cancels marked PENDING_CANCEL) are
saved with the state BEFORE anything is sent, so a concurrent delivery loses the version race and a crash
leaves records the next tick resolves by lookup; then cancels go first, and placements only when no cancel
found a fill or failed (a fill changes what the strategy wants: the next tick decides again, so a
replacement never doubles the exposure). An idle bot (no flag, nothing wanted) pays for none of this."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from chalicelib.domain.bots import BotConfig, BotState
from chalicelib.domain.clock import Clock
from chalicelib.domain.errors import ExchangeRejected, ExchangeTemporaryError, NotFound
from chalicelib.domain.orders import Order, OrderStatus
from chalicelib.domain.resting import Reconciliation, WantedOrder, reconcile
from chalicelib.domain.resting_fills import booking_order
from chalicelib.domain.symbols import SymbolRules
from chalicelib.domain.trades import Trade
from chalicelib.services.ports.bot_orders import BotOrderRecord, BotOrderStore
from chalicelib.services.ports.bots import BotEvent, BotStateStore, Notifier
from chalicelib.services.ports.exchange import RestingExchange
from chalicelib.services.tick.resting_book import book_record, observed
from chalicelib.services.tick.resting_orders import (
    fit,
    intent_records,
    needs_attention,
    oco_request,
    order_request,
    resting_view,
)

# A LIMIT_MAKER that would take liquidity is refused (-2010 "Order would immediately match and take."): the
# market moved through the price, a decision to make again next tick, not an error that stops the bot.
WOULD_TAKE_CODES = frozenset({"would_take", "would_immediately_match", "order_would_take"})


def would_take(exc: ExchangeRejected) -> bool:
    return exc.code in WOULD_TAKE_CODES or (exc.exchange_code == -2010 and "immediately match" in exc.message.lower())


@dataclass
class Books:
    """What one pass has booked and seen: the state after the fills, the trades, and each record's last view."""

    state: BotState
    exchange: RestingExchange
    at_ms: int
    rules: SymbolRules | None = None
    trades: list[Trade] = field(default_factory=list)
    events: list[BotEvent] = field(default_factory=list)
    records: dict[str, BotOrderRecord] = field(default_factory=dict)  # client id -> record after
    changed: set[str] = field(default_factory=set)
    rejected: ExchangeRejected | None = None

    def see(self, config: BotConfig, record: BotOrderRecord, order: Order | None) -> bool:
        """Take the exchange's view of one order, booking what it filled beyond the record; True if it did."""
        if order is None or order.executed_quantity <= record.booked_quantity:
            self.note(record, observed(record, order, self.at_ms))
            return False
        if self.rules is None:
            self.rules = self.exchange.symbol_rules(config.symbol)
        self.state, after, trade, event = book_record(config, self.state, self.rules, record, order, self.at_ms)
        self.note(record, after)
        self.trades += [trade] if trade else []
        self.events += [event] if event else []
        return True

    def note(self, before: BotOrderRecord, after: BotOrderRecord) -> None:
        self.records[after.client_order_id] = after
        if after != before:
            self.changed.add(after.client_order_id)

    @property
    def open(self) -> list[BotOrderRecord]:
        return [r for r in self.records.values() if needs_attention(r)]

    @property
    def to_write(self) -> list[BotOrderRecord]:
        return [self.records[cid] for cid in sorted(self.changed)]


class RestingOrders:
    def __init__(self, states: BotStateStore, orders: BotOrderStore, notifier: Notifier, clock: Clock) -> None:
        self._states = states
        self._orders = orders
        self._notifier = notifier
        self._clock = clock

    # --- before the decision: book what filled ---------------------------------------------------------

    def settle(self, config: BotConfig, state: BotState, exchange: RestingExchange, tick_at: int) -> Books:
        books = Books(state, exchange, self._clock.now_ms())
        records = self._orders.open_for(config.id)
        if not records:
            return books
        on_book = {o.client_order_id: o for o in exchange.open_orders(config.symbol)}
        # In the order a backtest books a bar's resting fills (domain/resting_fills.py `booking_order`).
        for record in sorted(records, key=lambda r: booking_order(r.side, r.key)):
            order = on_book.get(record.client_order_id)
            # Gone from the book since the last look (it filled, or was cancelled), or a part filled that the open
            # orders answer carries no fees for (Binance's has none): a fee in the base asset left unbooked would
            # have the bot hold more than the account does.
            if order is None or (order.executed_quantity > record.booked_quantity and not order.fills):
                order = exchange.get_order_by_client_id(config.symbol, record.client_order_id)
            books.see(config, record, order)
        return books

    def save(self, state: BotState, books: Books) -> BotState:
        """Write what settling found (fills, records that moved) with the state, in one transaction."""
        if not books.changed:
            return books.state
        return self._write(books, state.version)

    def cancel_all(self, config: BotConfig, state: BotState, exchange: RestingExchange) -> int:
        """Book what filled, cancel every order still open; how many stay open (a cancel whose answer was lost)."""
        books = self.settle(config, state, exchange, self._clock.now_ms())
        state = self.save(state, books)
        if books.open:
            self.reconcile(config, state, state, (), books.open, exchange)
        return self._orders.count_open(config.id)

    # --- after the decision: make the wanted orders rest ----------------------------------------------

    def reconcile(
        self,
        config: BotConfig,
        before: BotState,
        after: BotState,
        wanted: Sequence[WantedOrder],
        still_open: Sequence[BotOrderRecord],
        exchange: RestingExchange,
    ) -> int | None:
        """Place and cancel what the decision asks for; the number of orders placed, or None when nothing
        is to be sent (the caller then saves `after` as a quiet tick would)."""
        rules, plan = self._plan(config, wanted, still_open, exchange)
        cancels = [r for r in still_open if r.key in plan.cancel]
        if not plan.place and not cancels:
            return None
        now = self._clock.now_ms()
        generations = dict(after.generations)
        placing: list[tuple[WantedOrder, list[BotOrderRecord]]] = []
        for order in plan.place:
            generations[order.key] = generations.get(order.key, 0) + 1
            placing.append((order, intent_records(config, order, generations[order.key], now)))
        marked = [replace(r, status=OrderStatus.PENDING_CANCEL, updated_at=now) for r in cancels]
        intents = [r for _, records in placing for r in records]
        saved = replace(after, version=before.version + 1, generations=generations, has_resting=True)
        self._states.put_with_orders(saved, before.version, (), marked + intents)
        return self._send(config, saved, still_open, marked, placing, exchange, rules)

    def cancel_unwanted(
        self,
        config: BotConfig,
        state: BotState,
        wanted: Sequence[WantedOrder],
        still_open: Sequence[BotOrderRecord],
        exchange: RestingExchange,
    ) -> tuple[BotState, list[BotOrderRecord], bool]:
        """Before the decision's market orders: cancel the open orders it no longer wants, since they may hold
        what the market orders need (an OCO locks the base a market sell sells; Binance refuses that sell with
        -2010). Returns the state after, the orders still open, and whether a cancel found a fill (the decision
        was made on a position that is no longer: the caller decides again). A cancel whose answer is lost
        raises after its record is saved PENDING_CANCEL: the tick is retried and its settle finds out."""
        _, plan = self._plan(config, wanted, still_open, exchange)
        cancels = [r for r in still_open if r.key in plan.cancel]
        if not cancels:
            return state, list(still_open), False
        now = self._clock.now_ms()
        marked = [replace(r, status=OrderStatus.PENDING_CANCEL, updated_at=now) for r in cancels]
        saved = replace(state, version=state.version + 1, has_resting=True)
        self._states.put_with_orders(saved, state.version, (), marked)
        books = Books(saved, exchange, now)
        for record in [*still_open, *marked]:
            books.records[record.client_order_id] = record
        calm = [self._cancel(config, books, group) for group in _groups(marked)]
        final = self._write(books, saved.version)
        if any(books.records[r.client_order_id].status is OrderStatus.PENDING_CANCEL for r in marked):
            raise ExchangeTemporaryError("a resting order's cancel went unanswered; the tick is retried")
        return final, books.open, not all(calm)

    def _write(self, books: Books, expected_version: int) -> BotState:
        """Save what a pass booked and saw (the state, its trades, the records that moved) and tell of it."""
        final = books.state.next(
            trades_count=books.state.trades_count + len(books.trades), has_resting=bool(books.open)
        )
        self._states.put_with_orders(final, expected_version, books.trades, books.to_write)
        if books.events:
            self._notifier.publish(books.events)
        return final

    def _plan(
        self,
        config: BotConfig,
        wanted: Sequence[WantedOrder],
        still_open: Sequence[BotOrderRecord],
        exchange: RestingExchange,
    ) -> tuple[SymbolRules | None, Reconciliation]:
        rules = exchange.symbol_rules(config.symbol) if wanted else None
        fitted = [f for w in wanted if rules is not None and (f := fit(rules, w)) is not None]
        return rules, reconcile(fitted, resting_view(still_open))

    def _send(
        self,
        config: BotConfig,
        saved: BotState,
        still_open: Sequence[BotOrderRecord],
        marked: list[BotOrderRecord],
        placing: list[tuple[WantedOrder, list[BotOrderRecord]]],
        exchange: RestingExchange,
        rules: SymbolRules | None,
    ) -> int:
        books = Books(saved, exchange, self._clock.now_ms(), rules)
        for record in [*still_open, *marked]:
            books.records[record.client_order_id] = record
        calm = all([self._cancel(config, books, group) for group in _groups(marked)])
        placed = 0
        for order, records in placing:
            for record in records:
                books.records[record.client_order_id] = record
            if not calm:  # never sent: the next tick decides again on what the cancels revealed
                for record in records:
                    books.note(record, replace(record, status=OrderStatus.EXPIRED))
            elif self._place(config, books, order, records):
                placed += 1
        self._write(books, saved.version)
        if books.rejected is not None:
            raise books.rejected
        return placed

    def _cancel(self, config: BotConfig, books: Books, records: list[BotOrderRecord]) -> bool:
        """Cancel one order (or OCO); True when it is gone without a fill the ledger had not booked."""
        head = records[0]
        try:
            if head.order_list_id:
                answer = exchange_list(books.exchange, config.symbol, head.order_list_id)
            else:
                answer = {head.client_order_id: books.exchange.cancel_order(config.symbol, head.client_order_id)}
        except NotFound:
            answer = {}  # the exchange never had it
        except ExchangeTemporaryError:
            return False  # the answer is unknown: the record stays PENDING_CANCEL, the next tick looks again
        filled = [books.see(config, r, answer.get(r.client_order_id)) for r in records]
        return not any(filled)

    def _place(self, config: BotConfig, books: Books, order: WantedOrder, records: list[BotOrderRecord]) -> bool:
        try:
            if order.is_oco:
                placed = books.exchange.place_oco(oco_request(config, order, records, books.state.last_price))
                answer = {o.client_order_id: o for o in placed.orders}
            else:
                request = order_request(config, records[0], books.state.last_price)
                answer = {records[0].client_order_id: books.exchange.place_order(request)}
        except ExchangeTemporaryError:
            return False  # lost or never sent: the record stays NEW and the next tick finds out which
        except ExchangeRejected as exc:
            for record in records:
                books.note(record, replace(record, status=OrderStatus.REJECTED, updated_at=books.at_ms))
            if not would_take(exc) and books.rejected is None:
                books.rejected = exc
            return False
        for record in records:
            books.see(config, record, answer.get(record.client_order_id))
        return True


def exchange_list(exchange: RestingExchange, symbol: str, list_id: str) -> dict[str, Order]:
    return {o.client_order_id: o for o in exchange.cancel_order_list(symbol, list_id).orders}


def _groups(records: list[BotOrderRecord]) -> list[list[BotOrderRecord]]:
    """One cancel per order, one per OCO for its two legs."""
    groups: dict[str, list[BotOrderRecord]] = {}
    for record in records:
        groups.setdefault(record.order_list_id or record.client_order_id, []).append(record)
    return list(groups.values())
