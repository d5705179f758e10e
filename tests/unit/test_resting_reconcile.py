"""domain.resting: client ids per (bot, key, generation) and the wanted-vs-resting reconciliation."""

from decimal import Decimal

import pytest

from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.orders import OcoRequest, OrderRequest, OrderType, Side, TimeInForce
from chalicelib.domain.resting import OrderPurpose, StopLeg, WantedOrder, reconcile, resting_client_order_id


def _buy(key: str, price: str, qty: str = "0.01") -> WantedOrder:
    return WantedOrder(key, OrderPurpose.GRID_BUY, key, "grid", Side.BUY, OrderType.LIMIT, Decimal(qty), Decimal(price))


def test_client_ids_are_stable_per_generation_and_never_repeat_across_generations() -> None:
    first = resting_client_order_id("bot-1", "grid_buy_3", 0)
    assert first == resting_client_order_id("bot-1", "grid_buy_3", 0)
    assert first.startswith("tr") and len(first) == 32
    others = {
        resting_client_order_id("bot-1", "grid_buy_3", 1),
        resting_client_order_id("bot-2", "grid_buy_3", 0),
        resting_client_order_id("bot-1", "grid_buy_4", 0),
        resting_client_order_id("bot-1", "grid_buy_3", 0, "sl"),
    }
    assert first not in others and len(others) == 4


def test_reconcile_keeps_same_terms_cancels_unwanted_and_replaces_changed() -> None:
    resting = {
        "grid_buy_1": _buy("grid_buy_1", "100"),
        "grid_buy_2": _buy("grid_buy_2", "90"),
        "old": _buy("old", "80"),
    }
    wanted = [_buy("grid_buy_1", "100"), _buy("grid_buy_2", "91"), _buy("grid_buy_3", "85")]
    plan = reconcile(wanted, resting)
    assert plan.keep == ("grid_buy_1",)
    assert set(plan.cancel) == {"old", "grid_buy_2"}
    assert [w.key for w in plan.place] == ["grid_buy_2", "grid_buy_3"]


def test_reconcile_refuses_two_wanted_orders_under_one_key() -> None:
    with pytest.raises(ValueError):
        reconcile([_buy("k", "1"), _buy("k", "2")], {})


def test_oco_terms_include_the_stop_leg() -> None:
    tp = WantedOrder(
        "protect", OrderPurpose.PROTECT, "exit", "take_profit", Side.SELL, OrderType.LIMIT_MAKER,
        Decimal("1"), Decimal("110"), oco_stop=StopLeg(Decimal("95"), Decimal("94")),
    )  # fmt: skip
    moved = WantedOrder(
        "protect", OrderPurpose.PROTECT, "exit", "take_profit", Side.SELL, OrderType.LIMIT_MAKER,
        Decimal("1"), Decimal("110"), oco_stop=StopLeg(Decimal("96"), Decimal("95")),
    )  # fmt: skip
    assert tp.is_oco and not tp.same_terms(moved)
    assert reconcile([moved], {"protect": tp}).cancel == ("protect",)


def test_order_request_checks_stop_price_and_time_in_force() -> None:
    stop = OrderRequest(
        "BTCUSDT", Side.SELL, OrderType.STOP_LOSS_LIMIT, Decimal("1"), "c1", price=Decimal("94"),
        stop_price=Decimal("95"), time_in_force=TimeInForce.GTC,
    )  # fmt: skip
    assert stop.type.has_stop and stop.type.rests
    with pytest.raises(InvalidInput):
        OrderRequest("BTCUSDT", Side.SELL, OrderType.STOP_LOSS_LIMIT, Decimal("1"), "c2", price=Decimal("94"))
    with pytest.raises(InvalidInput):
        OrderRequest(
            "BTCUSDT", Side.BUY, OrderType.LIMIT, Decimal("1"), "c3", price=Decimal("9"), stop_price=Decimal("9")
        )
    with pytest.raises(InvalidInput):
        OrderRequest(
            "BTCUSDT", Side.BUY, OrderType.LIMIT_MAKER, Decimal("1"), "c4", price=Decimal("9"),
            time_in_force=TimeInForce.GTC,
        )  # fmt: skip


def test_oco_request_needs_stop_limit_below_stop_below_take_profit() -> None:
    ids = {"list_client_order_id": "l1", "take_profit_client_order_id": "t1", "stop_client_order_id": "s1"}
    ok = OcoRequest("BTCUSDT", Decimal("1"), take_profit_price=Decimal("110"), stop_price=Decimal("95"),
                    stop_limit_price=Decimal("94"), **ids)  # fmt: skip
    assert ok.side is Side.SELL
    with pytest.raises(InvalidInput):
        OcoRequest("BTCUSDT", Decimal("1"), take_profit_price=Decimal("90"), stop_price=Decimal("95"),
                   stop_limit_price=Decimal("94"), **ids)  # fmt: skip


# --- domain.resting_fills: the candle rule shared by the paper exchange and the backtester -------------------


def test_limit_fills_at_its_price_or_at_an_open_through_it() -> None:
    from chalicelib.domain.resting_fills import Touch, limit_touch

    assert limit_touch(Side.BUY, 100, open_=105, high=106, low=99) is Touch.AT_PRICE
    assert limit_touch(Side.BUY, 100, open_=98, high=99, low=97) is Touch.AT_OPEN
    assert limit_touch(Side.BUY, 100, open_=105, high=106, low=100.5) is Touch.NONE
    assert limit_touch(Side.SELL, 110, open_=105, high=110, low=104) is Touch.AT_PRICE
    assert limit_touch(Side.SELL, 110, open_=111, high=112, low=109) is Touch.AT_OPEN


def test_stop_limit_fills_through_the_stop_and_rests_after_a_gap_below_its_limit() -> None:
    from chalicelib.domain.resting_fills import Touch, stop_limit_touch, stop_triggered

    assert stop_limit_touch(Side.SELL, 95, 94, open_=100, high=101, low=93) is Touch.AT_PRICE
    assert stop_limit_touch(Side.SELL, 95, 94, open_=94.5, high=96, low=93) is Touch.AT_OPEN
    assert stop_limit_touch(Side.SELL, 95, 94, open_=90, high=91, low=89) is Touch.NONE  # gapped below the limit
    assert stop_limit_touch(Side.SELL, 95, 94, open_=100, high=101, low=95.5) is Touch.NONE
    assert stop_triggered(OrderType.STOP_LOSS_LIMIT, Side.SELL, 95, high=101, low=95)
    assert stop_triggered(OrderType.TAKE_PROFIT_LIMIT, Side.SELL, 110, high=110, low=100)
    assert not stop_triggered(OrderType.TAKE_PROFIT_LIMIT, Side.SELL, 110, high=109, low=100)


def test_oco_tie_goes_to_the_stop_and_partial_fills_follow_volume() -> None:
    from chalicelib.domain.resting_fills import fillable, oco_first_leg

    assert oco_first_leg(stop_hit=True, take_profit_hit=True) == "stop"
    assert oco_first_leg(stop_hit=False, take_profit_hit=True) == "take_profit"
    assert oco_first_leg(stop_hit=False, take_profit_hit=False) is None
    assert fillable(5.0, volume=20.0) == 2.0
    assert fillable(1.0, volume=20.0) == 1.0
    assert fillable(3.0, volume=0.0) == 3.0
