"""When a resting order fills on a candle: the one rule the paper exchange and the backtester share
(docs/orders.md), so a backtest gives the trades a paper bot gets.

Only a candle's open, high, low and volume are known, not the path between them, so the rule is stated on
those and errs against the trader:
* A buy limit fills when the candle's low reaches its price: at the limit price, or at the open when the
  candle opens through it (a gap fills at the better open, as a resting order on a real book would).
  A sell limit mirrors it on the high.
* A sell stop-loss-limit triggers when the low reaches its stop price and then acts as a sell limit at its
  limit price (at or below the stop): it fills at the open when the candle opened between the limit and the
  stop, at its limit when the price fell through the stop during the candle, and NOT at all when the candle
  opened below the limit (a gap through the whole stop: it rests as a limit for later candles, the true risk
  of a stop-limit). A sell TAKE_PROFIT_LIMIT triggers on the high reaching its stop. Buys mirror sells.
* Of an OCO, the leg that triggers first fills and cancels the other. When one candle reaches both the
  take-profit and the stop, the stop is taken (the worse outcome for the trader).
* Partial fills: a candle fills at most `participation` (default 10%) of its volume for one order; the rest
  stays open for the next candles.
"""

from __future__ import annotations

from enum import StrEnum

from chalicelib.domain.orders import OrderType, Side

DEFAULT_PARTICIPATION = 0.10


class Touch(StrEnum):
    NONE = "none"  # the candle did not reach the order
    AT_PRICE = "at_price"  # fills at the order's own (limit) price
    AT_OPEN = "at_open"  # the candle opened through it: fills at the candle's open


def limit_touch(side: Side, price: float, open_: float, high: float, low: float) -> Touch:
    """How a resting limit at `price` fills on this candle."""
    if side is Side.BUY:
        if open_ <= price:
            return Touch.AT_OPEN
        return Touch.AT_PRICE if low <= price else Touch.NONE
    if open_ >= price:
        return Touch.AT_OPEN
    return Touch.AT_PRICE if high >= price else Touch.NONE


def stop_triggered(order_type: OrderType, side: Side, stop_price: float, high: float, low: float) -> bool:
    """Whether a stop-limit (sell stop-loss: the low falls to the stop; sell take-profit: the high rises to
    it; mirrored for buys) triggered on this candle."""
    falling = (order_type is OrderType.STOP_LOSS_LIMIT) == (side is Side.SELL)
    return low <= stop_price if falling else high >= stop_price


def stop_limit_touch(side: Side, stop_price: float, limit_price: float, open_: float, high: float, low: float) -> Touch:
    """A stop-loss-limit on one candle (the rule in the module docstring); buys mirror sells."""
    if side is Side.SELL:
        if low > stop_price or open_ < limit_price:
            return Touch.NONE
        return Touch.AT_OPEN if open_ <= stop_price else Touch.AT_PRICE
    if high < stop_price or open_ > limit_price:
        return Touch.NONE
    return Touch.AT_OPEN if open_ >= stop_price else Touch.AT_PRICE


def oco_first_leg(stop_hit: bool, take_profit_hit: bool) -> str | None:
    """Which leg of an OCO fills when the candle reached one or both: the stop wins a tie."""
    if stop_hit:
        return "stop"
    return "take_profit" if take_profit_hit else None


def fillable(remaining: float, volume: float, participation: float = DEFAULT_PARTICIPATION) -> float:
    """How much of an order's remaining quantity one candle fills: at most `participation` of its volume.
    A candle without volume data (volume <= 0) fills the whole remainder, as the backtester always did."""
    if volume <= 0:
        return remaining
    return min(remaining, volume * participation)


def booking_order(side: Side, key: str) -> tuple[bool, str]:
    """The order a bar's resting fills are booked in, by the backtest and by the tick alike: sells first (their
    proceeds fund the buys of the same bar), then by order key (a DCA take-profit before the safety orders of its
    bar, safety_1 before safety_2, so the same fill opens the next cycle on both sides)."""
    return side is not Side.SELL, key
