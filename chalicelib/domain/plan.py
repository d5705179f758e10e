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
from decimal import Decimal
from typing import Any

from chalicelib.domain.plan_limits import BINANCE_MAX_NUM_ALGO_ORDERS, BINANCE_MAX_NUM_ORDERS, check_order_limits
from chalicelib.domain.plan_strategies import plan_dca, plan_grid, plan_signal
from chalicelib.domain.planner import (
    BUY_HEADROOM,
    DEFAULT_FEE_RATE,
    PlannedOrder,
    Planner,
    Problem,
    decimal_text,
)
from chalicelib.domain.symbols import SymbolRules


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
            "price": None if self.price is None else decimal_text(self.price),
            "budget": decimal_text(self.budget),
            "investment": decimal_text(self.investment),
            "min_order_quote": decimal_text(self.min_order_quote),
            "levels": [decimal_text(v) for v in self.levels],
            "orders": [o.to_dict() for o in self.orders],
            "problems": [p.to_dict() for p in self.problems],
            "ok": self.ok,
        }


def plan_bot(
    strategy_id: str,
    params: dict[str, Any],
    budget: Decimal,
    rules: SymbolRules,
    price: Decimal | None,
    *,
    risk: dict[str, Any] | None = None,
    fee: Decimal = DEFAULT_FEE_RATE,
    max_num_orders: int = BINANCE_MAX_NUM_ORDERS,
    max_num_algo_orders: int = BINANCE_MAX_NUM_ALGO_ORDERS,
) -> Plan:
    """The plan of a bot with validated `params` and `risk` (as `validate_params` / `validate_risk` return
    them). `price` is the symbol's current price, or None when unknown (the checks that need it are skipped).
    `max_num_orders` / `max_num_algo_orders`: the symbol's MAX_NUM_ORDERS / MAX_NUM_ALGO_ORDERS (plan_limits.py)."""
    p = Planner(rules, price, fee)
    levels: tuple[Decimal, ...] = ()
    if strategy_id == "dca":
        orders = plan_dca(p, params, budget)
    elif strategy_id == "grid":
        orders, levels = plan_grid(p, params, budget)
    else:
        orders = plan_signal(p, risk or {}, budget)
    check_order_limits(p, strategy_id, params, risk or {}, max_num_orders, max_num_algo_orders)
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


__all__ = ["BUY_HEADROOM", "DEFAULT_FEE_RATE", "Plan", "PlannedOrder", "Problem", "plan_bot"]
