"""HTTP middleware: correlation ids, one error shape for Chalice's own errors, security headers,
request metrics. Nothing here logs a header or a body (tokens and secrets travel in them)."""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import Callable
from typing import Any

from chalice.app import Request, Response

from chalicelib.api.http import error_response
from chalicelib.observability import logger, metrics, tracer

_CHALICE_CODES = {
    "UnsupportedMediaType": "unsupported_media_type",
    "MethodNotAllowedError": "method_not_allowed",
    "BadRequestError": "bad_request",
    "NotFoundError": "not_found",
    "InternalServerError": "internal_error",
}

# A client's X-Request-Id is logged and echoed only when it is short and plain (UUIDs, AWS trace ids, ULIDs);
# anything else (spaces, control or non-ASCII characters, markup, over 64 characters) is replaced by our own.
_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Strict-Transport-Security": "max-age=63072000; includeSubDomains",
}


def request_id_for(request: Request) -> str:
    given = request.headers.get("x-request-id")
    if isinstance(given, str) and _REQUEST_ID.fullmatch(given):
        return given
    gateway_id = (request.context or {}).get("requestId")
    if isinstance(gateway_id, str) and _REQUEST_ID.fullmatch(gateway_id):
        return gateway_id
    return uuid.uuid4().hex


def internal_error(request_id: str) -> Response:
    """What a user sees of an unexpected failure: no exception text, only the id to quote to support
    (the same id is the log's correlation_id)."""
    return error_response(
        500,
        "internal_error",
        f"An internal error occurred. Quote the request id {request_id} when you report it.",
        {"request_id": request_id},
    )


def _as_error_shape(response: Response, request_id: str) -> Response:
    """Chalice answers 405/415/500 as {"Code","Message"}; turn those into our error format."""
    body = response.body
    if isinstance(body, str):
        try:
            body = json.loads(body)
        except ValueError:
            return response
    if isinstance(body, dict) and "Code" in body and "Message" in body:
        keep = {
            k: str(v) for k, v in response.headers.items() if k.lower() not in ("content-type", "content-length")
        }
        if response.status_code >= 500:
            shaped = internal_error(request_id)
            shaped.status_code = response.status_code
            shaped.headers.update(keep)
            return shaped
        code = _CHALICE_CODES.get(str(body["Code"]), str(body["Code"]).lower())
        return error_response(response.status_code, code, str(body["Message"]), None, keep)
    return response


def http_middleware(request: Request, get_response: Callable[[Request], Response]) -> Response:
    request_id = request_id_for(request)
    logger.set_correlation_id(request_id)
    started = time.perf_counter()
    route = (request.context or {}).get("resourcePath")
    try:
        with tracer.provider.in_subsegment(f"## {request.method} {route}") as subsegment:
            subsegment.put_annotation(key="route", value=str(route))
            response = get_response(request)
    except Exception:
        logger.exception("unhandled error", extra={"path": request.path, "method": request.method})
        response = internal_error(request_id)
    if response.status_code >= 400:
        response = _as_error_shape(response, request_id)
    elapsed_ms = (time.perf_counter() - started) * 1000
    response.headers.update(SECURITY_HEADERS)
    response.headers["X-Request-Id"] = str(request_id)
    logger.info(
        "request",
        extra={
            "method": request.method,
            "route": (request.context or {}).get("resourcePath"),
            "status": response.status_code,
            "latency_ms": round(elapsed_ms, 2),
        },
    )
    _record_metrics(response.status_code, elapsed_ms)
    return response


def _record_metrics(status: int, elapsed_ms: float) -> None:
    from aws_lambda_powertools.metrics import MetricUnit

    metrics.add_metric(name="ApiLatency", unit=MetricUnit.Milliseconds, value=elapsed_ms)
    if status >= 500:
        metrics.add_metric(name="ApiServerErrors", unit=MetricUnit.Count, value=1)


def metrics_flush_middleware(event: Any, get_response: Callable[[Any], Any]) -> Any:
    try:
        return get_response(event)
    finally:
        metrics.flush_metrics(raise_on_empty_metrics=False)
