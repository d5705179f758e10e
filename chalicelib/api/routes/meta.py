"""/health and /openapi.json."""

from __future__ import annotations

from typing import Any

from chalice.app import Blueprint, Response
from pydantic import BaseModel, ConfigDict

from chalicelib.api import openapi
from chalicelib.api.http import json_response
from chalicelib.api.routing import Ctx, endpoint
from chalicelib.bootstrap import container

bp = Blueprint(__name__)
_document: dict[str, Any] | None = None


class DependencyOut(BaseModel):
    status: str
    latency_ms: float
    error: str | None = None


class HealthOut(BaseModel):
    status: str
    stage: str
    dependencies: dict[str, DependencyOut]


@endpoint(
    bp,
    "/health",
    "GET",
    summary="Health of the API and each dependency",
    tags=("meta",),
    response=HealthOut,
    auth=False,
    errors=(503,),
    other_responses={503: HealthOut},
)
def health(ctx: Ctx) -> Response:
    deps = container().health.check()
    ok = all(d["status"] == "up" for d in deps.values())
    body = {"status": "ok" if ok else "degraded", "stage": container().settings.stage, "dependencies": deps}
    return json_response(body, 200 if ok else 503)


class OpenApiOut(BaseModel):
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
    global _document
    if _document is None:
        _document = openapi.build_document("Tradebot API", "1.0.0")
    return json_response(_document)
