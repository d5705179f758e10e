"""The grid with resting orders (`order_type` "limit" or "limit_maker"): instead of market orders decided on a
bar's close, the grid keeps a ladder resting on the exchange. Every empty cell wants a buy limit at its lower
level (free cash split evenly over the empty cells, as the market grid splits it), every filled cell a sell
limit one level up for its lot; a filled sell empties the cell, so the next bar re-arms its buy.

A LIMIT_MAKER ladder leaves out the orders that would cross the book at the bar's close (a buy at or above it,
a sell at or below it): Binance rejects those (-2010) instead of filling them, so they wait for the price to
move back. A plain LIMIT ladder keeps them: they fill at once, at the next open or better.

A cell's buy quantity is fixed when it is first wanted and kept while it rests (state `grid_q_<k>`): the cash
that fills elsewhere move would otherwise change every resting buy's quantity, and each change is a cancel and
a new order on the exchange. A partly filled buy stays wanted on its terms until it has filled in full.
"""

from __future__ import annotations

from chalicelib.domain.orders import OrderType, Side
from chalicelib.domain.strategies.base import FEE_RESERVE, MIN_QUOTE, Bar, EngineState, Lot, Params, Want

FROZEN = "grid_q_"
FULL = 1 - 1e-9  # a lot within float noise of its buy's quantity is bought in full


def is_resting(params: Params) -> bool:
    return bool(params.get("order_type", "market") != "market")


def wants(
    params: Params, prices: list[float], bar: Bar, state: EngineState, cash: float, entries_allowed: bool
) -> list[Want]:
    maker = params["order_type"] == "limit_maker"
    kind = OrderType.LIMIT_MAKER if maker else OrderType.LIMIT
    out: list[Want] = []
    for k in range(len(prices) - 1):
        lot = state.lots.get(f"cell_{k}")
        if lot is not None and not (maker and prices[k + 1] <= bar.close):
            out.append(Want(f"grid_sell_{k}", "grid_sell", f"grid_sell_{k}", "grid", Side.SELL, kind,
                            lot.quantity, prices[k + 1]))
    can_buy = entries_allowed and not (params.get("wait_for_range") and bar.close < prices[0])
    empty = len(prices) - 1 - len(state.lots)
    share = cash / empty if empty > 0 and cash > 0 else 0.0
    for k in range(len(prices) - 1):
        quantity = _buy_quantity(state, k, prices[k], share, can_buy and not (maker and prices[k] >= bar.close))
        if quantity is not None:
            out.append(Want(f"grid_buy_{k}", "grid_buy", f"grid_buy_{k}", "grid", Side.BUY, kind, quantity, prices[k]))
    return out


def _buy_quantity(state: EngineState, k: int, price: float, share: float, may_buy: bool) -> float | None:
    """The quantity cell k's resting buy asks for, or None when it wants no buy (and forgets its frozen size)."""
    key = f"{FROZEN}{k}"
    lot: Lot | None = state.lots.get(f"cell_{k}")
    frozen = state.extra.get(key)
    if not may_buy or (lot is not None and (frozen is None or lot.quantity >= frozen * FULL)):
        state.extra.pop(key, None)
        return None
    if frozen is None:
        if share <= MIN_QUOTE:
            return None
        frozen = share / (price * (1 + FEE_RESERVE))
        state.extra[key] = frozen
    return frozen
