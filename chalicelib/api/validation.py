"""Request parsing: every malformed, oversized or unknown input becomes a 4xx JSON error, never a 500."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, TypeVar

from chalice.app import Request
from pydantic import BaseModel, ConfigDict, ValidationError

from chalicelib.domain.errors import DomainError

M = TypeVar("M", bound=BaseModel)

DEFAULT_MAX_BODY = 64 * 1024
_MAX_DEPTH = 32


class ApiModel(BaseModel):
    """Every API model builds its validator and serializer on first use, not when its module is imported: the
    API's Lambda cold start imports ~100 models and one request uses two or three (docs/cost.md, cold start)."""

    model_config = ConfigDict(defer_build=True)


class StrictModel(ApiModel):
    """Request models refuse unknown fields instead of silently dropping them."""

    model_config = ConfigDict(extra="forbid")


class RequestError(DomainError):
    def __init__(self, status: int, code: str, message: str, details: Any = None) -> None:
        super().__init__(message, code=code, details=details)
        self.status = status


def _depth(value: Any, level: int = 0) -> int:
    if level > _MAX_DEPTH:
        return level
    if isinstance(value, dict):
        return max([_depth(v, level + 1) for v in value.values()], default=level + 1)
    if isinstance(value, list):
        return max([_depth(v, level + 1) for v in value], default=level + 1)
    return level


def validation_details(exc: ValidationError) -> list[dict[str, str]]:
    details = []
    for err in exc.errors(include_url=False, include_input=False):
        field = ".".join(str(p) for p in err["loc"]) or "body"
        details.append({"field": field, "message": err["msg"]})
    return details


def validate(model: type[M], data: Any) -> M:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise RequestError(
            422, "validation_error", "The request has invalid fields.", validation_details(exc)
        ) from None


def read_json(request: Request, *, max_bytes: int = DEFAULT_MAX_BODY, required: bool = True) -> Any:
    raw = request.raw_body or b""
    if len(raw) > max_bytes:
        raise RequestError(413, "payload_too_large", f"The request body is larger than {max_bytes} bytes.")
    if not raw.strip():
        if required:
            raise RequestError(400, "invalid_json", "The request body must be a JSON object.")
        return {}
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError, UnicodeDecodeError):
        raise RequestError(400, "invalid_json", "The request body is not valid JSON.") from None
    if _depth(data) > _MAX_DEPTH:
        raise RequestError(400, "invalid_json", "The request body is nested too deeply.")
    if not isinstance(data, dict):
        raise RequestError(400, "invalid_json", "The request body must be a JSON object.")
    return data


def parse_time(raw: str | None, field: str) -> int | None:
    """A query time: ISO-8601 with a zone, or Unix milliseconds."""
    if raw is None or raw == "":
        return None
    # str.isdigit() is true for "²" and "١٢٣", which int() refuses: only ASCII digits are Unix ms.
    if raw.isascii() and raw.isdigit():
        if len(raw) > 15:
            raise RequestError(
                422,
                "validation_error",
                f"{field} is too far in the future.",
                [{"field": field, "message": "at most 15 digits of Unix ms"}],
            )
        return int(raw)
    try:
        parsed = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise RequestError(
            422,
            "validation_error",
            f"{field} must be ISO-8601 or Unix ms.",
            [{"field": field, "message": "not a time"}],
        ) from None
    if parsed.tzinfo is None:
        raise RequestError(
            422,
            "validation_error",
            f"{field} needs a time zone (use Z for UTC).",
            [{"field": field, "message": "no time zone"}],
        )
    return int(parsed.timestamp() * 1000)


def parse_body(request: Request, model: type[M], *, max_bytes: int = DEFAULT_MAX_BODY, required: bool = True) -> M:
    return validate(model, read_json(request, max_bytes=max_bytes, required=required))


def parse_query(request: Request, model: type[M]) -> M:
    params = dict(request.query_params or {})
    return validate(model, params)
