"""GIVEN a strategy, its params, a budget, the symbol's rules and the current price WHEN the bot's plan is
computed THEN it lists the orders the strategy implies and refuses, with the change that fixes it, every plan
that could not work: an order below the minimum notional, a plan beyond the budget, grid bounds away from the
price, levels closer than the price tick. Regression cases from issue 20: the old DCA defaults and a grid of
100-200 on a symbol near 5,700 with 200 levels and a budget of 100."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from chalicelib.adapters.market.catalog import StaticSymbolCatalog
from chalicelib.domain.plan import BUY_HEADROOM, DEFAULT_FEE_RATE, Plan, plan_bot
from chalicelib.domain.plan_limits import open_orders
from chalicelib.domain.strategies import grid as grid_strategy
from chalicelib.domain.strategies import validate_params
from chalicelib.domain.strategies.base import Bar, EngineState

RULES = StaticSymbolCatalog().symbol_rules("BTCUSDT")  # min notional 5 USDT, tick 0.01, step 0.00001
PRICE = Decimal("5712.34")


def _plan(strategy: str, params: dict[str, Any], budget: str, price: Decimal | None = PRICE, **kw: Any) -> Plan:
    return plan_bot(strategy, dict(validate_params(strategy, params)), Decimal(budget), RULES, price, **kw)


def _codes(plan: Plan) -> dict[str, str]:
    return {p.code: p.field for p in plan.problems}


def test_old_dca_defaults_are_refused_with_the_budget_they_need() -> None:
    plan = _plan("dca", {"base_order_quote": 100, "safety_order_quote": 100, "max_safety_orders": 5}, "100")
    assert [p.code for p in plan.problems] == ["plan_exceeds_budget"]
    problem = plan.problems[0]
    assert problem.field == "budget"
    assert "need 600.00 USDT" in problem.message and "raise the budget to at least 600.00 USDT" in problem.message
    assert plan.investment == 600 and len(plan.orders) == 6


def test_dca_defaults_pass_with_the_forms_default_budget() -> None:
    plan = _plan("dca", {}, "100")
    assert plan.ok, plan.problems
    assert plan.investment <= 100
    assert [o.leg for o in plan.orders] == ["base", "safety_1", "safety_2", "safety_3", "safety_4"]
    assert plan.orders[0].price == PRICE
    # safety order k triggers k x 1% below the base entry, rounded down to the tick
    assert [o.price for o in plan.orders[1:]] == [
        Decimal("5655.21"),
        Decimal("5598.09"),
        Decimal("5540.96"),
        Decimal("5483.84"),
    ]
    assert all(o.value >= 5 for o in plan.orders)


def test_dca_orders_below_the_minimum_notional_say_the_size_that_fits() -> None:
    plan = _plan(
        "dca", {"base_order_quote": 4, "safety_order_quote": 10, "volume_scale": 0.5, "max_safety_orders": 3}, "1000"
    )
    assert {p.code for p in plan.problems} == {"order_below_min_notional"}
    fields = sorted(p.field for p in plan.problems)
    assert fields == ["params.base_order_quote", "params.safety_order_quote"]
    base, safety = sorted(plan.problems, key=lambda p: p.field)
    assert "raise base_order_quote to at least 5.02 USDT" in base.message
    # sizes 10, 5, 2.5: the smallest must reach 5.02, so the first must be 4x that
    assert "2 of 3 safety orders" in safety.message and "at least 20.08 USDT" in safety.message


def test_the_smallest_buy_that_fits_is_the_minimum_notional_with_fee_and_headroom() -> None:
    plan = _plan("dca", {}, "100")
    assert plan.min_order_quote == Decimal("5.02")
    assert Decimal("5.02") * BUY_HEADROOM / (1 + DEFAULT_FEE_RATE) >= 5
    assert Decimal("5.01") * BUY_HEADROOM / (1 + DEFAULT_FEE_RATE) < 5


def test_issue_grid_100_200_with_200_levels_near_5700_is_refused_with_both_fixes() -> None:
    plan = _plan("grid", {"lower": 100, "upper": 200, "levels": 200}, "100")
    assert _codes(plan) == {"order_below_min_notional": "budget", "price_outside_grid": "params.upper"}
    small, outside = plan.problems
    assert "0.50 USDT per order" in small.message
    assert "raise the budget to at least 998.98 USDT" in small.message and "at most 20 levels" in small.message
    assert "trades at 5,712.34, above the grid's range 100.00-200.00" in outside.message
    assert "5,141.10-6,283.57" in outside.message and "wait_for_range" in outside.message
    assert len(plan.levels) == 200 and len(plan.orders) == 199


def test_a_grid_below_the_price_may_opt_in_to_wait_for_the_range() -> None:
    plan = _plan("grid", {"lower": 4000, "upper": 5000, "levels": 5, "wait_for_range": True}, "100")
    assert plan.ok, plan.problems
    plan = _plan("grid", {"lower": 6000, "upper": 7000, "levels": 5}, "100")
    assert _codes(plan) == {"price_outside_grid": "params.lower"}
    assert "buy every cell at once" in plan.problems[0].message


def test_a_grid_around_the_price_lists_its_levels_and_cell_orders() -> None:
    plan = _plan("grid", {"lower": 5000, "upper": 6000, "levels": 11}, "100")
    assert plan.ok, plan.problems
    assert plan.levels == tuple(Decimal(5000 + 100 * k) for k in range(11))
    assert [o.leg for o in plan.orders] == [f"grid_buy_{k}" for k in range(10)]
    assert all(o.quote == 10 and o.value >= 5 for o in plan.orders)
    assert plan.investment == 100


def test_grid_levels_closer_than_the_price_tick_are_refused() -> None:
    plan = _plan("grid", {"lower": 5712, "upper": 5713, "levels": 200}, "100000")
    assert _codes(plan) == {"levels_below_tick": "params.levels"}
    assert "use fewer levels (at most 101)" in plan.problems[0].message


def test_a_signal_strategys_entry_must_reach_the_minimum_notional() -> None:
    assert _plan("sma_cross", {}, "100").ok
    plan = _plan("sma_cross", {}, "100", risk={"position_size": {"mode": "percent", "value": 2}})
    assert _codes(plan) == {"order_below_min_notional": "risk.position_size.value"}


def test_without_a_price_the_price_checks_are_skipped() -> None:
    assert _plan("grid", {"lower": 100, "upper": 200, "levels": 10}, "100", price=None).ok


@pytest.mark.parametrize(
    ("strategy", "params", "budget"),
    [
        ("dca", {}, "100"),
        ("dca", {"base_order_quote": 10, "safety_order_quote": 6, "volume_scale": 1.5, "max_safety_orders": 6}, "200"),
        ("grid", {"lower": 5000, "upper": 6500, "levels": 30, "spacing": "geometric"}, "200"),
        ("sma_cross", {}, "10"),
    ],
)
def test_every_order_of_an_accepted_plan_fits_the_symbol_and_the_budget(
    strategy: str, params: dict[str, Any], budget: str
) -> None:
    plan = _plan(strategy, params, budget)
    assert plan.ok, plan.problems
    assert plan.investment <= Decimal(budget)
    for order in plan.orders:
        assert order.value >= 5 and order.quantity >= RULES.lot_size.min_qty


def test_a_grid_waiting_for_its_range_buys_nothing_below_it() -> None:
    params = validate_params("grid", {"lower": 100, "upper": 200, "levels": 3, "wait_for_range": True})
    below = Bar(open=90.0, high=91.0, low=89.0, close=90.0, open_time=0)
    assert grid_strategy.decide_bar(params, below, EngineState(), 100.0, True) == []
    inside = Bar(open=120.0, high=121.0, low=119.0, close=120.0, open_time=0)
    assert [i.leg for i in grid_strategy.decide_bar(params, inside, EngineState(), 100.0, True)] == ["grid_buy_1"]
    eager = validate_params("grid", {"lower": 100, "upper": 200, "levels": 3})
    assert len(grid_strategy.decide_bar(eager, below, EngineState(), 100.0, True)) == 2


@pytest.mark.parametrize(
    ("strategy", "params"),
    [
        ("grid", {"lower": 1e-300, "upper": 1e300, "levels": 200, "spacing": "geometric"}),
        ("grid", {"lower": 1e300, "upper": 1.5e300, "levels": 200}),
        (
            "dca",
            {
                "base_order_quote": 1e300,
                "safety_order_quote": 1e-300,
                "max_safety_orders": 50,
                "price_deviation_pct": 1.9,
                "volume_scale": 0.1,
            },
        ),
    ],
)
def test_absurd_inputs_give_problems_not_errors(strategy: str, params: dict[str, Any]) -> None:
    for price in (PRICE, None, Decimal("1e-8")):
        plan = _plan(strategy, params, "1000000000000", price=price)
        assert plan.problems and plan.to_dict()["ok"] is False


# --- issue 14: open orders against the symbol's MAX_NUM_ORDERS / MAX_NUM_ALGO_ORDERS ------------------


def _grid(levels: int, **extra: Any) -> dict[str, Any]:
    return {"lower": 5000, "upper": 6400, "levels": levels} | extra


def test_a_limit_grid_needing_more_open_orders_than_the_symbol_allows_is_refused() -> None:
    plan = _plan("grid", _grid(150, order_type="limit"), "100000", max_num_orders=100)
    problem = next(p for p in plan.problems if p.code == "too_many_open_orders")
    assert problem.field == "params.levels"
    assert "up to 149 orders open" in problem.message and "(100 open orders per symbol)" in problem.message
    assert "use at most 101 levels, or order_type market" in problem.message


def test_a_limit_grid_within_binances_default_200_open_orders_passes_that_check() -> None:
    assert "too_many_open_orders" not in _codes(_plan("grid", _grid(150, order_type="limit"), "100000"))
    assert "too_many_open_orders" in _codes(_plan("grid", _grid(200, order_type="limit"), "100000", max_num_orders=198))


def test_a_market_grid_rests_nothing_and_is_not_counted() -> None:
    assert "too_many_open_orders" not in _codes(_plan("grid", _grid(150), "100000", max_num_orders=10))


def test_stops_on_the_exchange_count_towards_the_stop_order_limit() -> None:
    risk = {"stop_loss_pct": 5.0, "stop_mode": "exchange"}
    plan = _plan("grid", _grid(10, order_type="limit"), "10000", risk=risk)
    problem = next(p for p in plan.problems if p.code == "too_many_stop_orders")
    assert problem.field == "risk.stop_mode" and "up to 9 stop orders" in problem.message and "(5)" in problem.message
    assert "too_many_stop_orders" not in _codes(_plan("grid", _grid(10, order_type="limit"), "10000",
                                                      risk={"stop_loss_pct": 5.0}))
    assert "too_many_stop_orders" not in _codes(_plan("sma_cross", {}, "1000", risk=risk))


def test_open_orders_per_strategy() -> None:
    oco = {"stop_loss_pct": 2.0, "take_profit_pct": 3.0, "stop_mode": "exchange"}
    assert open_orders("sma_cross", {}, oco) == (2, 1)
    assert open_orders("sma_cross", {}, oco | {"stop_mode": "bot"}) == (0, 0)
    assert open_orders("dca", {"order_type": "limit", "max_safety_orders": 4}, {}) == (5, 0)
    assert open_orders("dca", {"order_type": "limit", "max_safety_orders": 4}, oco) == (6, 1)
    assert open_orders("grid", {"levels": 11}, {"take_profit_pct": 3.0, "stop_mode": "exchange"}) == (10, 0)
