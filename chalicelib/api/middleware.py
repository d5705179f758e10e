"""HTTP middleware: correlation ids, one error shape for Chalice's own errors, security headers,
request metrics. Nothing here logs a header or a body (tokens and secrets travel in them)."""

from __future__ import annotations

import json
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

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Strict-Transport-Security": "max-age=63072000; includeSubDomains",
}


def _as_error_shape(response: Response) -> Response:
    """Chalice answers 405/415/500 as {"Code","Message"}; turn those into our error format."""
    body = response.body
    if isinstance(body, str):
        try:
            body = json.loads(body)
        except ValueError:
            return response
    if isinstance(body, dict) and "Code" in body and "Message" in body:
        code = _CHALICE_CODES.get(str(body["Code"]), str(body["Code"]).lower())
        message = "An internal error occurred." if response.status_code >= 500 else str(body["Message"])
        keep = {
            k: str(v) for k, v in response.headers.items() if k.lower() not in ("content-type", "content-length")
        }
        return error_response(response.status_code, code, message, None, keep)
    return response


def http_middleware(request: Request, get_response: Callable[[Request], Response]) -> Response:
    request_id = (request.headers.get("x-request-id") or "")[:64] or (
        (request.context or {}).get("requestId") or uuid.uuid4().hex
    )
    logger.set_correlation_id(request_id)
    started = time.perf_counter()
    route = (request.context or {}).get("resourcePath")
    try:
        with tracer.provider.in_subsegment(f"## {request.method} {route}") as subsegment:
            subsegment.put_annotation(key="route", value=str(route))
            response = get_response(request)
    except Exception:
        logger.exception("unhandled error", extra={"path": request.path, "method": request.method})
        response = error_response(500, "internal_error", "An internal error occurred.")
    if response.status_code >= 400:
        response = _as_error_shape(response)
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
