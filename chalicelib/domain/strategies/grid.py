"""Grid: price levels between lower and upper (arithmetic or geometric spacing); each cell between two
neighbouring levels buys when the close is at or below its lower level and sells its lot when the close
reaches its upper level. Long-only spot: a cell holds at most one lot. Orders are market orders decided on
the bar's close and filled at the next bar's open; free cash is split evenly over the empty cells. With
`wait_for_range` no cell buys while the close is below the lowest level (a bot created away from its range
waits for the price to enter it instead of buying every cell at once).

With `order_type` "limit" / "limit_maker" the grid trades through resting orders instead (grid_resting.py)."""

from __future__ import annotations

from functools import lru_cache

from chalicelib.domain.orders import Side
from chalicelib.domain.strategies import grid_resting
from chalicelib.domain.strategies.base import Bar, EngineState, Intent, Params, StatefulStrategy, Want
from chalicelib.domain.strategies.schema import integer, number, object_schema


def levels(params: Params) -> list[float]:
    return list(_levels(float(params["lower"]), float(params["upper"]), int(params["levels"]), params["spacing"]))


@lru_cache(maxsize=256)
def _levels(lower: float, upper: float, count: int, spacing: str) -> tuple[float, ...]:
    """Cached: the backtest asks on every bar."""
    if spacing == "geometric":
        ratio = (upper / lower) ** (1 / (count - 1))
        return tuple(lower * ratio**k for k in range(count))
    step = (upper - lower) / (count - 1)
    return tuple(lower + step * k for k in range(count))


def decide_bar(params: Params, bar: Bar, state: EngineState, cash: float, entries_allowed: bool) -> list[Intent]:
    if grid_resting.is_resting(params):
        return []  # its orders rest on the exchange: `wants`
    prices = levels(params)
    sells: list[Intent] = []
    buy_cells: list[int] = []
    for k in range(len(prices) - 1):
        lot = state.lots.get(f"cell_{k}")
        if lot is not None and bar.close >= prices[k + 1]:
            sells.append(Intent(Side.SELL, f"grid_sell_{k}", "grid", quantity=lot.quantity))
        elif lot is None and entries_allowed and bar.close <= prices[k]:
            buy_cells.append(k)
    if params.get("wait_for_range") and bar.close < prices[0]:
        buy_cells = []  # opted in to wait: buy only once the price is within the range
    empty = len(prices) - 1 - len(state.lots)
    if not buy_cells or cash <= 0 or empty <= 0:
        return sells
    share = cash / empty
    return sells + [Intent(Side.BUY, f"grid_buy_{k}", "grid", quote_amount=share) for k in buy_cells]


def wants(params: Params, bar: Bar, state: EngineState, cash: float, entries_allowed: bool) -> list[Want]:
    if not grid_resting.is_resting(params):
        return []
    return grid_resting.wants(params, levels(params), bar, state, cash, entries_allowed)


def on_fill(state: EngineState, leg: str, side: Side, price: float, quantity: float) -> None:
    if side is Side.BUY:
        grid_resting.count_bought(state, leg, quantity)


def check(params: Params) -> list[dict[str, str]]:
    if params["lower"] >= params["upper"]:
        return [{"field": "lower", "message": "must be smaller than upper"}]
    return []


def warmup_bars(params: Params) -> int:
    return 2  # the engine infers nothing from one bar; two keep every strategy on the same footing


STRATEGY = StatefulStrategy(
    id="grid",
    name="Grid",
    description="Buys a lot each time the price falls to a grid level and sells it one level higher, "
    "between a lower and an upper price, with arithmetic or geometric level spacing.",
    params_schema=object_schema(
        "grid params",
        {
            "lower": number(None, "Lowest grid price", exclusive_minimum=0),
            "upper": number(None, "Highest grid price; must exceed lower", exclusive_minimum=0),
            "levels": integer(10, 2, 200, "Number of price levels (cells = levels - 1)"),
            "spacing": {
                "type": "string",
                "enum": ["arithmetic", "geometric"],
                "default": "arithmetic",
                "description": "Equal price steps or equal % steps",
            },
            "order_type": {
                "type": "string",
                "enum": ["market", "limit", "limit_maker"],
                "default": "market",
                "description": "market: buy/sell at market when a bar closes across a level; limit: keep resting "
                "limit orders at the levels; limit_maker: the same, maker-only (never takes liquidity)",
            },
            "wait_for_range": {
                "type": "boolean",
                "default": False,
                "description": "Accept bounds that do not contain the current price and buy only once the price "
                "is within the range",
            },
        },
        required=["lower", "upper"],
    ),
    check_params=check,
    warmup_bars=warmup_bars,
    decide_bar=decide_bar,
    on_fill=on_fill,
    wants=wants,
)
