"""Bot creation checks a resting grid against the symbol's OWN order limits (SymbolRules.max_num_orders /
max_num_algo_orders from exchangeInfo), not Binance's defaults."""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from typing import Any

from chalicelib.adapters.market.catalog import StaticSymbolCatalog
from chalicelib.services.bot_plans import BotPlanner


class Exchanges:
    def __init__(self, max_orders: int) -> None:
        self.max_orders = max_orders

    def symbol_rules(self, mode: str, symbol: str, user_id: str, api_key_id: str | None) -> Any:
        rules = StaticSymbolCatalog().symbol_rules(symbol)
        return dataclasses.replace(rules, max_num_orders=self.max_orders)


GRID = {"strategy": "grid", "symbol": "BTCUSDT", "budget": "10000", "mode": "paper",
        "params": {"lower": 29000, "upper": 31000, "levels": 11, "order_type": "limit"}}  # fmt: skip


def plan(max_orders: int) -> Any:
    planner = BotPlanner(exchanges=Exchanges(max_orders), price=lambda _u, _s: Decimal(30000))  # type: ignore[arg-type]
    return planner.plan("u1", GRID)


def test_a_grid_within_the_symbols_limit_has_no_order_count_problem() -> None:
    assert "too_many_open_orders" not in {p.code for p in plan(10).problems}


def test_a_grid_over_the_symbols_own_limit_is_refused_with_the_symbols_number() -> None:
    [problem] = [p for p in plan(5).problems if p.code == "too_many_open_orders"]
    assert problem.field == "params.levels" and "(5 open orders" in problem.message
