"""Resting orders in a backtest (and in the replay test, which plays a live tick): the orders the engine wants
at bar i's close rest from bar i+1 and fill, bar by bar, by the one rule of domain/resting_fills.py that the
paper exchange applies too.

`RestingBook.update` reconciles as the tick does (domain.resting.reconcile): a key wanted on the terms it
rests on keeps its order (and what it has filled), a key wanted on new terms is cancelled and placed again, a
key no longer wanted is cancelled. `RestingBook.fill_bar` fills what the candle reached: first a limit placed for
this bar that its open fills (it filled when the tick placed it), then sells first (their proceeds fund the buys
of the same candle), each at most `participation` of the candle's volume; a buy spends at
most the cash left and a sell at most what its group holds. Fills are `SimFill`s, booked by the caller through
the engine's `apply_fill_core` like the market fills.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple, Protocol

from chalicelib.domain.backtest.fills import SimFill
from chalicelib.domain.orders import OrderType, Side
from chalicelib.domain.resting_fills import (
    DEFAULT_PARTICIPATION,
    Touch,
    booking_order,
    fillable,
    limit_touch,
    oco_first_leg,
    stop_limit_touch,
    stop_triggered,
)
from chalicelib.domain.strategies.base import MIN_QUOTE, Want, group_of

DONE = 1 - 1e-9  # filled within float noise of its quantity: the order is done
INF = float("inf")


class Candle(NamedTuple):
    open_time: int
    open: float
    high: float
    low: float
    volume: float


class Account(Protocol):
    """The simulated account a fill is booked into."""

    cash: float

    def held(self, group: str) -> float: ...

    def book(self, fill: SimFill) -> None: ...


@dataclass
class Resting:
    want: Want
    filled: float = 0.0
    triggered: bool = False  # its stop triggered: it rests as a limit at the stop's limit price
    take_profit_only: bool = False  # an OCO whose take-profit leg filled: the stop leg is cancelled

    @property
    def remaining(self) -> float:
        return self.want.quantity - self.filled


@dataclass
class RestingBook:
    fee_rate: float
    participation: float = DEFAULT_PARTICIPATION
    orders: dict[str, Resting] = field(default_factory=dict)
    # Where a candle must reach for any order to fill: its low at or below `_down` or its high at or above
    # `_up` (most candles reach no order: a grid's ladder sits outside them).
    _down: float = INF
    _up: float = -INF
    # Keys placed (or placed again) by the last `update`: the tick at the next bar's open placed them.
    _fresh: set[str] = field(default_factory=set)

    def update(self, wants: list[Want]) -> None:
        current = self.orders
        if len(wants) == len(current) and all(
            (o := current.get(w.key)) is not None and (o.want is w or o.want.same_terms(w)) for w in wants
        ):
            return  # all kept as they rest
        self.orders = {}
        for want in wants:
            order = current.get(want.key)
            if order is None or not order.want.same_terms(want):
                order = Resting(want)
                self._fresh.add(want.key)
            self.orders[want.key] = order
        self._bounds()

    def _bounds(self) -> None:
        reach = [_reach(o) for o in self.orders.values()]
        self._down = max((r[0] for r in reach), default=-INF)
        self._up = min((r[1] for r in reach), default=INF)

    def fill_bar(self, candle: Candle, account: Account) -> None:
        fresh = self._fresh
        if fresh:
            self._fresh = set()
        if not self.orders or (candle.low > self._down and candle.high < self._up):
            return
        for key in self._booking(candle, fresh):
            order = self.orders[key]
            touched = _touch(order, candle)
            if touched is None:
                continue
            fill = self._fill(order, touched, candle, account)
            if fill is not None:
                order.filled += fill.quantity
                account.book(fill)
            if (fill is None and order.want.side is Side.SELL) or order.filled >= order.want.quantity * DONE:
                del self.orders[key]  # done, or a sell with nothing left to sell
        self._bounds()

    def _booking(self, candle: Candle, fresh: set[str]) -> list[str]:
        """The keys in the order their fills are booked: first a limit placed for this bar where the bar's open fills
        it, in the order the tick placed them (the wants' order; the paper exchange and Binance fill such an order
        at once and the tick books it then, before anything else could fill on the bar), then `booking_order`."""
        placed = {key for key in fresh.intersection(self.orders) if _fills_when_placed(self.orders[key].want, candle)}
        at_once = [key for key in self.orders if key in placed] if placed else []
        rest = sorted(
            (k for k in self.orders if k not in placed), key=lambda k: booking_order(self.orders[k].want.side, k)
        )
        return at_once + rest

    def _fill(self, order: Resting, touched: tuple[float, str], candle: Candle, account: Account) -> SimFill | None:
        price, reason = touched
        want = order.want
        quantity = fillable(order.remaining, candle.volume, self.participation)
        if want.side is Side.BUY:
            quantity = min(quantity, account.cash / (price * (1 + self.fee_rate)))
            if quantity * price <= MIN_QUOTE:
                return None
        else:
            quantity = min(quantity, account.held(group_of(want.leg)))
            if quantity <= 0:
                return None
        notional = quantity * price
        return SimFill(
            want.leg, want.side, price, quantity, notional, notional * self.fee_rate, candle.open_time, reason
        )


def _fills_when_placed(want: Want, candle: Candle) -> bool:
    """A plain LIMIT placed at the bar's open through the price: marketable, the exchange fills it at once."""
    if want.type is not OrderType.LIMIT or want.oco_stop is not None:
        return False
    return limit_touch(want.side, want.price, candle.open, candle.high, candle.low) is Touch.AT_OPEN


def _reach(order: Resting) -> tuple[float, float]:
    """(a low at or below this, a high at or above that) may fill the order; the resting_fills rule never
    fills an order on a candle that reaches neither (a gapping open lies between the low and the high)."""
    want = order.want
    if order.triggered:
        limit = want.oco_stop[1] if want.oco_stop is not None else want.price
        return (limit, INF) if want.side is Side.BUY else (-INF, limit)
    if want.oco_stop is not None and want.side is Side.SELL:
        return want.oco_stop[0], want.price  # (after its take-profit leg filled, still reached no lower)
    if want.type is OrderType.STOP_LOSS_LIMIT and want.stop_price is not None and want.side is Side.SELL:
        return want.stop_price, INF
    if want.type in (OrderType.LIMIT, OrderType.LIMIT_MAKER):
        return (want.price, INF) if want.side is Side.BUY else (-INF, want.price)
    return INF, -INF  # any other kind: look at every candle


def _priced(touch: Touch, price: float, candle: Candle, reason: str) -> tuple[float, str] | None:
    if touch is Touch.NONE:
        return None
    return (candle.open if touch is Touch.AT_OPEN else price), reason


def _touch(order: Resting, c: Candle) -> tuple[float, str] | None:
    """(price, trade reason) at which this candle fills the order, or None (resting_fills' rule)."""
    want = order.want
    if order.triggered:
        limit = want.oco_stop[1] if want.oco_stop is not None else want.price
        return _priced(limit_touch(want.side, limit, c.open, c.high, c.low), limit, c, want.stop_reason)
    if want.oco_stop is not None and not order.take_profit_only:
        stop, limit = want.oco_stop
        stop_hit = stop_triggered(OrderType.STOP_LOSS_LIMIT, want.side, stop, c.high, c.low)
        take = limit_touch(want.side, want.price, c.open, c.high, c.low)
        leg = oco_first_leg(stop_hit, take is not Touch.NONE)
        if leg == "stop":
            order.triggered = True
            return _priced(stop_limit_touch(want.side, stop, limit, c.open, c.high, c.low), limit, c, want.stop_reason)
        if leg is None:
            return None
        order.take_profit_only = True
        return _priced(take, want.price, c, want.reason)
    if want.type is OrderType.STOP_LOSS_LIMIT and want.stop_price is not None:
        if not stop_triggered(want.type, want.side, want.stop_price, c.high, c.low):
            return None
        order.triggered = True
        touch = stop_limit_touch(want.side, want.stop_price, want.price, c.open, c.high, c.low)
        return _priced(touch, want.price, c, want.stop_reason)
    return _priced(limit_touch(want.side, want.price, c.open, c.high, c.low), want.price, c, want.reason)
