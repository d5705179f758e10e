from __future__ import annotations

from typing import Any

import pytest

from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.optimization import (
    OVERFIT_FRACTION,
    objective_value,
    overfitting_warning,
    parse_space,
    parse_validation,
    score,
    split,
    split_trial,
)


def _fields(exc: pytest.ExceptionInfo[InvalidInput]) -> list[str]:
    return [d["field"] for d in exc.value.details]


def test_a_valid_space_keeps_the_unsearched_params_fixed() -> None:
    space = parse_space("sma_cross", {"fast": {"low": 5, "high": 20, "step": 5}, "risk.stop_loss_pct":
                                      {"choices": [1.0, 2.5]}})
    assert [d.name for d in space.dimensions] == ["fast", "risk.stop_loss_pct"]
    assert space.fixed_params == {"slow": 30}
    assert space.grid() == {"fast": [5, 10, 15, 20], "risk.stop_loss_pct": [1.0, 2.5]}
    assert space.grid_size() == 8
    assert split_trial({"fast": 5, "risk.stop_loss_pct": 1.0}) == ({"fast": 5}, {"stop_loss_pct": 1.0})


@pytest.mark.parametrize(
    ("space", "field", "words"),
    [
        ({"nope": {"low": 1, "high": 2}}, "space.nope", "unknown parameter"),
        ({"risk.position_size": {"low": 1, "high": 2}}, "space.risk.position_size", "unknown parameter"),
        ({"fast": {"low": 20, "high": 10}}, "space.fast", "empty range"),
        ({"fast": {"choices": []}}, "space.fast", "non-empty"),
        ({"fast": {"low": 1, "high": 10}}, "space.fast", ">= 2"),
        ({"fast": {"low": 2.5, "high": 10}}, "space.fast", "integer"),
        ({"fast": {"low": 2, "high": 10, "step": 0}}, "space.fast.step", "> 0"),
        ({"fast": {"low": 40, "high": 60}, "slow": {"low": 10, "high": 40}}, "space.fast", "not below"),
        ({"fast": {"low": 40, "high": 60}}, "space.fast", "not below"),  # above the fixed default slow 30
        ({"fast": 5}, "space.fast", "low, high"),
    ],
)
def test_bad_spaces_name_the_field(space: dict[str, Any], field: str, words: str) -> None:
    with pytest.raises(InvalidInput) as exc:
        parse_space("sma_cross", space)
    assert field in _fields(exc)
    assert any(words in d["message"] for d in exc.value.details)


def test_choices_are_checked_against_the_schema() -> None:
    with pytest.raises(InvalidInput) as exc:
        parse_space("bollinger_reversion", {"exit_band": {"choices": ["middle", "lower"]}})
    assert "space.exit_band" in _fields(exc)
    ok = parse_space("bollinger_reversion", {"exit_band": {"choices": ["middle", "upper"]}})
    assert ok.grid() == {"exit_band": ["middle", "upper"]}


def test_overlapping_ranges_are_allowed_and_a_continuous_range_has_no_grid() -> None:
    parse_space("sma_cross", {"fast": {"low": 5, "high": 40}, "slow": {"low": 20, "high": 60}})
    space = parse_space("rsi_reversion", {"lower": {"low": 20, "high": 35}})
    with pytest.raises(InvalidInput):
        space.grid()


def test_objectives_and_min_trades() -> None:
    m = {"sharpe": 1.5, "sortino": None, "cagr_pct": 20.0, "max_drawdown_pct": 10.0, "total_return_pct": 5.0,
         "profit_factor": 1.8, "num_trades": 4}
    assert objective_value(m, "calmar") == 2.0
    assert objective_value(m, "return_over_max_drawdown") == 0.5
    assert objective_value(m, "sortino") is None
    assert score(m, "sharpe", 4) == 1.5
    assert score(m, "sharpe", 5) is None
    assert objective_value({**m, "max_drawdown_pct": 0.0}, "calmar") is None


def test_validation_splits() -> None:
    s = split(1000, parse_validation({"test_pct": 25}))
    assert s.train == ((0, 750),) and s.held_out == (750, 1000)
    w = split(1000, parse_validation({"walk_forward_folds": 3}))
    assert w.train == ((0, 250), (0, 500), (0, 750))
    assert w.test == ((250, 500), (500, 750), (750, 1000))
    for bad in ({"test_pct": 90}, {"walk_forward_folds": 1}, {"x": 1}, [], {"test_pct": 20, "walk_forward_folds": 2}):
        with pytest.raises(InvalidInput):
            parse_validation(bad)
    with pytest.raises(InvalidInput):
        split(120, {"walk_forward_folds": 5})


def test_overfitting_rule() -> None:
    assert overfitting_warning(2.0, 2.0 * OVERFIT_FRACTION) is None
    assert "overfitting" in (overfitting_warning(2.0, 2.0 * OVERFIT_FRACTION - 0.01) or "")
    assert overfitting_warning(2.0, None) is not None
    assert overfitting_warning(-1.0, -3.0) is None  # nothing to lose: no positive in-sample edge
