"""DCA, as 3Commas' DCA bots: a base order, safety orders at growing price deviations below the base
entry (step scale) with growing sizes (volume scale), and a take-profit from the average entry, decided
when a bar closes at or above it.

Every order is a market order decided at a bar's close and filled at the next bar's open (the one
execution semantics of the engine): a safety level or the take-profit is *touched* by the bar's low/high,
then acted on. When the position closes, the next bar starts a new cycle with a base order.
With `order_type` "limit" the safety orders and the take-profit rest on the exchange (dca_resting.py).
"""

from __future__ import annotations

from chalicelib.domain.orders import Side
from chalicelib.domain.strategies import dca_resting
from chalicelib.domain.strategies.base import MAIN, Bar, EngineState, Intent, Params, StatefulStrategy, Want
from chalicelib.domain.strategies.schema import integer, number, object_schema


def deviations(params: Params) -> list[float]:
    """Cumulative % deviation below the base price of safety orders 1..max."""
    out: list[float] = []
    step, total = float(params["price_deviation_pct"]), 0.0
    for _ in range(int(params["max_safety_orders"])):
        total += step
        out.append(total)
        step *= float(params["step_scale"])
    return out


def safety_size(params: Params, k: int) -> float:
    """Quote amount of safety order k (1-based)."""
    return float(params["safety_order_quote"]) * float(params["volume_scale"]) ** (k - 1)


def decide_bar(params: Params, bar: Bar, state: EngineState, cash: float, entries_allowed: bool) -> list[Intent]:
    lot = state.lots.get(MAIN)
    if lot is None:
        if not entries_allowed or cash <= 0:
            return []
        return [Intent(Side.BUY, "base", "signal", quote_amount=min(float(params["base_order_quote"]), cash))]
    if dca_resting.is_resting(params):
        return []  # safety orders and take-profit rest on the exchange: `wants`
    # Decided on the close (not the high): the exit fills at the next open, near the close (accounting.md).
    if bar.close >= lot.average_price * (1 + float(params["take_profit_pct"]) / 100):
        return [Intent(Side.SELL, "exit", "take_profit", quantity=lot.quantity)]
    base_price = state.extra["dca_base_price"]
    filled = int(state.extra.get("dca_safety_filled", 0))
    intents: list[Intent] = []
    budget = cash
    for k, deviation in enumerate(deviations(params)[filled:], start=filled + 1):
        if bar.low > base_price * (1 - deviation / 100) or budget <= 0:
            break
        amount = min(safety_size(params, k), budget)
        budget -= amount
        intents.append(Intent(Side.BUY, f"safety_{k}", "safety_order", quote_amount=amount))
    return intents


def wants(params: Params, bar: Bar, state: EngineState, cash: float, entries_allowed: bool) -> list[Want]:
    if not dca_resting.is_resting(params):
        return []
    safety = [(d, safety_size(params, k)) for k, d in enumerate(deviations(params), start=1)]
    return dca_resting.wants(params, safety, state, cash)


def on_fill(state: EngineState, leg: str, side: Side, price: float, quantity: float) -> None:
    if side is Side.SELL:
        if MAIN not in state.lots:
            state.extra.pop("dca_base_price", None)
            state.extra.pop("dca_safety_filled", None)
    elif leg == "base" or "dca_base_price" not in state.extra:
        # A resting safety order can fill on the candle after the take-profit closed the cycle: it opens the
        # next cycle as its base.
        state.extra["dca_base_price"] = price
        state.extra["dca_safety_filled"] = 0
    elif leg.startswith("safety_"):
        state.extra["dca_safety_filled"] = max(state.extra.get("dca_safety_filled", 0), int(leg.split("_")[1]))


def check(params: Params) -> list[dict[str, str]]:
    devs = deviations(params)
    if devs and devs[-1] >= 100:
        return [{"field": "max_safety_orders", "message": "the last safety order would sit at or below price 0"}]
    return []


def warmup_bars(params: Params) -> int:
    return 2  # the engine infers nothing from one bar; two keep every strategy on the same footing


STRATEGY = StatefulStrategy(
    id="dca",
    name="DCA (safety orders)",
    description="Opens with a base order, adds safety orders each time the price falls a further step below "
    "the base entry (steps and sizes scale geometrically), and takes profit at a % above the average entry.",
    params_schema=object_schema(
        "dca params",
        {
            "base_order_quote": number(20.0, "Base order size (quote)", exclusive_minimum=0),
            "safety_order_quote": number(20.0, "First safety order size (quote)", exclusive_minimum=0),
            "max_safety_orders": integer(4, 0, 50, "Maximum number of safety orders per cycle"),
            "price_deviation_pct": number(
                1.0, "Deviation of the first safety order below the base entry (%)", minimum=0.01, maximum=50
            ),
            "step_scale": number(1.0, "Multiplier of each further deviation step", minimum=0.1, maximum=10),
            "volume_scale": number(1.0, "Multiplier of each further safety order size", minimum=0.1, maximum=10),
            "take_profit_pct": number(1.5, "Take profit above the average entry (%)", minimum=0.01, maximum=1000),
            "order_type": {
                "type": "string",
                "enum": ["market", "limit"],
                "default": "market",
                "description": "market: safety orders and take-profit at market when a bar closes past them; "
                "limit: they rest on the exchange as limit orders",
            },
        },
    ),
    check_params=check,
    warmup_bars=warmup_bars,
    decide_bar=decide_bar,
    on_fill=on_fill,
    wants=wants,
)
