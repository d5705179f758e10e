"""The building blocks of a bot's plan (plan.py): planned orders, problems, and the `Planner` that prices a buy
as the tick will send it and words each problem in the symbol's own units."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal, InvalidOperation
from typing import Any

from chalicelib.domain.symbols import SymbolRules

# As the tick places a buy (services/tick/execution.py): quantity = quote x headroom / (price x (1 + fee)).
BUY_HEADROOM = Decimal("0.998")
DEFAULT_FEE_RATE = Decimal("0.001")
# Bounds proposed when a grid does not contain the current price: this far either side of it.
SUGGESTED_GRID_HALF_WIDTH = Decimal("0.1")


@dataclass(frozen=True, slots=True)
class PlannedOrder:
    leg: str  # base, safety_<k>, grid_buy_<k>, entry
    side: str  # buy | sell
    price: Decimal  # where it is planned: the current price, a safety order's trigger, a grid level
    quote: Decimal  # quote the order spends (fee included)
    quantity: Decimal  # base it buys at `price`, before rounding to the lot step
    value: Decimal  # what the exchange judges against the minimum notional
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "leg": self.leg,
            "side": self.side,
            "price": decimal_text(self.price),
            "quote": decimal_text(self.quote),
            "quantity": decimal_text(self.quantity),
            "value": decimal_text(self.value),
            "note": self.note,
        }


@dataclass(frozen=True, slots=True)
class Problem:
    field: str  # the input to change: budget, params.<name>
    code: str
    message: str  # what is wrong and how to fix it, in words

    def to_dict(self) -> dict[str, str]:
        return {"field": self.field, "code": self.code, "message": self.message}


def decimal_text(value: Decimal) -> str:
    return format(value.normalize(), "f") if value == value.to_integral_value() else format(value, "f")


def _places(step: Decimal) -> int:
    exponent = step.normalize().as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def _money_step(rules: SymbolRules) -> Decimal:
    """The quote precision shown and suggested: 0.01 for USDT-like quotes, the notional's own for others."""
    minimum = rules.notional.min_notional if rules.notional else Decimal(0)
    return Decimal(1).scaleb(-max(2, _places(minimum)))


def round_up(value: Decimal, step: Decimal) -> Decimal:
    return (value / step).to_integral_value(rounding=ROUND_CEILING) * step


def round_down(value: Decimal, step: Decimal) -> Decimal:
    return (value / step).to_integral_value(rounding=ROUND_FLOOR) * step


def tick_price(rules: SymbolRules, value: Decimal) -> Decimal:
    tick = rules.price_filter.tick_size
    return round_down(value, tick).normalize() if tick > 0 else value


def _fmt(value: Decimal, step: Decimal) -> str:
    """`value` to the step's decimals with thousands separators: 5712.3 at step 0.01000000 -> 5,712.30."""
    try:
        return f"{value.quantize(Decimal(1).scaleb(-_places(step))):,}"
    except InvalidOperation:  # too many digits to show at that precision (absurdly large inputs)
        return f"{value:,}"


class Planner:
    def __init__(self, rules: SymbolRules, price: Decimal | None, fee: Decimal) -> None:
        self.rules = rules
        self.price = price
        self.fee = fee
        self.money = _money_step(rules)
        self.min_notional = rules.notional.min_notional if rules.notional and rules.notional.apply_min_to_market else 0
        self.min_qty = rules.quantity_filter(market=True).min_qty
        # The smallest buy that reaches the minimum notional once fee and headroom are taken off.
        self.min_quote = round_up(Decimal(self.min_notional) * (1 + fee) / BUY_HEADROOM, self.money)
        self.problems: list[Problem] = []

    def buy(self, leg: str, price: Decimal, quote: Decimal, note: str = "") -> PlannedOrder:
        value = quote * BUY_HEADROOM / (1 + self.fee)
        quantity = value / price if price > 0 else Decimal(0)
        return PlannedOrder(leg, "buy", price, quote, quantity, value, note)

    def money_text(self, value: Decimal) -> str:
        return f"{_fmt(value, self.money)} {self.rules.quote_asset}"

    def price_text(self, value: Decimal) -> str:
        tick = self.rules.price_filter.tick_size
        return _fmt(value, tick if tick > 0 else Decimal("0.00000001"))

    def problem(self, field_name: str, code: str, message: str) -> None:
        self.problems.append(Problem(field_name, code, message))

    def min_quote_for_qty(self, price: Decimal) -> Decimal:
        """The quote a buy at `price` needs for the minimum quantity."""
        return round_up(self.min_qty * price * (1 + self.fee) / BUY_HEADROOM, self.money)
