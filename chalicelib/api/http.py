"""JSON responses and the one error shape: {"error": {"code", "message", "details"}}."""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from chalice.app import Response

from chalicelib.domain.errors import (
    Conflict,
    DomainError,
    ExchangeOperationalError,
    ExchangeRejected,
    ExchangeTemporaryError,
    Forbidden,
    InvalidInput,
    NotFound,
    PayloadTooLarge,
    RateLimited,
    Unauthorized,
    Unavailable,
)

JSON_HEADERS = {"Content-Type": "application/json", "Cache-Control": "no-store"}


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def dumps(body: Any) -> str:
    return json.dumps(body, default=_default, separators=(",", ":"))


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(body=dumps(body), status_code=status, headers={**JSON_HEADERS, **(headers or {})})


def error_response(
    status: int, code: str, message: str, details: Any = None, headers: dict[str, str] | None = None
) -> Response:
    return json_response({"error": {"code": code, "message": message, "details": details}}, status, headers)


# Ordered: the first matching class wins (subclasses before their bases).
_STATUS: list[tuple[type[DomainError], int]] = [
    (InvalidInput, 422),
    (NotFound, 404),
    (Conflict, 409),
    (PayloadTooLarge, 413),
    (Unauthorized, 401),
    (Forbidden, 403),
    (RateLimited, 429),
    (Unavailable, 503),
    (ExchangeRejected, 422),
    (ExchangeTemporaryError, 503),
    (ExchangeOperationalError, 502),
]


def status_for(exc: DomainError) -> int:
    for cls, status in _STATUS:
        if isinstance(exc, cls):
            return status
    return 400


def domain_error_response(exc: DomainError) -> Response:
    headers: dict[str, str] = {}
    if isinstance(exc, RateLimited | Unavailable) and exc.retry_after_s is not None:
        headers["Retry-After"] = str(exc.retry_after_s)
    if isinstance(exc, Unauthorized):
        headers["WWW-Authenticate"] = 'Bearer error="invalid_token"'
    return error_response(status_for(exc), exc.code, exc.message, exc.details, headers)
