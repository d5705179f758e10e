"""What a bot plans to do, computed before it is created: the orders its strategy implies at the current price
(the DCA base and safety orders, each grid cell's buy, a signal strategy's entry), the investment they need,
and the problems that would keep it from working, each with the change that fixes it.

Pure: given the strategy, its validated params, the risk rules, the budget, the symbol's rules and the current
price, `plan_bot` returns a `Plan`. The API serves it (`POST /bots/plan`), the web app shows it before launch,
and bot creation refuses a plan with problems.

An order's value is judged as the tick will send it: a buy spends `quote` fee included, with the tick's
headroom, so the value the exchange sees is `quote x BUY_HEADROOM / (1 + fee)`. It must reach the symbol's
minimum notional, and its quantity at the planned price the symbol's minimum quantity.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal, InvalidOperation
from itertools import pairwise
from typing import Any

from chalicelib.domain.strategies import dca, grid
from chalicelib.domain.symbols import SymbolRules

# As the tick places a buy (services/tick.py): quantity = quote x headroom / (price x (1 + fee)).
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
            "price": _text(self.price),
            "quote": _text(self.quote),
            "quantity": _text(self.quantity),
            "value": _text(self.value),
            "note": self.note,
        }


@dataclass(frozen=True, slots=True)
class Problem:
    field: str  # the input to change: budget, params.<name>
    code: str
    message: str  # what is wrong and how to fix it, in words

    def to_dict(self) -> dict[str, str]:
        return {"field": self.field, "code": self.code, "message": self.message}


@dataclass(frozen=True, slots=True)
class Plan:
    strategy: str
    symbol: str
    quote_asset: str
    price: Decimal | None
    budget: Decimal
    orders: tuple[PlannedOrder, ...]
    investment: Decimal  # quote the whole plan may spend
    min_order_quote: Decimal  # the smallest quote a buy may spend on this symbol
    problems: tuple[Problem, ...] = field(default=())
    levels: tuple[Decimal, ...] = field(default=())  # grid levels, lowest first

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_dict(self) -> dict[str, Any]:
        return {
            "strategy": self.strategy,
            "symbol": self.symbol,
            "quote_asset": self.quote_asset,
            "price": None if self.price is None else _text(self.price),
            "budget": _text(self.budget),
            "investment": _text(self.investment),
            "min_order_quote": _text(self.min_order_quote),
            "levels": [_text(v) for v in self.levels],
            "orders": [o.to_dict() for o in self.orders],
            "problems": [p.to_dict() for p in self.problems],
            "ok": self.ok,
        }


def _text(value: Decimal) -> str:
    return format(value.normalize(), "f") if value == value.to_integral_value() else format(value, "f")


def _places(step: Decimal) -> int:
    exponent = step.normalize().as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def _money_step(rules: SymbolRules) -> Decimal:
    """The quote precision shown and suggested: 0.01 for USDT-like quotes, the notional's own for others."""
    minimum = rules.notional.min_notional if rules.notional else Decimal(0)
    return Decimal(1).scaleb(-max(2, _places(minimum)))


def _up(value: Decimal, step: Decimal) -> Decimal:
    return (value / step).to_integral_value(rounding=ROUND_CEILING) * step


def _down(value: Decimal, step: Decimal) -> Decimal:
    return (value / step).to_integral_value(rounding=ROUND_FLOOR) * step


def _price(rules: SymbolRules, value: Decimal) -> Decimal:
    tick = rules.price_filter.tick_size
    return _down(value, tick).normalize() if tick > 0 else value


def _fmt(value: Decimal, step: Decimal) -> str:
    """`value` to the step's decimals with thousands separators: 5712.3 at step 0.01000000 -> 5,712.30."""
    try:
        return f"{value.quantize(Decimal(1).scaleb(-_places(step))):,}"
    except InvalidOperation:  # too many digits to show at that precision (absurdly large inputs)
        return f"{value:,}"


class _Planner:
    def __init__(self, rules: SymbolRules, price: Decimal | None, fee: Decimal) -> None:
        self.rules = rules
        self.price = price
        self.fee = fee
        self.money = _money_step(rules)
        self.min_notional = rules.notional.min_notional if rules.notional and rules.notional.apply_min_to_market else 0
        self.min_qty = rules.quantity_filter(market=True).min_qty
        # The smallest buy that reaches the minimum notional once fee and headroom are taken off.
        self.min_quote = _up(Decimal(self.min_notional) * (1 + fee) / BUY_HEADROOM, self.money)
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
        return _up(self.min_qty * price * (1 + self.fee) / BUY_HEADROOM, self.money)


def plan_bot(
    strategy_id: str,
    params: dict[str, Any],
    budget: Decimal,
    rules: SymbolRules,
    price: Decimal | None,
    *,
    risk: dict[str, Any] | None = None,
    fee: Decimal = DEFAULT_FEE_RATE,
) -> Plan:
    """The plan of a bot with validated `params` and `risk` (as `validate_params` / `validate_risk` return
    them). `price` is the symbol's current price, or None when unknown (the checks that need it are skipped)."""
    p = _Planner(rules, price, fee)
    levels: tuple[Decimal, ...] = ()
    if strategy_id == "dca":
        orders = _plan_dca(p, params, budget)
    elif strategy_id == "grid":
        orders, levels = _plan_grid(p, params, budget)
    else:
        orders = _plan_signal(p, risk or {}, budget)
    investment = sum((o.quote for o in orders), Decimal(0))
    return Plan(
        strategy=strategy_id,
        symbol=rules.symbol,
        quote_asset=rules.quote_asset,
        price=price,
        budget=budget,
        orders=tuple(orders),
        investment=investment,
        min_order_quote=p.min_quote,
        problems=tuple(p.problems),
        levels=levels,
    )


def _plan_dca(p: _Planner, params: dict[str, Any], budget: Decimal) -> list[PlannedOrder]:
    start = p.price if p.price is not None and p.price > 0 else None
    base_quote = Decimal(str(params["base_order_quote"]))
    count = int(params["max_safety_orders"])
    orders = [p.buy("base", start or Decimal(0), base_quote, "at the current price" if start else "at the price then")]
    for k, deviation in enumerate(dca.deviations(params), start=1):
        trigger = _price(p.rules, start * (1 - Decimal(str(deviation)) / 100)) if start else Decimal(0)
        quote = Decimal(str(dca.safety_size(params, k)))
        orders.append(p.buy(f"safety_{k}", trigger, quote, f"{deviation:g}% below the base entry"))
    safety = orders[1:]
    if base_quote < p.min_quote:
        p.problem(
            "params.base_order_quote",
            "order_below_min_notional",
            f"The base order of {p.money_text(base_quote)} is below {p.rules.symbol}'s minimum order value "
            f"({p.money_text(p.min_quote)} with fees): raise base_order_quote to at least "
            f"{p.money_text(p.min_quote)}.",
        )
    small = [o for o in safety if o.quote < p.min_quote]
    if small:
        first_quote = Decimal(str(params["safety_order_quote"]))
        smallest = min(o.quote for o in safety)
        needed = _up(first_quote * p.min_quote / smallest, p.money) if smallest > 0 else None
        fix = (
            f"raise safety_order_quote to at least {p.money_text(needed)}"
            if needed is not None
            else "raise safety_order_quote or volume_scale"
        )
        p.problem(
            "params.safety_order_quote",
            "order_below_min_notional",
            f"{len(small)} of {count} safety orders would be below {p.rules.symbol}'s minimum order value "
            f"({p.money_text(p.min_quote)} with fees; the smallest is {p.money_text(smallest)}): {fix}.",
        )
    if start is not None:
        for o in [orders[0], *safety]:
            if o.price > 0 and o.quote >= p.min_quote and o.quote < p.min_quote_for_qty(o.price):
                p.problem(
                    "params.base_order_quote" if o.leg == "base" else "params.safety_order_quote",
                    "order_below_min_quantity",
                    f"The {o.leg.replace('_', ' order ')} order would buy less than {p.rules.symbol}'s minimum "
                    f"quantity {p.rules.quantity_filter(market=True).min_qty.normalize()}: raise it to at least "
                    f"{p.money_text(p.min_quote_for_qty(o.price))}.",
                )
                break
    total = sum((o.quote for o in orders), Decimal(0))
    if total > budget:
        affordable = 0
        spent = base_quote
        for o in safety:
            if spent + o.quote > budget:
                break
            spent += o.quote
            affordable += 1
        fits = f", or lower max_safety_orders to {affordable}" if base_quote <= budget and affordable < count else ""
        p.problem(
            "budget",
            "plan_exceeds_budget",
            f"The base order and {count} safety orders need {p.money_text(total)}, more than the budget of "
            f"{p.money_text(budget)}: raise the budget to at least {p.money_text(total)}{fits}, or make the "
            "orders smaller.",
        )
    return orders


def _plan_grid(p: _Planner, params: dict[str, Any], budget: Decimal) -> tuple[list[PlannedOrder], tuple[Decimal, ...]]:
    raw = [Decimal(str(v)) for v in grid.levels(params)]
    if not all(v.is_finite() and v > 0 for v in raw):
        p.problem(
            "params.upper",
            "grid_range_invalid",
            "The grid's levels cannot be computed for this range: bring lower and upper closer together.",
        )
        return [], ()
    levels = tuple(_price(p.rules, v) for v in raw)
    lower, upper = Decimal(str(params["lower"])), Decimal(str(params["upper"]))
    cells = len(levels) - 1
    share = _down(budget / cells, Decimal("1e-8"))
    orders = [p.buy(f"grid_buy_{k}", levels[k], share, f"sells at {p.price_text(levels[k + 1])}") for k in range(cells)]
    if share < p.min_quote:
        most_levels = int(budget / p.min_quote) + 1
        fewer = f", or use at most {most_levels} levels" if most_levels >= 2 else ""
        p.problem(
            "budget",
            "order_below_min_notional",
            f"The budget of {p.money_text(budget)} split over {cells} grid cells is {p.money_text(share)} per "
            f"order, below {p.rules.symbol}'s minimum order value ({p.money_text(p.min_quote)} with fees): raise "
            f"the budget to at least {p.money_text(p.min_quote * cells)}{fewer}.",
        )
    tick = p.rules.price_filter.tick_size
    if tick > 0 and len(set(levels)) < len(levels):
        gap = min(b - a for a, b in pairwise(raw))
        most = int((upper - lower) / tick) + 1 if params["spacing"] == "arithmetic" else None
        p.problem(
            "params.levels",
            "levels_below_tick",
            f"Neighbouring grid levels are {gap:.8g} apart, closer than {p.rules.symbol}'s price tick "
            f"{tick.normalize()}: use fewer levels" + (f" (at most {most})" if most else "") + " or a wider range.",
        )
    pf = p.rules.price_filter
    if pf.min_price > 0 and lower < pf.min_price:
        p.problem(
            "params.lower",
            "price_out_of_limits",
            f"lower must be at least {p.rules.symbol}'s minimum price {pf.min_price.normalize()}.",
        )
    if pf.max_price > 0 and upper > pf.max_price:
        p.problem(
            "params.upper",
            "price_out_of_limits",
            f"upper must be at most {p.rules.symbol}'s maximum price {pf.max_price.normalize()}.",
        )
    qf = p.rules.quantity_filter(market=True)
    if share >= p.min_quote and levels:
        top = max(levels)
        if share < p.min_quote_for_qty(top):
            p.problem(
                "budget",
                "order_below_min_quantity",
                f"A grid order of {p.money_text(share)} buys less than {p.rules.symbol}'s minimum quantity "
                f"{qf.min_qty.normalize()} at the top levels: raise the budget to at least "
                f"{p.money_text(p.min_quote_for_qty(top) * cells)} or use fewer levels.",
            )
        if qf.max_qty > 0 and orders and orders[0].quantity > qf.max_qty:
            p.problem(
                "params.levels",
                "order_above_max_quantity",
                f"A grid order would buy more than {p.rules.symbol}'s maximum quantity {qf.max_qty.normalize()}: "
                "use more levels or a smaller budget.",
            )
    if p.price is not None and not params.get("wait_for_range") and not lower <= p.price <= upper:
        half = SUGGESTED_GRID_HALF_WIDTH
        low, high = _price(p.rules, p.price * (1 - half)), _price(p.rules, p.price * (1 + half))
        where = "below" if p.price < lower else "above"
        p.problem(
            "params.lower" if where == "below" else "params.upper",
            "price_outside_grid",
            f"{p.rules.symbol} trades at {p.price_text(p.price)}, {where} the grid's range "
            f"{p.price_text(lower)}-{p.price_text(upper)}, so the grid would "
            + ("buy every cell at once" if where == "below" else "not trade")
            + f": set lower and upper around the current price (e.g. {p.price_text(low)}-{p.price_text(high)}), "
            "or set wait_for_range to wait for the price to enter the range.",
        )
    return orders, levels


def _plan_signal(p: _Planner, risk: dict[str, Any], budget: Decimal) -> list[PlannedOrder]:
    size = risk.get("position_size") or {"mode": "all_in"}
    mode = size.get("mode", "all_in")
    if mode == "quote":
        quote = min(Decimal(str(size["value"])), budget)
    elif mode == "percent":
        quote = budget * Decimal(str(size["value"])) / 100
    else:
        quote = budget
    quote = _down(quote, Decimal("1e-8"))
    order = p.buy("entry", p.price or Decimal(0), quote, "on the entry signal")
    if quote < p.min_quote:
        target = "budget" if mode == "all_in" else "risk.position_size.value"
        p.problem(
            target,
            "order_below_min_notional",
            f"An entry of {p.money_text(quote)} is below {p.rules.symbol}'s minimum order value "
            f"({p.money_text(p.min_quote)} with fees): "
            + (
                f"raise the budget to at least {p.money_text(p.min_quote)}."
                if mode == "all_in"
                else f"raise the position size to at least {p.money_text(p.min_quote)}"
                + (" of the budget." if mode == "quote" else " (as a share of the budget).")
            ),
        )
    elif p.price is not None and p.price > 0 and quote < p.min_quote_for_qty(p.price):
        p.problem(
            "budget",
            "order_below_min_quantity",
            f"An entry of {p.money_text(quote)} buys less than {p.rules.symbol}'s minimum quantity: raise it to at "
            f"least {p.money_text(p.min_quote_for_qty(p.price))}.",
        )
    return [order]
