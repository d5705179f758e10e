"""The grid with resting orders (`order_type` "limit" or "limit_maker"): instead of market orders decided on a
bar's close, the grid keeps a ladder resting on the exchange. Every empty cell wants a buy limit at its lower
level (free cash split evenly over the empty cells, as the market grid splits it), every filled cell a sell
limit one level up for its lot; a filled sell empties the cell, so the next bar re-arms its buy.

A LIMIT_MAKER ladder leaves out the orders that would cross the book at the bar's close (a buy at or above it,
a sell at or below it): Binance rejects those (-2010) instead of filling them, so they wait for the price to
move back. A plain LIMIT ladder keeps them: they fill at once, at the next open or better.

A cell's buy quantity is fixed when it is first wanted and kept while it rests (state `grid_q_<k>`): the cash
that fills elsewhere move would otherwise change every resting buy's quantity, and each change is a cancel and
a new order on the exchange. A partly filled buy stays wanted on its terms until its fills (state `grid_b_<k>`,
counted as they are booked, so a partial sell of the cell in between does not hide them) add up to its
quantity, less what a fee taken in the base asset keeps back.
"""

from __future__ import annotations

from functools import lru_cache

from chalicelib.domain.orders import OrderType, Side
from chalicelib.domain.strategies.base import FEE_RESERVE, MIN_QUOTE, Bar, EngineState, Params, Want

FROZEN = "grid_q_"
BOUGHT = "grid_b_"
# Fills are booked net of a fee taken in the base asset (0.1% by default), and the exchange rounds the order's
# quantity down to its lot step (up to 1% of an order of 100 steps, e.g. 0.001 BTC): a buy whose fills reach its
# quantity less both is done (else a filled buy would be wanted again and bought twice).
LOT_ROUNDING = 0.01
FULL = 1 - 2 * FEE_RESERVE - LOT_ROUNDING


def is_resting(params: Params) -> bool:
    return bool(params.get("order_type", "market") != "market")


@lru_cache(maxsize=64)
def _names(cells: int) -> tuple[tuple[str, str, str, str, str], ...]:
    """Per cell: its group, frozen-size and bought keys, buy and sell keys (built once: a backtest asks on every
    bar)."""
    return tuple(
        (f"cell_{k}", f"{FROZEN}{k}", f"{BOUGHT}{k}", f"grid_buy_{k}", f"grid_sell_{k}") for k in range(cells)
    )


_WANTS: dict[tuple[str, bool, float, float], Want] = {}


def _want(key: str, maker: bool, quantity: float, price: float) -> Want:
    """One instance per terms, so an unchanged ladder is the same objects bar after bar (a cheap comparison
    for the backtest's resting book); a plain dict keyed by C-hashable values, emptied when it grows large."""
    found = _WANTS.get((key, maker, quantity, price))
    if found is None:
        if len(_WANTS) > 8192:
            _WANTS.clear()
        side, purpose = (Side.BUY, "grid_buy") if key.startswith("grid_buy") else (Side.SELL, "grid_sell")
        kind = OrderType.LIMIT_MAKER if maker else OrderType.LIMIT
        found = _WANTS[(key, maker, quantity, price)] = Want(key, purpose, key, "grid", side, kind, quantity, price)
    return found


def wants(
    params: Params, prices: list[float], bar: Bar, state: EngineState, cash: float, entries_allowed: bool
) -> list[Want]:
    maker = params["order_type"] == "limit_maker"
    close, lots, extra = bar.close, state.lots, state.extra
    can_buy = entries_allowed and not (params.get("wait_for_range") and close < prices[0])
    names = _names(len(prices) - 1)
    empty = len(names) - len(lots)
    share = cash / empty if empty > 0 and cash > 0 else 0.0
    out: list[Want] = []
    for k, (group, frozen_key, bought_key, buy_key, sell_key) in enumerate(names):
        lot = lots.get(group)
        if lot is not None and not (maker and prices[k + 1] <= close):
            out.append(_want(sell_key, maker, lot.quantity, prices[k + 1]))
        frozen = extra.get(frozen_key)
        if frozen is None and lot is not None:
            continue  # held, no buy in progress
        may_buy = can_buy and not (maker and prices[k] >= close)
        if not (may_buy and frozen is not None and extra.get(bought_key, 0.0) < frozen * FULL):
            frozen = _buy_quantity(state, group, frozen_key, bought_key, prices[k], share, may_buy)
        if frozen is not None:
            out.append(_want(buy_key, maker, frozen, prices[k]))
    return out


def _buy_quantity(
    state: EngineState, group: str, frozen_key: str, bought_key: str, price: float, share: float, may_buy: bool
) -> float | None:
    """The quantity a cell's resting buy asks for, or None when it wants no buy (and forgets its frozen size)."""
    extra = state.extra
    frozen = extra.get(frozen_key)
    done = frozen is not None and extra.get(bought_key, 0.0) >= frozen * FULL
    if not may_buy or done or (frozen is None and group in state.lots):
        if frozen is not None:
            del extra[frozen_key]
            extra.pop(bought_key, None)
        return None
    if frozen is None:
        if share <= MIN_QUOTE:
            return None
        frozen = share / (price * (1 + FEE_RESERVE))
        extra[frozen_key] = frozen
    return frozen


def count_bought(state: EngineState, leg: str, quantity: float) -> None:
    """Count a buy fill of a cell whose resting buy is in progress (the market grid keeps no count)."""
    cell = leg.rsplit("_", 1)[1]
    if FROZEN + cell in state.extra:
        state.extra[BOUGHT + cell] = state.extra.get(BOUGHT + cell, 0.0) + quantity
