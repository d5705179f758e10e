"""The paper exchange's resting-order book as arithmetic: how open orders fill on the candles that closed
since they were last settled (domain.resting_fills, the rule the backtester applies too), and what each fill,
expiry or cancel does to the account's balances. No I/O: the exchange reads and writes, this decides.

Balances: a resting buy locks quote (quantity x limit, rounded up), a resting sell locks base; an OCO locks
its quantity once, held by the take-profit leg until a leg triggers and takes the whole reservation. A fill
releases its share of the reservation (all of what is left on the last fill), spends the cost (a buy filled
below its limit gets the difference back) and credits the proceeds less a fee in the asset received.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

from chalicelib.adapters.dynamo.paper import Delta, Move, PaperOrder
from chalicelib.domain.candles import Candle
from chalicelib.domain.orders import Fill, OrderStatus, OrderType, Side
from chalicelib.domain.resting_fills import (
    Touch,
    fillable,
    limit_touch,
    oco_first_leg,
    stop_limit_touch,
    stop_triggered,
)
from chalicelib.domain.symbols import SymbolRules

AMOUNT = Decimal("0.00000001")  # Binance keeps balances and commissions to 8 decimals
ZERO = Decimal(0)
# A quiet order is written back after this many candles without a fill, so a later read walks from there
# instead of from its placement (a quiet read writes nothing before that).
CHECKPOINT_CANDLES = 600


def down(value: Decimal) -> Decimal:
    return value.quantize(AMOUNT, rounding=ROUND_FLOOR)


def up(value: Decimal) -> Decimal:
    return value.quantize(AMOUNT, rounding=ROUND_CEILING)


def add(deltas: dict[str, Delta], asset: str, free: Decimal = ZERO, locked: Decimal = ZERO) -> None:
    old = deltas.get(asset, Delta())
    deltas[asset] = Delta(old.free + free, old.locked + locked)


def reservation(rules: SymbolRules, side: Side, quantity: Decimal, price: Decimal) -> Move:
    """What a resting order locks: the quote of a buy at its limit, the base of a sell."""
    if side is Side.BUY:
        return Move(rules.quote_asset, up(quantity * price))
    return Move(rules.base_asset, quantity)


def fill(
    paper: PaperOrder,
    price: Decimal,
    quantity: Decimal,
    rules: SymbolRules,
    fee_rate: Decimal,
    deltas: dict[str, Delta],
) -> PaperOrder:
    """`paper` after `quantity` of it filled at `price`; the balance changes are added to `deltas`."""
    order = paper.order
    left = order.quantity - order.executed_quantity - quantity
    held = paper.reserved.amount if paper.reserved is not None else ZERO
    quote = quantity * price
    if order.side is Side.BUY:
        assert order.price is not None
        release = held if left == 0 else min(held, up(quantity * order.price))
        cost = min(up(quote), release)
        fee = up(quantity * fee_rate)
        add(deltas, rules.quote_asset, free=release - cost, locked=-release)
        add(deltas, rules.base_asset, free=quantity - fee)
        fee_asset = rules.base_asset
    else:
        release = held if left == 0 else min(held, quantity)
        fee = up(quote * fee_rate)
        add(deltas, rules.base_asset, free=release - quantity, locked=-release)
        add(deltas, rules.quote_asset, free=down(quote) - fee)
        fee_asset = rules.quote_asset
    filled = replace(
        order,
        status=OrderStatus.FILLED if left == 0 else OrderStatus.PARTIALLY_FILLED,
        executed_quantity=order.executed_quantity + quantity,
        quote_quantity=order.quote_quantity + quote,
        fills=(*order.fills, Fill(price, quantity, fee, fee_asset)),
    )
    reserved = Move(paper.reserved.asset, held - release) if paper.reserved is not None else None
    return replace(paper, order=filled, reserved=reserved)


def close(paper: PaperOrder, status: OrderStatus, deltas: dict[str, Delta]) -> PaperOrder:
    """`paper` cancelled or expired: what it still holds goes back to free."""
    if paper.reserved is not None and paper.reserved.amount:
        add(deltas, paper.reserved.asset, free=paper.reserved.amount, locked=-paper.reserved.amount)
    reserved = Move(paper.reserved.asset, ZERO) if paper.reserved is not None else None
    return replace(paper, order=replace(paper.order, status=status), reserved=reserved)


def _touch_price(touch: Touch, limit: Decimal, candle: Candle) -> Decimal | None:
    if touch is Touch.AT_PRICE:
        return limit
    return candle.open if touch is Touch.AT_OPEN else None


def candle_price(paper: PaperOrder, candle: Candle) -> tuple[bool, Decimal | None]:
    """(triggered, the price `paper` fills at on `candle` or None) by domain.resting_fills."""
    order = paper.order
    assert order.price is not None
    o, h, lo = float(candle.open), float(candle.high), float(candle.low)
    if order.type.has_stop and not paper.triggered:
        assert order.stop_price is not None
        if not stop_triggered(order.type, order.side, float(order.stop_price), h, lo):
            return False, None
        if order.type is OrderType.STOP_LOSS_LIMIT:
            touch = stop_limit_touch(order.side, float(order.stop_price), float(order.price), o, h, lo)
        else:
            touch = limit_touch(order.side, float(order.price), o, h, lo)
        return True, _touch_price(touch, order.price, candle)
    return paper.triggered, _touch_price(limit_touch(order.side, float(order.price), o, h, lo), order.price, candle)


def candle_quantity(paper: PaperOrder, candle: Candle, rules: SymbolRules) -> Decimal:
    """How much of what is left one candle fills (resting_fills.fillable), in whole lot steps."""
    left = paper.order.quantity - paper.order.executed_quantity
    cap = fillable(float(left), float(candle.volume))
    if cap >= float(left):
        return left
    step = rules.lot_size.step_size if rules.lot_size.step_size > 0 else AMOUNT
    return min(left, (Decimal(repr(cap)) // step) * step)


def _oco_step(legs: list[PaperOrder], candle: Candle) -> list[PaperOrder] | None:
    """Of an OCO with both legs open, the leg that triggers on `candle` (the stop on a tie) takes the whole
    reservation and the other expires, as on Binance; None when neither reached."""
    stop = next(p for p in legs if p.order.type is OrderType.STOP_LOSS_LIMIT)
    take = next(p for p in legs if p.order is not stop.order)
    assert stop.order.stop_price is not None and take.order.price is not None
    o, h, lo = float(candle.open), float(candle.high), float(candle.low)
    stop_hit = stop_triggered(stop.order.type, stop.order.side, float(stop.order.stop_price), h, lo)
    take_hit = limit_touch(take.order.side, float(take.order.price), o, h, lo) is not Touch.NONE
    first = oco_first_leg(stop_hit, take_hit)
    if first is None:
        return None
    winner, loser = (stop, take) if first == "stop" else (take, stop)
    pool = sum((p.reserved.amount for p in legs if p.reserved is not None), ZERO)
    asset = next(p.reserved.asset for p in legs if p.reserved is not None)
    decided = {
        winner.order.client_order_id: replace(winner, reserved=Move(asset, pool)),
        loser.order.client_order_id: replace(
            loser, order=replace(loser.order, status=OrderStatus.EXPIRED), reserved=Move(asset, ZERO)
        ),
    }
    return [decided[p.order.client_order_id] for p in legs]


def _step(
    legs: list[PaperOrder], candle: Candle, rules: SymbolRules, fee_rate: Decimal, deltas: dict[str, Delta]
) -> tuple[list[PaperOrder], bool]:
    """The legs after one candle, and whether anything changed."""
    changed = False
    if len(legs) == 2 and all(p.order.is_open for p in legs):
        decided = _oco_step(legs, candle)
        if decided is None:
            return legs, False
        legs, changed = decided, True
    out = []
    for paper in legs:
        if paper.order.is_open:
            triggered, price = candle_price(paper, candle)
            changed = changed or triggered != paper.triggered
            paper = replace(paper, triggered=triggered)
            quantity = candle_quantity(paper, candle, rules) if price is not None else ZERO
            if price is not None and quantity > 0:
                paper, changed = fill(paper, price, quantity, rules, fee_rate, deltas), True
        out.append(paper)
    return out, changed


def settle(
    legs: Sequence[PaperOrder], candles: Sequence[Candle], rules: SymbolRules, fee_rate: Decimal
) -> tuple[list[PaperOrder], dict[str, Delta]] | None:
    """An order (or both legs of an OCO) walked over every candle not yet applied to it, oldest first, with
    versions bumped for a conditional write; None when there is nothing worth writing."""
    state = list(legs)
    deltas: dict[str, Delta] = {}
    since = min(p.settled_ms for p in state)
    changed, walked, last_close = False, 0, None
    for candle in candles:
        if candle.open_time < since:
            continue
        if not any(p.order.is_open for p in state):
            break
        state, moved = _step(state, candle, rules, fee_rate, deltas)
        changed, walked, last_close = changed or moved, walked + 1, candle.close_time
    if last_close is None or not (changed or walked >= CHECKPOINT_CANDLES):
        return None
    return [replace(p, version=p.version + 1, settled_ms=last_close + 1) for p in state], deltas
