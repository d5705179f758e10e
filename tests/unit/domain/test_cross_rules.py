"""The cross-field rules the catalog declares for the web app agree with what each strategy's check_params
refuses: a pair that breaks a declared rule is refused on that field, and a pair that keeps it passes."""

from __future__ import annotations

import pytest

from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.strategies import list_strategies, validate_params
from chalicelib.domain.strategies.cross_rules import CROSS_RULES

BASE = {"grid": {"lower": 100, "upper": 200}}


@pytest.mark.parametrize("strategy_id", sorted(CROSS_RULES))
def test_declared_rules_match_the_server_check(strategy_id: str) -> None:
    for rule in CROSS_RULES[strategy_id]:
        small, big = rule["field"], rule["less_than"]
        for a, b in [(20, 40), (40, 20), (30, 30)]:
            params = {**BASE.get(strategy_id, {}), small: a, big: b}
            if a < b:
                validate_params(strategy_id, params)
                continue
            with pytest.raises(InvalidInput) as refused:
                validate_params(strategy_id, params)
            assert {"field": small, "message": rule["message"]} in refused.value.details


def test_catalog_serves_the_rules_in_the_params_schema() -> None:
    by_id = {s["id"]: s for s in list_strategies()}
    assert by_id["sma_cross"]["params_schema"]["x-rules"] == CROSS_RULES["sma_cross"]
    assert "x-rules" not in by_id["dca"]["params_schema"]
