"""Issue #14, the engine's side: the orders strategies and risk rules want resting (`Decision.wanted`), and
fills of them booked through `engine.apply_fill`."""

from __future__ import annotations

from decimal import Decimal as D
from typing import Any

import pytest

from chalicelib.domain import engine
from chalicelib.domain.engine import Balances
from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.ledger import LegFill
from chalicelib.domain.orders import OrderType, Side
from chalicelib.domain.protection import STOP_LIMIT_OFFSET
from chalicelib.domain.resting import OrderPurpose, WantedOrder
from chalicelib.domain.risk import validate_risk
from tests.unit.domain.conftest import T0, series_from_closes

GRID = {"lower": 21000, "upper": 23000, "levels": 5}  # levels 21000, 21500, 22000, 22500, 23000


def _decide(strategy: str, params: dict[str, Any], closes: list[float], state: dict[str, Any] | None,
            cash: float, risk: dict[str, Any] | None = None, spread: float = 0.0) -> engine.Decision:
    window = series_from_closes(closes, spread=spread)
    return engine.decide(strategy, params, risk, window, state, Balances(D(repr(cash))), interval_ms=60_000)


def _fill(state: dict[str, Any], leg: str, side: Side, price: str, qty: str, reason: str) -> dict[str, Any]:
    return engine.apply_fill(state, LegFill(leg=leg, side=side, price=D(price), quantity=D(qty), fee=D("0"),
                                            time=T0 + 120_000, reason=reason))


def _by_key(decision: engine.Decision) -> dict[str, WantedOrder]:
    return {w.key: w for w in decision.wanted}


def test_a_market_grid_wants_nothing_resting() -> None:
    d = _decide("grid", GRID, [22100, 21900], None, 4000)
    assert d.wanted == ()
    assert [i.leg for i in d.intents] == ["grid_buy_2", "grid_buy_3"]


def test_a_limit_grid_rests_a_buy_at_every_empty_cells_lower_level() -> None:
    # WHEN a limit grid decides at 21,900 with 4,000 of cash and four empty cells
    d = _decide("grid", GRID | {"order_type": "limit"}, [22100, 21900], None, 4000)
    # THEN no market order, and a buy limit per cell at its lower level, the cash split like the market grid's
    assert d.intents == ()
    wanted = _by_key(d)
    assert sorted(wanted) == ["grid_buy_0", "grid_buy_1", "grid_buy_2", "grid_buy_3"]
    for k, level in enumerate((21000, 21500, 22000, 22500)):
        w = wanted[f"grid_buy_{k}"]
        assert (w.side, w.type, w.price, w.purpose, w.leg) == (
            Side.BUY, OrderType.LIMIT, D(level), OrderPurpose.GRID_BUY, f"grid_buy_{k}"
        )
        assert float(w.quantity) == 1000 / (level * 1.001)


def test_a_limit_maker_grid_leaves_out_orders_that_would_cross_the_book() -> None:
    d = _decide("grid", GRID | {"order_type": "limit_maker"}, [22100, 21900], None, 4000)
    assert sorted(_by_key(d)) == ["grid_buy_0", "grid_buy_1"]  # 22,000 and 22,500 are above the price
    assert all(w.type is OrderType.LIMIT_MAKER for w in d.wanted)


def test_a_filled_cell_wants_its_sell_one_level_up_and_rearms_after_the_sell() -> None:
    params = GRID | {"order_type": "limit"}
    first = _decide("grid", params, [22100, 21900], None, 4000)
    frozen = _by_key(first)["grid_buy_0"].quantity
    # WHEN cell 1's buy fills in full at its level
    buy = _by_key(first)["grid_buy_1"]
    state = _fill(first.state, buy.leg, Side.BUY, "21500", str(buy.quantity), buy.reason)
    second = _decide("grid", params, [21900, 21600], state, 3000)
    wanted = _by_key(second)
    # THEN cell 1 wants a sell at 22,000 for its lot, and the other buys keep their terms (no cancel/replace)
    assert "grid_buy_1" not in wanted
    sell = wanted["grid_sell_1"]
    assert (sell.side, sell.price, sell.quantity, sell.leg) == (Side.SELL, D(22000), buy.quantity, "grid_sell_1")
    assert wanted["grid_buy_0"].quantity == frozen
    # WHEN the sell fills, the next bar re-arms the cell's buy
    state = _fill(second.state, "grid_sell_1", Side.SELL, "22000", str(buy.quantity), "grid")
    third = _decide("grid", params, [21900, 21950], state, 4000)
    assert "grid_sell_1" not in _by_key(third) and "grid_buy_1" in _by_key(third)


def test_a_partly_filled_grid_buy_stays_wanted_on_its_terms() -> None:
    params = GRID | {"order_type": "limit"}
    first = _decide("grid", params, [22100, 21900], None, 4000)
    buy = _by_key(first)["grid_buy_1"]
    state = _fill(first.state, buy.leg, Side.BUY, "21500", str(buy.quantity / 2), buy.reason)
    wanted = _by_key(_decide("grid", params, [21900, 21600], state, 3500))
    assert wanted["grid_buy_1"].quantity == buy.quantity
    assert wanted["grid_sell_1"].quantity == buy.quantity / 2


def test_a_limit_dca_rests_its_safety_orders_and_moves_its_take_profit() -> None:
    params = {"order_type": "limit", "base_order_quote": 100, "safety_order_quote": 50, "max_safety_orders": 2,
              "price_deviation_pct": 1.0, "take_profit_pct": 2.0}
    # GIVEN the base order bought at market
    start = _decide("dca", params, [100, 100], None, 1000)
    assert [i.leg for i in start.intents] == ["base"] and start.wanted == ()
    state = _fill(start.state, "base", Side.BUY, "100", "1", "signal")
    # THEN the safety orders rest at their steps and the take-profit 2% above the average
    wanted = _by_key(_decide("dca", params, [100, 100], state, 900))
    assert sorted(wanted) == ["safety_1", "safety_2", "take_profit"]
    assert (wanted["safety_1"].price, wanted["safety_2"].price) == (D("99.0"), D("98.0"))
    assert float(wanted["safety_1"].quantity) == 50 / (99.0 * 1.001)
    tp = wanted["take_profit"]
    assert (tp.side, tp.type, tp.price, tp.quantity, tp.leg) == (Side.SELL, OrderType.LIMIT, D("102.0"), D(1), "exit")
    # WHEN safety 1 fills, the take-profit moves down with the average and safety 1 is no longer wanted
    state = _fill(state, "safety_1", Side.BUY, "99", "0.5", "safety_order")
    moved = _by_key(_decide("dca", params, [99, 99.5], state, 850))
    assert sorted(moved) == ["safety_2", "take_profit"]
    assert float(moved["take_profit"].price) == (100 + 49.5) / 1.5 * 1.02
    assert moved["take_profit"].quantity == D("1.5")


def _held(risk: dict[str, Any], closes: list[float], spread: float = 0.0) -> engine.Decision:
    """A signal bot holding 1 at an average entry of 100."""
    state = _fill(engine.initial_state(), "entry", Side.BUY, "100", "1", "signal")
    return _decide("signal", {}, closes, state, 0, risk, spread)


def test_exchange_stop_mode_wants_one_oco_after_entry_and_no_market_exit() -> None:
    d = _held({"stop_loss_pct": 2, "take_profit_pct": 3, "stop_mode": "exchange"}, [100, 101])
    assert d.intents == ()
    (oco,) = d.wanted
    assert (oco.key, oco.purpose, oco.leg, oco.side, oco.type) == (
        "protect", OrderPurpose.PROTECT, "exit", Side.SELL, OrderType.LIMIT_MAKER
    )
    assert float(oco.price) == 100 * 1.03 and oco.quantity == D(1) and oco.reason == "take_profit"
    assert oco.oco_stop is not None and float(oco.oco_stop.stop_price) == 100 * 0.98
    assert float(oco.oco_stop.limit_price) == 100 * 0.98 * (1 - STOP_LIMIT_OFFSET)
    assert oco.stop_reason == "stop_loss"


@pytest.mark.parametrize(
    ("risk", "key", "kind"),
    [
        ({"stop_loss_pct": 2}, "stop_loss", OrderType.STOP_LOSS_LIMIT),
        ({"take_profit_pct": 3}, "take_profit", OrderType.LIMIT),
    ],
)
def test_a_lone_stop_or_take_profit_rests_alone(risk: dict[str, Any], key: str, kind: OrderType) -> None:
    (order,) = _held(risk | {"stop_mode": "exchange"}, [100, 101]).wanted
    assert (order.key, order.type, order.oco_stop) == (key, kind, None)
    if kind is OrderType.STOP_LOSS_LIMIT:
        assert float(order.stop_price or 0) == 98.0 and float(order.price) == 98.0 * (1 - STOP_LIMIT_OFFSET)


def test_bot_stop_mode_wants_nothing_resting_and_exits_at_market() -> None:
    quiet = _held({"stop_loss_pct": 2, "take_profit_pct": 3}, [100, 101])
    assert quiet.wanted == () and quiet.intents == ()
    touched = _held({"stop_loss_pct": 2}, [100, 99], spread=1.5)  # the low touches 97.5
    assert [(i.leg, i.reason) for i in touched.intents] == [("exit", "stop_loss")]


def test_a_close_beyond_the_stop_exits_at_market_instead_of_resting_a_stop_that_would_trigger() -> None:
    d = _held({"stop_loss_pct": 2, "take_profit_pct": 3, "stop_mode": "exchange"}, [100, 97])
    assert [(i.leg, i.reason, i.quantity) for i in d.intents] == [("exit", "stop_loss", D(1))]
    assert d.wanted == ()


def test_the_trailing_stop_moves_the_resting_stop_once_per_bar() -> None:
    risk = {"trailing_stop_pct": 1, "stop_mode": "exchange"}
    first = _held(risk, [100, 102], spread=0.5)  # high 102.5
    (stop,) = first.wanted
    assert stop.key == "stop_loss" and stop.stop_reason == "trailing_stop" and stop.reason == "trailing_stop"
    assert float(stop.stop_price or 0) == 102.5 * 0.99
    second = _decide("signal", {}, [102, 104], first.state, 0, risk, 0.5)  # high 104.5
    (moved,) = second.wanted
    assert float(moved.stop_price or 0) == 104.5 * 0.99


def test_a_resting_fill_books_through_apply_fill_like_a_market_fill() -> None:
    d = _held({"stop_loss_pct": 2, "take_profit_pct": 3, "stop_mode": "exchange"}, [100, 101])
    (oco,) = d.wanted
    assert oco.oco_stop is not None
    state, trade = engine.apply_fill_detailed(d.state, LegFill(
        leg=oco.leg, side=oco.side, price=oco.oco_stop.limit_price, quantity=oco.quantity, fee=D("0"),
        time=T0 + 180_000, reason=oco.stop_reason,
    ))
    assert trade is not None and trade.exit_reason == "stop_loss" and state["lots"] == {}
    assert state["stop_times"] == [T0 + 180_000]  # counts for the cooldown like a bot-checked stop


def test_a_resting_grid_with_exchange_stops_pairs_each_cell_sell_with_the_stop() -> None:
    params = GRID | {"order_type": "limit"}
    first = _decide("grid", params, [22100, 21900], None, 4000)
    buy = _by_key(first)["grid_buy_1"]
    state = _fill(first.state, buy.leg, Side.BUY, "21500", str(buy.quantity), buy.reason)
    risk = {"stop_loss_pct": 5, "stop_mode": "exchange"}
    wanted = _by_key(_decide("grid", params, [21900, 21600], state, 3000, risk))
    oco = wanted["grid_sell_1"]
    assert oco.purpose is OrderPurpose.PROTECT and oco.price == D(22000) and oco.reason == "grid"
    assert oco.oco_stop is not None and float(oco.oco_stop.stop_price) == 21500 * 0.95
    assert "protect" not in wanted and "grid_buy_0" in wanted


def test_stop_mode_defaults_to_bot_and_is_validated() -> None:
    rules = validate_risk({"stop_loss_pct": 2})
    assert rules.stop_mode == "bot" and not rules.exchange_stops and "stop_mode" not in rules.to_dict()
    exchange = validate_risk({"stop_loss_pct": 2, "stop_mode": "exchange"})
    assert exchange.exchange_stops and exchange.to_dict()["stop_mode"] == "exchange"
    assert not validate_risk({"stop_mode": "exchange"}).exchange_stops  # nothing to rest
    with pytest.raises(InvalidInput) as caught:
        validate_risk({"stop_mode": "exchnage"})
    assert caught.value.details == [{"field": "stop_mode", "message": "must be one of bot, exchange"}]


@pytest.mark.parametrize(
    ("strategy", "params"), [("grid", GRID | {"order_type": "ioc"}), ("dca", {"order_type": "limit_maker"})]
)
def test_an_unknown_order_type_is_refused(strategy: str, params: dict[str, Any]) -> None:
    with pytest.raises(InvalidInput):
        _decide(strategy, params, [100, 100], None, 100)


def test_a_grid_buy_booked_net_of_a_base_fee_is_done_and_not_placed_again() -> None:
    params = GRID | {"order_type": "limit"}
    first = _decide("grid", params, [22100, 21900], None, 4000)
    buy = _by_key(first)["grid_buy_1"]
    net = D(repr(float(buy.quantity) * 0.999))  # Binance kept 0.1% of the base as the fee
    state = _fill(first.state, buy.leg, Side.BUY, "21500", str(net), buy.reason)
    wanted = _by_key(_decide("grid", params, [21900, 21600], state, 3000))
    assert "grid_buy_1" not in wanted and wanted["grid_sell_1"].quantity == net


def test_a_partial_sell_while_the_buy_completes_does_not_buy_the_cell_again() -> None:
    params = GRID | {"order_type": "limit"}
    first = _decide("grid", params, [22100, 21900], None, 4000)
    buy = _by_key(first)["grid_buy_1"]
    half, quarter = float(buy.quantity) / 2, float(buy.quantity) / 4
    state = _fill(first.state, buy.leg, Side.BUY, "21500", repr(half), buy.reason)
    state = _fill(state, "grid_sell_1", Side.SELL, "22000", repr(quarter), "grid")
    state = _fill(state, buy.leg, Side.BUY, "21500", repr(half), buy.reason)
    wanted = _by_key(_decide("grid", params, [21900, 21600], state, 3000))
    assert "grid_buy_1" not in wanted
    assert float(wanted["grid_sell_1"].quantity) == pytest.approx(3 * quarter)
