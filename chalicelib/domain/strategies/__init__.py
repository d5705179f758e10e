"""The strategy catalog: one module per strategy, registered here by id."""

from __future__ import annotations

from typing import Any

from chalicelib.domain.errors import InvalidInput, NotFound
from chalicelib.domain.strategies import (
    bollinger_reversion,
    dca,
    ema_cross,
    grid,
    macd_cross,
    rsi_reversion,
    signal,
    sma_cross,
)
from chalicelib.domain.strategies.base import Params, SignalStrategy, StatefulStrategy, Strategy
from chalicelib.domain.strategies.cross_rules import with_rules
from chalicelib.domain.strategies.schema import raise_if, validate

STRATEGIES: dict[str, Strategy] = {
    s.id: s
    for s in (
        sma_cross.STRATEGY,
        ema_cross.STRATEGY,
        rsi_reversion.STRATEGY,
        macd_cross.STRATEGY,
        bollinger_reversion.STRATEGY,
        dca.STRATEGY,
        grid.STRATEGY,
        signal.STRATEGY,
    )
}


def get_strategy(strategy_id: str) -> Strategy:
    try:
        return STRATEGIES[strategy_id]
    except KeyError:
        raise NotFound(
            f"unknown strategy {strategy_id!r}",
            details=[{"field": "strategy", "message": f"must be one of {', '.join(STRATEGIES)}"}],
        ) from None


def list_strategies() -> list[dict[str, Any]]:
    """The catalog as served by GET /api/v1/strategies: id, name, description, params_schema."""
    return [with_rules(s.describe()) for s in STRATEGIES.values()]


def validate_params(strategy_id: str, params: dict[str, Any] | None) -> Params:
    """Params with defaults applied; raises InvalidInput(details=[{field, message}]) when they are wrong
    (unknown strategy ids raise InvalidInput too, on field `strategy`)."""
    if strategy_id not in STRATEGIES:
        raise InvalidInput(
            f"unknown strategy {strategy_id!r}",
            details=[{"field": "strategy", "message": f"must be one of {', '.join(STRATEGIES)}"}],
        )
    strategy = STRATEGIES[strategy_id]
    result = validate(params, strategy.params_schema)
    raise_if(strategy.check_params(result))
    return result


def warmup_bars(strategy_id: str, params: Params) -> int:
    """How many closed candles (ending at the decision bar) the strategy needs to decide."""
    return get_strategy(strategy_id).warmup_bars(params)


__all__ = [
    "STRATEGIES",
    "SignalStrategy",
    "StatefulStrategy",
    "Strategy",
    "get_strategy",
    "list_strategies",
    "validate_params",
    "warmup_bars",
]
