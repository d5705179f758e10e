"""DCA with resting orders (`order_type` "limit"): the base order still buys at market when a cycle starts;
then the safety orders rest as buy limits at their steps below the base entry, and the take-profit as a sell
limit at `take_profit_pct` above the average entry. A safety fill lowers the average, so the take-profit moves
(the tick cancels and replaces it; the backtest does the same). Safety orders are funded in order from the free
cash, as the market DCA funds them; a partly filled safety order counts as filled and its rest is cancelled
(the next safety order is the one that rests)."""

from __future__ import annotations

from chalicelib.domain.orders import OrderType, Side
from chalicelib.domain.strategies.base import FEE_RESERVE, MAIN, MIN_QUOTE, EngineState, Params, Want


def is_resting(params: Params) -> bool:
    return bool(params.get("order_type", "market") == "limit")


def wants(params: Params, safety: list[tuple[float, float]], state: EngineState, cash: float) -> list[Want]:
    """`safety`: (deviation %, quote) of safety orders 1..max."""
    lot = state.lots.get(MAIN)
    if lot is None:
        return []
    take_profit = lot.average_price * (1 + float(params["take_profit_pct"]) / 100)
    out = [Want("take_profit", "take_profit", "exit", "take_profit", Side.SELL, OrderType.LIMIT, lot.quantity,
                take_profit)]
    base_price = state.extra.get("dca_base_price", lot.average_price)
    filled = int(state.extra.get("dca_safety_filled", 0))
    budget = cash
    for k, (deviation, quote) in enumerate(safety[filled:], start=filled + 1):
        if budget <= MIN_QUOTE:
            break
        amount = min(quote, budget)
        budget -= amount
        price = base_price * (1 - deviation / 100)
        out.append(Want(f"safety_{k}", "safety_order", f"safety_{k}", "safety_order", Side.BUY, OrderType.LIMIT,
                        amount / (price * (1 + FEE_RESERVE)), price))
    return out
