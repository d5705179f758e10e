"""The cross-field rules of each strategy's params, declared as data so the web app checks them on the fields
as the user types (served in the catalog as the params schema's `x-rules`). Each one restates a rule the
strategy's `check_params` enforces; tests/unit/domain/test_cross_rules.py holds them to agreeing."""

from __future__ import annotations

from typing import Any

FAST_BELOW_SLOW = [{"field": "fast", "less_than": "slow", "message": "must be smaller than slow"}]

CROSS_RULES: dict[str, list[dict[str, str]]] = {
    "sma_cross": FAST_BELOW_SLOW,
    "ema_cross": FAST_BELOW_SLOW,
    "macd_cross": FAST_BELOW_SLOW,
    "rsi_reversion": [{"field": "lower", "less_than": "upper", "message": "must be smaller than upper"}],
    "grid": [{"field": "lower", "less_than": "upper", "message": "must be smaller than upper"}],
}


def with_rules(entry: dict[str, Any]) -> dict[str, Any]:
    """A catalog entry whose params schema carries its strategy's cross-field rules (`x-rules`)."""
    rules = CROSS_RULES.get(entry["id"])
    if not rules:
        return entry
    return {**entry, "params_schema": {**entry["params_schema"], "x-rules": rules}}
