"""How many orders a bot keeps open on the exchange, against the symbol's limits (plan.py refuses a plan that
exceeds them before the bot exists, instead of the exchange refusing its orders one by one later).

Binance counts every open order of a symbol towards MAX_NUM_ORDERS (200 by default) and the stop orders (a
STOP_LOSS_LIMIT, an OCO's stop leg) also towards MAX_NUM_ALGO_ORDERS (5 by default); an OCO is two orders.
`SymbolRules` does not carry the symbol's own figures yet, so the limits are parameters with Binance's
defaults; once the Binance adapter reads the filters, the caller passes the symbol's values.

What a bot keeps open at most:
* a grid in a limit mode: one order per cell (levels - 1: a buy or its sell); with stops on the exchange each
  held cell's sell is an OCO (two orders, one of them a stop);
* a DCA in limit mode: its safety orders and the take-profit (an OCO with a stop on the exchange);
* any strategy with stops on the exchange: one protective order per position (an OCO is two orders).
"""

from __future__ import annotations

from typing import Any

from chalicelib.domain.planner import Planner

BINANCE_MAX_NUM_ORDERS = 200
BINANCE_MAX_NUM_ALGO_ORDERS = 5


def _protection(risk: dict[str, Any]) -> tuple[int, int]:
    """(orders, stop orders) protecting one position: an OCO, a lone stop, a lone take-profit or nothing."""
    if risk.get("stop_mode") != "exchange":
        return 0, 0
    stop = any(risk.get(k) is not None for k in ("stop_loss_pct", "trailing_stop_pct"))
    take_profit = risk.get("take_profit_pct") is not None
    return int(stop) + int(take_profit), int(stop)


def open_orders(strategy_id: str, params: dict[str, Any], risk: dict[str, Any]) -> tuple[int, int]:
    """(open orders, of which stop orders) the bot may keep resting at once."""
    orders, algo = _protection(risk)
    resting_grid = strategy_id == "grid" and params.get("order_type", "market") != "market"
    if strategy_id == "grid":
        cells = int(params["levels"]) - 1
        if resting_grid and algo:
            return cells * 2, cells  # each held cell's sell is the take-profit leg of an OCO
        return (cells, 0) if resting_grid else (cells * orders, cells * algo)
    if strategy_id == "dca" and params.get("order_type", "market") == "limit":
        return int(params["max_safety_orders"]) + 1 + algo, algo  # the take-profit pairs with the stop
    return orders, algo


def check_order_limits(
    p: Planner, strategy_id: str, params: dict[str, Any], risk: dict[str, Any], max_orders: int, max_algo: int
) -> None:
    orders, algo = open_orders(strategy_id, params, risk)
    symbol = p.rules.symbol
    if orders > max_orders:
        fix = (
            f"use at most {max_orders + 1} levels, or order_type market"
            if strategy_id == "grid"
            else "use fewer safety orders, or order_type market"
        )
        p.problem(
            "params.levels" if strategy_id == "grid" else "params.max_safety_orders",
            "too_many_open_orders",
            f"This bot keeps up to {orders} orders open, more than {symbol} allows ({max_orders} open orders per "
            f"symbol): {fix}.",
        )
    if algo > max_algo:
        p.problem(
            "risk.stop_mode",
            "too_many_stop_orders",
            f"With stops on the exchange this grid keeps up to {algo} stop orders open, more than {symbol} allows "
            f"({max_algo}): set stop_mode to bot (the bot checks the stop on each closed bar), or use at most "
            f"{max_algo + 1} levels.",
        )
