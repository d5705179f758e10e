"""The trailing peak and the equity peak move only while the rule that reads them is set: a quiet bar of a bot
without those rules changes nothing in its state, so its tick writes nothing (docs/cost.md, docs/strategies.md)."""

from __future__ import annotations

from decimal import Decimal as D
from typing import Any

from chalicelib.domain import engine
from chalicelib.domain.engine import Balances
from chalicelib.domain.ledger import LegFill
from chalicelib.domain.orders import Side
from tests.unit.domain.conftest import T0, series_from_closes

RISING = [100.0, 101.0, 102.0, 103.0, 104.0, 105.0, 106.0, 107.0, 108.0, 120.0]  # the last bar: a new high


def _holding() -> dict[str, Any]:
    """One lot bought at 100 (the entry sets the trailing peak to its price)."""
    fill = LegFill(leg="main", side=Side.BUY, price=D("100"), quantity=D("1"), fee=D("0"), time=T0, reason="entry")
    return engine.apply_fill({"strategy": "sma_cross"}, fill)


def _after_last_bar(state: dict[str, Any], risk: dict[str, Any] | None) -> dict[str, Any]:
    window = series_from_closes(RISING)
    decision = engine.decide("sma_cross", {"fast": 2, "slow": 3}, risk, window, state, Balances(D("900")),
                             interval_ms=60_000)  # fmt: skip
    return decision.state


def test_without_their_rules_the_peaks_stay_put() -> None:
    before = _holding()
    after = _after_last_bar(before, None)
    assert float(after["peak_price"]) == 100.0 and float(after["peak_equity"]) == 0.0
    assert after == _after_last_bar(after, None)  # the same bar again: nothing moves


def test_a_trailing_stop_moves_the_peak_price_and_a_drawdown_limit_the_equity_peak() -> None:
    trailing = _after_last_bar(_holding(), {"trailing_stop_pct": 50})
    assert float(trailing["peak_price"]) == 120.0 and float(trailing["peak_equity"]) == 0.0
    drawdown = _after_last_bar(_holding(), {"max_drawdown_pct": 90})
    assert float(drawdown["peak_price"]) == 100.0 and float(drawdown["peak_equity"]) == 900.0 + 120.0


def test_an_equity_peak_is_dropped_with_its_rule_so_a_limit_set_again_starts_afresh() -> None:
    with_limit = _after_last_bar(_holding(), {"max_drawdown_pct": 90})
    without = _after_last_bar(with_limit, None)
    assert float(without["peak_equity"]) == 0.0
