"""Each strategy's planned orders and the problems that would keep them from working (see plan.py)."""

from __future__ import annotations

from decimal import Decimal
from itertools import pairwise
from typing import Any

from chalicelib.domain.planner import SUGGESTED_GRID_HALF_WIDTH, PlannedOrder, Planner, round_down, round_up, tick_price
from chalicelib.domain.strategies import dca, grid

# --- DCA ------------------------------------------------------------------------------------------


def plan_dca(p: Planner, params: dict[str, Any], budget: Decimal) -> list[PlannedOrder]:
    start = p.price if p.price is not None and p.price > 0 else None
    base_quote = Decimal(str(params["base_order_quote"]))
    orders = [p.buy("base", start or Decimal(0), base_quote, "at the current price" if start else "at the price then")]
    for k, deviation in enumerate(dca.deviations(params), start=1):
        trigger = tick_price(p.rules, start * (1 - Decimal(str(deviation)) / 100)) if start else Decimal(0)
        quote = Decimal(str(dca.safety_size(params, k)))
        orders.append(p.buy(f"safety_{k}", trigger, quote, f"{deviation:g}% below the base entry"))
    _check_dca_notional(p, params, orders)
    if start is not None:
        _check_dca_quantity(p, orders)
    _check_dca_budget(p, params, orders, budget)
    return orders


def _check_dca_notional(p: Planner, params: dict[str, Any], orders: list[PlannedOrder]) -> None:
    base_quote, safety = orders[0].quote, orders[1:]
    if base_quote < p.min_quote:
        p.problem(
            "params.base_order_quote",
            "order_below_min_notional",
            f"The base order of {p.money_text(base_quote)} is below {p.rules.symbol}'s minimum order value "
            f"({p.money_text(p.min_quote)} with fees): raise base_order_quote to at least "
            f"{p.money_text(p.min_quote)}.",
        )
    small = [o for o in safety if o.quote < p.min_quote]
    if not small:
        return
    first_quote = Decimal(str(params["safety_order_quote"]))
    smallest = min(o.quote for o in safety)
    needed = round_up(first_quote * p.min_quote / smallest, p.money) if smallest > 0 else None
    fix = (
        f"raise safety_order_quote to at least {p.money_text(needed)}"
        if needed is not None
        else "raise safety_order_quote or volume_scale"
    )
    p.problem(
        "params.safety_order_quote",
        "order_below_min_notional",
        f"{len(small)} of {int(params['max_safety_orders'])} safety orders would be below {p.rules.symbol}'s "
        f"minimum order value ({p.money_text(p.min_quote)} with fees; the smallest is {p.money_text(smallest)}): "
        f"{fix}.",
    )


def _check_dca_quantity(p: Planner, orders: list[PlannedOrder]) -> None:
    """The first order (base first) that reaches the minimum value but not the minimum quantity."""
    for o in orders:
        if o.price > 0 and o.quote >= p.min_quote and o.quote < p.min_quote_for_qty(o.price):
            p.problem(
                "params.base_order_quote" if o.leg == "base" else "params.safety_order_quote",
                "order_below_min_quantity",
                f"The {o.leg.replace('_', ' order ')} order would buy less than {p.rules.symbol}'s minimum "
                f"quantity {p.rules.quantity_filter(market=True).min_qty.normalize()}: raise it to at least "
                f"{p.money_text(p.min_quote_for_qty(o.price))}.",
            )
            return


def _check_dca_budget(p: Planner, params: dict[str, Any], orders: list[PlannedOrder], budget: Decimal) -> None:
    total = sum((o.quote for o in orders), Decimal(0))
    if total <= budget:
        return
    count = int(params["max_safety_orders"])
    base_quote = orders[0].quote
    affordable = 0
    spent = base_quote
    for o in orders[1:]:
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


# --- grid -----------------------------------------------------------------------------------------


def plan_grid(p: Planner, params: dict[str, Any], budget: Decimal) -> tuple[list[PlannedOrder], tuple[Decimal, ...]]:
    raw = [Decimal(str(v)) for v in grid.levels(params)]
    if not all(v.is_finite() and v > 0 for v in raw):
        p.problem(
            "params.upper",
            "grid_range_invalid",
            "The grid's levels cannot be computed for this range: bring lower and upper closer together.",
        )
        return [], ()
    levels = tuple(tick_price(p.rules, v) for v in raw)
    lower, upper = Decimal(str(params["lower"])), Decimal(str(params["upper"]))
    cells = len(levels) - 1
    share = round_down(budget / cells, Decimal("1e-8"))
    orders = [p.buy(f"grid_buy_{k}", levels[k], share, f"sells at {p.price_text(levels[k + 1])}") for k in range(cells)]
    _check_grid_share(p, budget, share, cells)
    _check_grid_ticks(p, params, raw, levels, lower, upper)
    _check_grid_price_limits(p, lower, upper)
    _check_grid_quantity(p, share, levels, orders, cells)
    if p.price is not None and not params.get("wait_for_range") and not lower <= p.price <= upper:
        _grid_misses_price(p, p.price, lower, upper)
    return orders, levels


def _check_grid_share(p: Planner, budget: Decimal, share: Decimal, cells: int) -> None:
    if share >= p.min_quote:
        return
    most_levels = int(budget / p.min_quote) + 1
    fewer = f", or use at most {most_levels} levels" if most_levels >= 2 else ""
    p.problem(
        "budget",
        "order_below_min_notional",
        f"The budget of {p.money_text(budget)} split over {cells} grid cells is {p.money_text(share)} per "
        f"order, below {p.rules.symbol}'s minimum order value ({p.money_text(p.min_quote)} with fees): raise "
        f"the budget to at least {p.money_text(p.min_quote * cells)}{fewer}.",
    )


def _check_grid_ticks(
    p: Planner,
    params: dict[str, Any],
    raw: list[Decimal],
    levels: tuple[Decimal, ...],
    lower: Decimal,
    upper: Decimal,
) -> None:
    tick = p.rules.price_filter.tick_size
    if not (tick > 0 and len(set(levels)) < len(levels)):
        return
    gap = min(b - a for a, b in pairwise(raw))
    most = int((upper - lower) / tick) + 1 if params["spacing"] == "arithmetic" else None
    p.problem(
        "params.levels",
        "levels_below_tick",
        f"Neighbouring grid levels are {gap:.8g} apart, closer than {p.rules.symbol}'s price tick "
        f"{tick.normalize()}: use fewer levels" + (f" (at most {most})" if most else "") + " or a wider range.",
    )


def _check_grid_price_limits(p: Planner, lower: Decimal, upper: Decimal) -> None:
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


def _check_grid_quantity(
    p: Planner, share: Decimal, levels: tuple[Decimal, ...], orders: list[PlannedOrder], cells: int
) -> None:
    if not (share >= p.min_quote and levels):
        return
    qf = p.rules.quantity_filter(market=True)
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


def _grid_misses_price(p: Planner, price: Decimal, lower: Decimal, upper: Decimal) -> None:
    half = SUGGESTED_GRID_HALF_WIDTH
    low, high = tick_price(p.rules, price * (1 - half)), tick_price(p.rules, price * (1 + half))
    where = "below" if price < lower else "above"
    p.problem(
        "params.lower" if where == "below" else "params.upper",
        "price_outside_grid",
        f"{p.rules.symbol} trades at {p.price_text(price)}, {where} the grid's range "
        f"{p.price_text(lower)}-{p.price_text(upper)}, so the grid would "
        + ("buy every cell at once" if where == "below" else "not trade")
        + f": set lower and upper around the current price (e.g. {p.price_text(low)}-{p.price_text(high)}), "
        "or set wait_for_range to wait for the price to enter the range.",
    )


# --- signal strategies ----------------------------------------------------------------------------


def plan_signal(p: Planner, risk: dict[str, Any], budget: Decimal) -> list[PlannedOrder]:
    size = risk.get("position_size") or {"mode": "all_in"}
    mode = size.get("mode", "all_in")
    if mode == "quote":
        quote = min(Decimal(str(size["value"])), budget)
    elif mode == "percent":
        quote = budget * Decimal(str(size["value"])) / 100
    else:
        quote = budget
    quote = round_down(quote, Decimal("1e-8"))
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
