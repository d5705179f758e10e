from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.strategies import STRATEGIES, get_strategy, list_strategies, validate_params, warmup_bars
from chalicelib.domain.strategies.base import SignalStrategy
from tests.unit.domain.conftest import series_from_closes

IDS = ["sma_cross", "ema_cross", "rsi_reversion", "macd_cross", "bollinger_reversion", "dca", "grid"]
# The signal bot's entry in the catalog: its entries and exits come from webhooks, never from candles.
WEBHOOK_IDS = ["signal"]


def test_catalog_lists_every_strategy_with_a_closed_object_schema() -> None:
    catalog = list_strategies()
    assert [s["id"] for s in catalog] == IDS + WEBHOOK_IDS
    for entry in catalog:
        schema = entry["params_schema"]
        assert entry["name"] and entry["description"]
        assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
        assert schema["type"] == "object" and schema["additionalProperties"] is False
        for prop in schema["properties"].values():
            assert prop["type"] in ("integer", "number", "string", "boolean")
            assert "description" in prop


def test_validate_params_applies_defaults() -> None:
    assert validate_params("sma_cross", {}) == {"fast": 10, "slow": 30}
    assert validate_params("macd_cross", {"fast": 8}) == {"fast": 8, "slow": 26, "signal": 9}
    assert validate_params("grid", {"lower": 1, "upper": 2})["spacing"] == "arithmetic"


@pytest.mark.parametrize(
    ("strategy_id", "params", "field"),
    [
        ("sma_cross", {"fast": 30, "slow": 10}, "fast"),
        ("sma_cross", {"fast": 1}, "fast"),
        ("sma_cross", {"fast": "ten"}, "fast"),
        ("sma_cross", {"speed": 3}, "speed"),
        ("rsi_reversion", {"lower": 80, "upper": 70}, "lower"),
        ("rsi_reversion", {"upper": 100}, "upper"),
        ("bollinger_reversion", {"exit_band": "lower"}, "exit_band"),
        ("grid", {"lower": 10}, "upper"),
        ("grid", {"lower": 10, "upper": 5}, "lower"),
        ("dca", {"max_safety_orders": 10, "price_deviation_pct": 20}, "max_safety_orders"),
        ("nope", {}, "strategy"),
    ],
)
def test_bad_params_raise_invalid_input_with_field_details(
    strategy_id: str, params: dict[str, Any], field: str
) -> None:
    with pytest.raises(InvalidInput) as err:
        validate_params(strategy_id, params)
    assert any(d["field"] == field for d in err.value.details)
    assert all(set(d) == {"field", "message"} for d in err.value.details)


def _flags(strategy_id: str, closes: list[float], params: dict[str, Any]) -> tuple[list[int], list[int]]:
    strategy = get_strategy(strategy_id)
    assert isinstance(strategy, SignalStrategy)
    entries, exits = strategy.signals(series_from_closes(closes), validate_params(strategy_id, params))
    return np.flatnonzero(entries).tolist(), np.flatnonzero(exits).tolist()


def test_sma_cross_signals_on_a_v_shape() -> None:
    # falling for 10 bars, rising for 10, falling again: fast(2) crosses slow(4) up after the trough
    closes = [20.0 - i for i in range(10)] + [11.0 + i for i in range(10)] + [20.0 - i for i in range(10)]
    entries, exits = _flags("sma_cross", closes, {"fast": 2, "slow": 4})
    # bar 11: sma2 = 11.5 = sma4 (no cross yet); bar 12: sma2 = 12.5 > sma4 = 11.75
    assert entries == [12]
    # bar 21: sma2 = 19.5 = sma4; bar 22: sma2 = 18.5 < sma4 = 19.25
    assert exits == [22]


def test_ema_cross_buys_after_the_turn_and_sells_after_the_next() -> None:
    closes = [100.0] * 40 + [100.0 + 2 * i for i in range(1, 20)] + [138.0 - 3 * i for i in range(1, 20)]
    entries, exits = _flags("ema_cross", closes, {"fast": 3, "slow": 8})
    assert entries == [40] and len(exits) == 1 and 59 <= exits[0] <= 62


def test_rsi_reversion_crosses_levels() -> None:
    down = [100.0 - i for i in range(30)]
    up = [71.0 + 2 * i for i in range(1, 25)]
    flat_then_down = [up[-1] - 3 * i for i in range(1, 15)]
    closes = [100.0, 101.0] * 30 + down + up + flat_then_down
    entries, exits = _flags("rsi_reversion", closes, {"period": 5, "lower": 30, "upper": 70})
    assert entries == [90]  # the first rising bar after 30 falling ones lifts RSI(5) from 0 to ~33
    assert exits == [115]  # the second falling bar after the rally takes RSI(5) below 70


def test_macd_cross_follows_the_trend_turns() -> None:
    closes = [50.0] * 60 + [50.0 + i for i in range(1, 30)] + [79.0 - i for i in range(1, 30)]
    entries, exits = _flags("macd_cross", closes, {"fast": 3, "slow": 6, "signal": 3})
    assert entries == [60]
    assert len(exits) == 1 and 89 <= exits[0] <= 92


def test_bollinger_reversion_buys_below_the_band_and_sells_at_the_middle() -> None:
    closes = [100.0, 101.0] * 10 + [90.0, 91.0, 95.0, 101.0, 102.0]
    entries, exits = _flags("bollinger_reversion", closes, {"period": 10, "stddev": 2.0})
    assert entries == [20]
    # while flat, the oscillation crosses the middle band often (the engine ignores exits when flat);
    # after the entry, 101 is the first close back above the middle band
    assert [e for e in exits if e > 20] == [23]
    upper_exits = _flags("bollinger_reversion", closes, {"period": 10, "stddev": 2.0, "exit_band": "upper"})[1]
    assert [e for e in upper_exits if e > 20] == []  # crossing the middle band does not exit then


@pytest.mark.parametrize("strategy_id", [s for s in IDS if isinstance(STRATEGIES[s], SignalStrategy)])
@settings(max_examples=15, deadline=None)
@given(data=st.data())
def test_no_signal_uses_a_future_bar(strategy_id: str, data: st.DataObject) -> None:
    """Changing any bar after i never changes the flags at bars <= i."""
    params = validate_params(strategy_id, {"fast": 3, "slow": 7} if "cross" in strategy_id and "macd" not in strategy_id
                             else {"period": 5} if strategy_id != "macd_cross" else {"fast": 3, "slow": 7, "signal": 3})
    n = warmup_bars(strategy_id, params) + 40
    seed = data.draw(st.integers(0, 2**32 - 1))
    cut = data.draw(st.integers(1, n - 1))
    rng = np.random.default_rng(seed)
    closes = (100 * np.exp(np.cumsum(rng.normal(0, 0.03, n)))).tolist()
    changed = closes[:cut] + (np.array(closes[cut:]) * rng.uniform(0.5, 1.5, n - cut)).tolist()
    strategy = STRATEGIES[strategy_id]
    assert isinstance(strategy, SignalStrategy)
    a = strategy.signals(series_from_closes(closes), params)
    b = strategy.signals(series_from_closes(changed), params)
    # bars before `cut` saw identical data (their opens/highs/lows too: opens use the previous close)
    assert np.array_equal(a[0][:cut], b[0][:cut]) and np.array_equal(a[1][:cut], b[1][:cut])
