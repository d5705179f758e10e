"""/health and /openapi.json."""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from chalice.app import Blueprint, Response
from pydantic import ConfigDict

from chalicelib.api import openapi
from chalicelib.api.http import json_response
from chalicelib.api.routing import Ctx, endpoint
from chalicelib.api.validation import ApiModel
from chalicelib.bootstrap import container
from chalicelib.domain.errors import Unauthorized

bp = Blueprint(__name__)
_document: dict[str, Any] | None = None


class DependencyOut(ApiModel):
    status: str
    latency_ms: float
    error: str | None = None


class HealthOut(ApiModel):
    status: str
    stage: str
    dependencies: dict[str, DependencyOut]


OPERATOR_TOKEN_HEADER = "X-Operator-Token"
OPERATOR_TOKEN_SETTING = "TRADEBOT_OPERATOR_TOKEN_SHA256"


def _is_operator(ctx: Ctx) -> bool:
    """An operator sends the token whose SHA-256 (hex) is the stage's TRADEBOT_OPERATOR_TOKEN_SHA256; the
    function's environment holds only the hash. No header: an anonymous caller. A wrong token, or a token
    on a stage without the setting: 401."""
    given = ctx.header(OPERATOR_TOKEN_HEADER)
    if given is None:
        return False
    expected = container().settings.extra.get(OPERATOR_TOKEN_SETTING, "").strip().lower()
    digest = hashlib.sha256(given.encode()).hexdigest()
    if not expected or not hmac.compare_digest(digest, expected):
        raise Unauthorized("The operator token is not valid.", code="invalid_operator_token")
    return True


@endpoint(
    bp,
    "/health",
    "GET",
    summary="Liveness; with the operator token (X-Operator-Token), the health of each dependency",
    tags=("meta",),
    response=HealthOut,
    auth=False,
    errors=(401, 503),
    other_responses={503: HealthOut},
    headers=((OPERATOR_TOKEN_HEADER, "The operator token: adds each dependency's health (401 when wrong)"),),
)
def health(ctx: Ctx) -> Response:
    if not _is_operator(ctx):
        # Anyone may call this, so it costs nothing: no AWS call, no detail.
        return json_response({"status": "ok", "stage": container().settings.stage, "dependencies": {}})
    deps = container().health.check()
    ok = all(d["status"] == "up" for d in deps.values())
    body = {"status": "ok" if ok else "degraded", "stage": container().settings.stage, "dependencies": deps}
    return json_response(body, 200 if ok else 503)


class OpenApiOut(ApiModel):
    model_config = ConfigDict(extra="allow")
    openapi: str


@endpoint(
    bp,
    "/openapi.json",
    "GET",
    summary="This API's OpenAPI 3.1 document",
    tags=("meta",),
    response=OpenApiOut,
    auth=False,
)
def openapi_document(ctx: Ctx) -> Response:
    return json_response(openapi_document_body())


def openapi_document_body() -> dict[str, Any]:
    global _document
    if _document is None:
        _document = openapi.build_document("Tradebot API", "1.0.0")
    return _document
