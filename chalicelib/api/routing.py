"""`endpoint`: one decorator that registers a Chalice route, documents it in OpenAPI, authenticates the
caller, validates the body and query, and maps domain errors to HTTP. Route functions stay one-liners
that translate to a service call."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from chalice.app import Blueprint, Request, Response
from pydantic import BaseModel

from chalicelib.api import openapi
from chalicelib.api.http import domain_error_response, error_response, json_response
from chalicelib.api.validation import DEFAULT_MAX_BODY, RequestError, parse_body, parse_query
from chalicelib.domain.errors import DependencyUnavailable, DomainError, Unauthorized
from chalicelib.observability import logger

API_PREFIX = "/api/v1"


@dataclass(frozen=True)
class Ctx:
    request: Request
    user_id: str
    source_ip: str

    def header(self, name: str) -> str | None:
        value = self.request.headers.get(name)
        return value if value is None else str(value)

    def cookie(self, name: str) -> str | None:
        raw = self.request.headers.get("cookie") or ""
        for part in raw.split(";"):
            key, _, value = part.strip().partition("=")
            if key == name and value:
                return value
        return None


def _bearer(request: Request) -> str:
    header = request.headers.get("authorization") or ""
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("Sign in first: send `Authorization: Bearer <access token>`.", code="missing_token")
    return token.strip()


def _source_ip(request: Request) -> str:
    """The client's address. Deployed behind CloudFront, API Gateway's `sourceIp` is CloudFront's edge; the
    edge's viewer-request function then sends the viewer's IP as X-Viewer-Address, trusted only next to the
    X-Origin-Verify secret CloudFront adds (its SHA-256 is the stage's TRADEBOT_ORIGIN_VERIFY_SHA256), so a
    request sent straight to API Gateway cannot choose its own address."""
    from chalicelib.bootstrap import container

    identity = (request.context or {}).get("identity") or {}
    direct = str(identity.get("sourceIp") or "unknown")
    expected = container().settings.extra.get("TRADEBOT_ORIGIN_VERIFY_SHA256")
    viewer, proof = request.headers.get("x-viewer-address"), request.headers.get("x-origin-verify")
    if not (expected and viewer and proof):
        return direct
    digest = hashlib.sha256(str(proof).encode()).hexdigest()
    if not hmac.compare_digest(digest, expected):
        return direct
    try:
        return str(ipaddress.ip_address(str(viewer).strip()))
    except ValueError:
        return direct


def _authenticate(request: Request) -> str:
    from chalicelib.bootstrap import container

    return container().auth.authenticate(_bearer(request))


@dataclass(frozen=True)
class _Route:
    """What `endpoint` was told about one route, kept for its view."""

    status: int
    auth: bool
    body: type[BaseModel] | None
    body_required: bool
    max_body: int
    query: type[BaseModel] | None


def _documented_errors(path: str, route: _Route, errors: tuple[int, ...]) -> tuple[int, ...]:
    documented = set(errors) | {400, 415, 503}
    if route.body is not None:
        documented |= {413, 422}
    if route.query is not None:
        documented.add(422)
    if route.auth:
        documented.add(401)
    if re.findall(r"{(\w+)}", path):
        documented.add(404)
    return tuple(sorted(documented))


def _call(fn: Callable[..., Any], route: _Route, request: Request, url_params: dict[str, str]) -> Any:
    user_id = _authenticate(request) if route.auth else ""
    ctx = Ctx(request=request, user_id=user_id, source_ip=_source_ip(request))
    kwargs: dict[str, Any] = dict(url_params)
    if route.body is not None:
        kwargs["body"] = parse_body(request, route.body, max_bytes=route.max_body, required=route.body_required)
    if route.query is not None:
        kwargs["query"] = parse_query(request, route.query)
    return fn(ctx, **kwargs)


def _result_response(result: Any, status: int) -> Response:
    if isinstance(result, Response):
        return result
    if result is None:
        return Response(body="", status_code=status, headers={"Cache-Control": "no-store"})
    if isinstance(result, BaseModel):
        result = result.model_dump(mode="json")
    return json_response(result, status)


def _view(bp: Blueprint, fn: Callable[..., Any], route: _Route) -> Callable[..., Response]:
    def view(**url_params: str) -> Response:
        try:
            result = _call(fn, route, bp.current_request, url_params)
        except RequestError as exc:
            return error_response(exc.status, exc.code, exc.message, exc.details)
        except DependencyUnavailable as exc:
            # A store timed out or throttled: the caller did nothing wrong and may retry.
            logger.exception("dependency failed", extra={"operation": fn.__name__, "aws_code": exc.aws_code})
            return domain_error_response(exc)
        except DomainError as exc:
            return domain_error_response(exc)
        return _result_response(result, route.status)

    view.__name__ = fn.__name__
    return view


def _operation(path: str, method: str, route: _Route, **documentation: Any) -> openapi.Operation:
    """The route's OpenAPI operation; `operation_id` is filled in with the view function's name."""
    return openapi.Operation(
        method=method,
        path=API_PREFIX + path,
        operation_id="",
        body=route.body,
        query=route.query,
        status=route.status,
        auth=route.auth,
        **documentation,
    )


def endpoint(
    bp: Blueprint,
    path: str,
    method: str,
    *,
    summary: str,
    tags: tuple[str, ...],
    body: type[BaseModel] | None = None,
    body_required: bool = True,
    max_body: int = DEFAULT_MAX_BODY,
    query: type[BaseModel] | None = None,
    response: type[BaseModel] | None = None,
    status: int = 200,
    auth: bool = True,
    errors: tuple[int, ...] = (),
    response_content_type: str = "application/json",
    other_responses: dict[int, type[BaseModel]] | None = None,
    headers: tuple[tuple[str, str], ...] = (),
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    route = _Route(status, auth, body, body_required, max_body, query)
    operation = _operation(
        path,
        method,
        route,
        summary=summary,
        tags=tags,
        response=response,
        errors=_documented_errors(path, route, errors),
        response_content_type=response_content_type,
        other_responses=dict(other_responses or {}),
        headers=headers,
    )

    def decorate(fn: Callable[..., Any]) -> Callable[..., Any]:
        openapi.register(replace(operation, operation_id=fn.__name__))
        bp.route(path, methods=[method])(_view(bp, fn, route))
        return fn

    return decorate
