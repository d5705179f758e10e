"""The search space: which parameters a search varies and over what values, checked against the strategy's
JSON schema, its cross-field rules and the risk schema before any trial runs.

A dimension is a numeric range `{low, high, step?}` (integers step 1 by default; a float range without a
step is continuous, which a grid search refuses) or `{choices: [...]}`. Strategy params are named as in the
strategy's schema; risk params as `risk.<name>` (e.g. `risk.stop_loss_pct`)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.risk import RISK_SCHEMA
from chalicelib.domain.strategies import STRATEGIES, get_strategy, validate_params
from chalicelib.domain.strategies.cross_rules import CROSS_RULES
from chalicelib.domain.strategies.schema import JsonSchema, validate

RISK_PREFIX = "risk."
# The risk rules a search may vary: the flat numeric ones (position size and the guard stay fixed).
RISK_SEARCHABLE = ("stop_loss_pct", "take_profit_pct", "trailing_stop_pct", "trailing_activation_pct",
                   "cooldown_bars", "max_drawdown_pct")
MAX_DIMENSIONS = 8
Error = dict[str, str]


@dataclass(frozen=True)
class Dimension:
    name: str
    kind: str  # "int" | "float" | "choice"
    low: float | None = None
    high: float | None = None
    step: float | None = None
    choices: tuple[Any, ...] = ()

    @property
    def is_risk(self) -> bool:
        return self.name.startswith(RISK_PREFIX)

    def values(self) -> list[Any] | None:
        """Every value (a grid's axis), or None for a continuous float range."""
        if self.kind == "choice":
            return list(self.choices)
        if self.step is None:
            return None
        assert self.low is not None and self.high is not None
        count = math.floor((self.high - self.low) / self.step + 1e-9) + 1
        raw = [self.low + k * self.step for k in range(count)]
        return [int(v) for v in raw] if self.kind == "int" else [round(v, 10) for v in raw]

    def bounds(self) -> tuple[Any, Any]:
        if self.kind == "choice":
            numeric = [c for c in self.choices if isinstance(c, (int, float)) and not isinstance(c, bool)]
            return (min(numeric), max(numeric)) if numeric else (None, None)
        return self.low, self.high


def _schema_of(strategy_id: str, name: str) -> JsonSchema | None:
    if name.startswith(RISK_PREFIX):
        key = name[len(RISK_PREFIX):]
        prop: JsonSchema | None = RISK_SCHEMA["properties"].get(key) if key in RISK_SEARCHABLE else None
        return prop
    properties: dict[str, JsonSchema] = get_strategy(strategy_id).params_schema["properties"]
    return properties.get(name)


def _check_value(name: str, prop: JsonSchema, value: Any, errors: list[Error]) -> None:
    """One value against the parameter's own schema (type, bounds, enum), reported on `space.<name>`."""
    try:
        validate({"v": value}, {"type": "object", "properties": {"v": prop}, "additionalProperties": False})
    except InvalidInput as exc:
        for d in exc.details or []:
            errors.append({"field": f"space.{name}", "message": f"{value!r}: {d['message']}"})


def _choice_dim(name: str, prop: JsonSchema, spec: dict[str, Any], errors: list[Error]) -> Dimension | None:
    choices = spec["choices"]
    if not isinstance(choices, list) or not choices:
        errors.append({"field": f"space.{name}", "message": "choices must be a non-empty list"})
        return None
    for value in choices:
        _check_value(name, prop, value, errors)
    if len({repr(c) for c in choices}) != len(choices):
        errors.append({"field": f"space.{name}", "message": "choices must be distinct"})
    return Dimension(name, "choice", choices=tuple(choices))


def _range_dim(name: str, prop: JsonSchema, spec: dict[str, Any], errors: list[Error]) -> Dimension | None:
    kind = {"integer": "int", "number": "float"}.get(prop.get("type", ""))
    field = f"space.{name}"
    if kind is None:
        errors.append({"field": field, "message": "a non-numeric parameter takes {choices: [...]}"})
        return None
    low, high, step = spec.get("low"), spec.get("high"), spec.get("step")
    for key, value in (("low", low), ("high", high)):
        if not isinstance(value, (int, float)) or isinstance(value, bool) or not math.isfinite(value):
            errors.append({"field": f"{field}.{key}", "message": "must be a number"})
            return None
    assert isinstance(low, (int, float)) and isinstance(high, (int, float))
    if low > high:
        errors.append({"field": field, "message": f"empty range: low {low} is above high {high}"})
        return None
    _check_value(name, prop, low, errors)
    _check_value(name, prop, high, errors)
    if step is not None and (not isinstance(step, (int, float)) or isinstance(step, bool) or step <= 0):
        errors.append({"field": f"{field}.step", "message": "must be a number > 0"})
        return None
    if kind == "int" and any(not float(v).is_integer() for v in (low, high, step or 1)):
        errors.append({"field": field, "message": "an integer parameter takes integer low, high and step"})
        return None
    if kind == "int":
        return Dimension(name, "int", int(low), int(high), int(step or 1))
    return Dimension(name, "float", float(low), float(high), None if step is None else float(step))


def _dimension(strategy_id: str, name: str, spec: Any, errors: list[Error]) -> Dimension | None:
    prop = _schema_of(strategy_id, name)
    if prop is None:
        hint = "a strategy parameter, or risk." + "/risk.".join(RISK_SEARCHABLE)
        errors.append({"field": f"space.{name}", "message": f"unknown parameter (expected {hint})"})
        return None
    if not isinstance(spec, dict) or not ("choices" in spec or "low" in spec or "high" in spec):
        errors.append({"field": f"space.{name}", "message": "must be {low, high, step?} or {choices: [...]}"})
        return None
    unknown = set(spec) - {"low", "high", "step", "choices"}
    if unknown or ("choices" in spec and len(spec) > 1):
        errors.append({"field": f"space.{name}", "message": "takes either low/high/step or choices only"})
        return None
    return _choice_dim(name, prop, spec, errors) if "choices" in spec else _range_dim(name, prop, spec, errors)


def _cross_errors(strategy_id: str, dims: dict[str, Dimension], fixed: dict[str, Any]) -> list[Error]:
    """A `less_than` rule no point of the space can meet (fast's range entirely at or above slow's)."""
    errors: list[Error] = []
    for rule in CROSS_RULES.get(strategy_id, []):
        small, big = rule["field"], rule["less_than"]
        lo_small = dims[small].bounds()[0] if small in dims else fixed.get(small)
        hi_big = dims[big].bounds()[1] if big in dims else fixed.get(big)
        if lo_small is None or hi_big is None:
            continue
        if lo_small >= hi_big:
            errors.append({
                "field": f"space.{small}",
                "message": f"{small} {rule['message']}, but its smallest value {lo_small} is not below the "
                           f"largest {big} {hi_big}: no trial could run",
            })
    return errors


@dataclass(frozen=True)
class SearchSpace:
    strategy: str
    dimensions: tuple[Dimension, ...]
    fixed_params: dict[str, Any]  # the strategy params not searched (defaults applied)

    def grid(self) -> dict[str, list[Any]]:
        axes: dict[str, list[Any]] = {}
        for d in self.dimensions:
            values = d.values()
            if values is None:
                raise InvalidInput(
                    "a grid search needs a step for every float range",
                    details=[{"field": f"space.{d.name}", "message": "give a step for a grid search"}],
                )
            axes[d.name] = values
        return axes

    def grid_size(self) -> int:
        return math.prod(len(v) for v in self.grid().values())


def parse_space(strategy_id: str, space: Any, params: dict[str, Any] | None = None) -> SearchSpace:
    """The validated space; raises InvalidInput listing every problem (on `space.<name>` fields)."""
    if strategy_id not in STRATEGIES:
        validate_params(strategy_id, params)  # raises the catalog's error, on `strategy`
    # The schema only: the cross-field rules are checked on the ranges below, not on defaults a range replaces.
    base = validate(params, get_strategy(strategy_id).params_schema)
    if not isinstance(space, dict) or not space:
        raise InvalidInput("space must name at least one parameter",
                           details=[{"field": "space", "message": "must be a non-empty object"}])
    if len(space) > MAX_DIMENSIONS:
        raise InvalidInput("too many parameters in the space",
                           details=[{"field": "space", "message": f"at most {MAX_DIMENSIONS} parameters"}])
    errors: list[Error] = []
    dims = {name: d for name, spec in space.items() if (d := _dimension(strategy_id, name, spec, errors))}
    if not errors:
        errors.extend(_cross_errors(strategy_id, dims, base))
    if errors:
        raise InvalidInput("invalid search space", code="invalid_space", details=errors)
    fixed = {k: v for k, v in base.items() if k not in dims}
    return SearchSpace(strategy_id, tuple(dims.values()), fixed)


def split_trial(point: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """A sampled point as (strategy params, risk overrides)."""
    params = {k: v for k, v in point.items() if not k.startswith(RISK_PREFIX)}
    risk = {k[len(RISK_PREFIX):]: v for k, v in point.items() if k.startswith(RISK_PREFIX)}
    return params, risk
