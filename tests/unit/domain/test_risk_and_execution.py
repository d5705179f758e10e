"""Execution semantics and risk rules on hand-built candles."""

from __future__ import annotations

import pytest

from chalicelib.domain.backtest import run_backtest
from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.risk import exit_reason, validate_risk
from chalicelib.domain.strategies.base import Bar
from tests.unit.domain.conftest import MINUTE, T0, series_from_closes

# sma_cross 2/3 on this series: entry decided on bar 5's close (sma2 10 > sma3 9, after 8 <= 8),
# exit decided on bar 9's close (sma2 11 < sma3 11.67)
CLOSES = [10.0, 9.0, 8.0, 7.0, 9.0, 11.0, 12.0, 13.0, 12.0, 10.0, 9.0, 8.0]
OPENS = [10.0, 10.5, 9.5, 8.5, 7.5, 9.5, 11.5, 12.5, 13.5, 11.5, 9.5, 8.5]


def test_fills_at_next_open_with_fee_per_side_and_all_in_quantity() -> None:
    series = series_from_closes(CLOSES, opens=OPENS)
    result = run_backtest(series, "sma_cross", {"fast": 2, "slow": 3}, fee=0.01, cash=1000.0)
    assert len(result.trades) == 1
    trade = result.trades.to_records()[0]
    entry_px, exit_px = OPENS[6], OPENS[10]
    qty = 1000.0 / (entry_px * 1.01)
    assert result.trades.entry_time[0] == T0 + 6 * MINUTE and result.trades.exit_time[0] == T0 + 10 * MINUTE
    assert trade["quantity"] == pytest.approx(qty, rel=1e-12)
    assert trade["entry_price"] == pytest.approx(entry_px, rel=1e-12)
    assert trade["exit_price"] == exit_px
    fee = qty * entry_px * 0.01 + qty * exit_px * 0.01
    assert trade["fee"] == pytest.approx(fee, rel=1e-12)
    pnl = qty * exit_px - qty * entry_px - fee
    assert trade["pnl"] == pytest.approx(pnl, rel=1e-12)
    assert trade["return_pct"] == pytest.approx(pnl / (qty * entry_px) * 100, rel=1e-12)
    assert result.metrics.final_equity == pytest.approx(1000.0 + pnl, rel=1e-12)
    assert result.metrics.exposure_pct == pytest.approx(4 / 12 * 100)  # bars 6..9
    assert result.metrics.fees_paid == pytest.approx(fee, rel=1e-12)


def test_open_position_is_reported_open_and_marked_to_last_close_without_exit_fee() -> None:
    series = series_from_closes(CLOSES[:8], opens=OPENS[:8])
    result = run_backtest(series, "sma_cross", {"fast": 2, "slow": 3}, fee=0.01, cash=1000.0)
    (trade,) = result.trades.to_records()
    assert trade["status"] == "open" and trade["exit_time"] is None and trade["exit_reason"] is None
    qty = 1000.0 / (OPENS[6] * 1.01)
    assert result.metrics.final_equity == pytest.approx(qty * CLOSES[7], rel=1e-12)
    assert result.metrics.num_trades == 0 and result.metrics.open_trades == 1


def test_slippage_moves_fills_against_us() -> None:
    series = series_from_closes(CLOSES, opens=OPENS)
    result = run_backtest(series, "sma_cross", {"fast": 2, "slow": 3}, fee=0.0, slippage=0.01)
    assert result.trades.exit_price[0] == pytest.approx(OPENS[10] * 0.99)
    assert result.trades.entry_price[0] == pytest.approx(OPENS[6] * 1.01)


def test_stop_loss_wins_when_a_bar_touches_both() -> None:
    rules = validate_risk({"stop_loss_pct": 5, "take_profit_pct": 5})
    both = Bar(0, 100.0, 106.0, 94.0, 105.5)
    assert exit_reason(rules, 100.0, 100.0, both) == "stop_loss"
    assert exit_reason(rules, 100.0, 100.0, Bar(0, 100.0, 106.0, 99.0, 105.5)) == "take_profit"
    assert exit_reason(rules, 100.0, 100.0, Bar(0, 100.0, 104.0, 96.0, 100.0)) is None
    # issue 20: the take-profit is decided on the close; a wick that reverted fills no take-profit below entry
    assert exit_reason(rules, 100.0, 100.0, Bar(0, 100.0, 106.0, 99.0, 100.0)) is None


def test_trailing_stop_arms_only_after_activation() -> None:
    rules = validate_risk({"trailing_stop_pct": 2, "trailing_activation_pct": 3})
    assert exit_reason(rules, 100.0, 102.0, Bar(0, 101.0, 102.0, 99.0, 99.5)) is None  # not armed yet
    assert exit_reason(rules, 100.0, 104.0, Bar(0, 103.0, 103.5, 101.5, 102.5)) == "trailing_stop"  # 104 * 0.98


def test_stop_loss_exit_fills_next_open_and_cooldown_blocks_reentry() -> None:
    # GIVEN an entry at bar 5's open (9.5) and a crash touching -10% on bar 6
    closes = [10.0, 9.0, 8.0, 7.0, 9.0, 11.0, 9.0, 10.0, 12.0, 11.0, 13.0, 14.0, 15.0]
    series = series_from_closes(closes)
    risk = {"stop_loss_pct": 10, "cooldown_bars": 3}
    result = run_backtest(series, "sma_cross", {"fast": 2, "slow": 3}, risk, fee=0.0)
    first = result.trades.to_records()[0]
    # THEN the stop is acted on at bar 7's open, with reason stop_loss
    assert first["exit_reason"] == "stop_loss" and result.trades.exit_time[0] == T0 + 7 * MINUTE
    without = run_backtest(series, "sma_cross", {"fast": 2, "slow": 3}, {"stop_loss_pct": 10}, fee=0.0)
    # AND the re-entry signal on bar 8 is taken without a cooldown but not with one
    assert without.trades.entry_time[1] == T0 + 9 * MINUTE
    assert len(result.trades) == 1 or result.trades.entry_time[1] >= T0 + 11 * MINUTE


def test_max_drawdown_kill_switch_closes_and_stops_trading() -> None:
    closes = [10.0, 9.0, 8.0, 7.0, 9.0, 11.0, 8.0, 7.0, 6.0, 9.0, 12.0, 14.0, 16.0]
    series = series_from_closes(closes)
    result = run_backtest(series, "sma_cross", {"fast": 2, "slow": 3}, {"max_drawdown_pct": 15}, fee=0.0)
    reasons = [t["exit_reason"] for t in result.trades.to_records()]
    assert reasons == ["max_drawdown"]  # and no new entry after the kill switch, despite the rally


@pytest.mark.parametrize(
    ("risk", "field"),
    [
        ({"stop_loss_pct": -1}, "stop_loss_pct"),
        ({"position_size": {"mode": "quote"}}, "position_size.value"),
        ({"position_size": {"mode": "percent", "value": 150}}, "position_size.value"),
        ({"trailing_activation_pct": 1}, "trailing_activation_pct"),
        ({"stoploss_guard": {"max_stops": 2}}, "stoploss_guard.window_bars"),
        ({"stop": 1}, "stop"),
    ],
)
def test_bad_risk_rules_are_rejected_with_details(risk: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidInput) as err:
        validate_risk(risk)
    assert any(d["field"] == field for d in err.value.details)


def test_dca_places_safety_orders_and_takes_profit_from_the_average() -> None:
    closes = [100.0, 100.0, 98.5, 97.0, 96.0, 97.0, 99.0, 100.0, 101.0]
    series = series_from_closes(closes)
    params = {"base_order_quote": 100, "safety_order_quote": 100, "max_safety_orders": 3,
              "price_deviation_pct": 1.0, "step_scale": 2.0, "volume_scale": 1.0, "take_profit_pct": 1.0}
    result = run_backtest(series, "dca", params, fee=0.0, cash=1000.0)
    (trade,) = result.trades.to_records()
    # base at bar 2's open (100); SO1 (-1% = 99) touched on bar 2 -> bar 3 open 98.5;
    # SO2 (-3% = 97) touched on bar 3 -> bar 4 open 97; SO3 (-7%) never; TP (avg x 1.01 = 99.47)
    # touched on bar 7 -> filled at bar 8's open
    assert trade["quantity"] == pytest.approx(1 + 100 / 98.5 + 100 / 97)
    assert trade["entry_price"] == pytest.approx(300 / (1 + 100 / 98.5 + 100 / 97))
    assert trade["exit_reason"] == "take_profit" and trade["exit_price"] == 100.0


def test_grid_buys_low_cells_and_sells_one_level_up() -> None:
    closes = [105.0, 105.0, 103.9, 101.9, 104.1, 106.1, 103.0]
    series = series_from_closes(closes)
    result = run_backtest(series, "grid", {"lower": 100, "upper": 110, "levels": 6}, fee=0.0, cash=500.0)
    records = result.trades.to_records()
    closed = [r for r in records if r["status"] == "closed"]
    # levels 100, 102, 104, 106, 108, 110: cells 3 and 4 (106-108, 108-110) buy at once (close <= 106),
    # cell 2 on 103.9, cell 1 on 101.9; 104.1 sells cell 1 (102 -> 104) and 106.1 sells cell 2
    assert {r["group"] for r in closed} == {"cell_1", "cell_2"}
    assert {r["group"] for r in records if r["status"] == "open"} == {"cell_3", "cell_4"}
    assert all(r["pnl"] > 0 for r in closed)
