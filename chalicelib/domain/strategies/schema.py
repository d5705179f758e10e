"""A small validator for the JSON-schema subset the catalog uses (draft 2020-12 object schemas:
type, minimum/maximum, exclusiveMinimum/exclusiveMaximum, enum, default, required,
additionalProperties: false, nested objects). Pure Python so the domain needs no jsonschema package."""

from __future__ import annotations

from typing import Any

from chalicelib.domain.errors import InvalidInput

JsonSchema = dict[str, Any]
SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"


def object_schema(title: str, properties: dict[str, JsonSchema], required: list[str] | None = None) -> JsonSchema:
    schema: JsonSchema = {
        "$schema": SCHEMA_DIALECT,
        "title": title,
        "type": "object",
        "properties": properties,
        "additionalProperties": False,
    }
    if required:
        schema["required"] = required
    return schema


def integer(default: int | None, minimum: int, maximum: int, description: str) -> JsonSchema:
    schema: JsonSchema = {"type": "integer", "minimum": minimum, "maximum": maximum, "description": description}
    if default is not None:
        schema["default"] = default
    return schema


def number(
    default: float | None,
    description: str,
    *,
    minimum: float | None = None,
    maximum: float | None = None,
    exclusive_minimum: float | None = None,
) -> JsonSchema:
    schema: JsonSchema = {"type": "number", "description": description}
    if minimum is not None:
        schema["minimum"] = minimum
    if exclusive_minimum is not None:
        schema["exclusiveMinimum"] = exclusive_minimum
    if maximum is not None:
        schema["maximum"] = maximum
    if default is not None:
        schema["default"] = default
    return schema


def _type_ok(value: Any, expected: str) -> bool:
    if expected == "integer":
        return (isinstance(value, int) and not isinstance(value, bool)) or (
            isinstance(value, float) and value.is_integer()
        )
    if expected == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if expected == "string":
        return isinstance(value, str)
    if expected == "boolean":
        return isinstance(value, bool)
    if expected == "object":
        return isinstance(value, dict)
    return False


def _check_value(value: Any, schema: JsonSchema, field: str, errors: list[dict[str, str]]) -> Any:
    expected = schema.get("type")
    if expected is not None and not _type_ok(value, expected):
        errors.append({"field": field, "message": f"must be of type {expected}"})
        return value
    if "enum" in schema and value not in schema["enum"]:
        errors.append({"field": field, "message": f"must be one of {', '.join(map(str, schema['enum']))}"})
        return value
    if expected == "object":
        return _check_object(value, schema, field + ".", errors)
    if expected in ("integer", "number"):
        if expected == "integer":
            value = int(value)
        if "minimum" in schema and value < schema["minimum"]:
            errors.append({"field": field, "message": f"must be >= {schema['minimum']}"})
        if "exclusiveMinimum" in schema and value <= schema["exclusiveMinimum"]:
            errors.append({"field": field, "message": f"must be > {schema['exclusiveMinimum']}"})
        if "maximum" in schema and value > schema["maximum"]:
            errors.append({"field": field, "message": f"must be <= {schema['maximum']}"})
    return value


def _check_object(
    value: dict[str, Any], schema: JsonSchema, prefix: str, errors: list[dict[str, str]]
) -> dict[str, Any]:
    properties: dict[str, JsonSchema] = schema.get("properties", {})
    result: dict[str, Any] = {}
    for key in value:
        if key not in properties and schema.get("additionalProperties") is False:
            errors.append({"field": prefix + key, "message": "unknown parameter"})
    for key, sub in properties.items():
        if key in value and value[key] is not None:
            result[key] = _check_value(value[key], sub, prefix + key, errors)
        elif "default" in sub:
            result[key] = sub["default"]
        elif key in schema.get("required", []):
            errors.append({"field": prefix + key, "message": "is required"})
    return result


def validate(value: Any, schema: JsonSchema, *, what: str = "params") -> dict[str, Any]:
    """Apply defaults and check `value` against `schema`; raises InvalidInput with `details`."""
    errors: list[dict[str, str]] = []
    if value is None:
        value = {}
    if not isinstance(value, dict):
        raise InvalidInput(f"{what} must be an object", details=[{"field": what, "message": "must be an object"}])
    result = _check_object(value, schema, "", errors)
    if errors:
        raise InvalidInput(f"invalid {what}", details=errors)
    return result


def raise_if(errors: list[dict[str, str]], what: str = "params") -> None:
    if errors:
        raise InvalidInput(f"invalid {what}", details=errors)
