"""The OpenAPI 3.1 document, generated from the operations registered through `api.routing.endpoint`
and their pydantic schemas, so the document and the validation can never disagree."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import JsonSchemaMode, models_json_schema

_REF = "#/components/schemas/{model}"


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    summary: str
    tags: tuple[str, ...]
    operation_id: str
    body: type[BaseModel] | None
    query: type[BaseModel] | None
    response: type[BaseModel] | None
    status: int
    auth: bool
    errors: tuple[int, ...]
    response_content_type: str = "application/json"
    # Statuses whose body is not the error shape (for example /health's 503 carries the health report).
    other_responses: dict[int, type[BaseModel]] = field(default_factory=dict)
    # Optional request headers: (name, description).
    headers: tuple[tuple[str, str], ...] = ()


OPERATIONS: list[Operation] = []

_ERROR_TEXT = {
    400: "Malformed request (invalid JSON, bad query).",
    401: "Missing, invalid or expired access token.",
    403: "Forbidden.",
    404: "Not found (or owned by another user).",
    409: "Conflicts with the current state.",
    413: "Body too large.",
    415: "Unsupported media type.",
    422: "Validation error.",
    429: "Too many requests; see Retry-After.",
    502: "The exchange answered unexpectedly.",
    503: "A dependency is unavailable; nothing was changed.",
}


def register(op: Operation) -> None:
    OPERATIONS.append(op)


def _error_schema() -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {
                "type": "object",
                "required": ["code", "message"],
                "properties": {
                    "code": {"type": "string"},
                    "message": {"type": "string"},
                    "details": {},
                },
            }
        },
    }


def _query_parameters(model: type[BaseModel], defs: dict[str, Any]) -> list[dict[str, Any]]:
    schema = model.model_json_schema(ref_template=_REF)
    required = set(schema.get("required", []))
    params = []
    for name, prop in schema.get("properties", {}).items():
        params.append({"name": name, "in": "query", "required": name in required, "schema": prop})
    defs.update(schema.get("$defs", {}))
    return params


def _component_schemas() -> dict[str, Any]:
    models: set[tuple[type[BaseModel], JsonSchemaMode]] = set()
    for op in OPERATIONS:
        if op.body is not None:
            models.add((op.body, "validation"))
        if op.response is not None:
            models.add((op.response, "serialization"))
        models.update((m, "serialization") for m in op.other_responses.values())
    ordered = sorted(models, key=lambda m: (m[0].__name__, m[1]))
    _, top = models_json_schema(ordered, ref_template=_REF)
    schemas: dict[str, Any] = dict(top.get("$defs", {}))
    schemas["Error"] = _error_schema()
    return schemas


def _json_content(model_name: str) -> dict[str, Any]:
    return {"application/json": {"schema": {"$ref": _REF.format(model=model_name)}}}


def _success_response(op: Operation) -> dict[str, Any]:
    if op.response is not None:
        ref = {"$ref": _REF.format(model=op.response.__name__)}
        return {"description": "OK", "content": {op.response_content_type: {"schema": ref}}}
    if op.response_content_type != "application/json":
        return {"description": "OK", "content": {op.response_content_type: {"schema": {"type": "string"}}}}
    return {"description": "No content"}


def _responses(op: Operation) -> dict[str, Any]:
    responses: dict[str, Any] = {str(op.status): _success_response(op)}
    for status in sorted(set(op.errors)):
        model = op.other_responses.get(status)
        responses[str(status)] = {
            "description": _ERROR_TEXT.get(status, "Error"),
            "content": _json_content(model.__name__ if model is not None else "Error"),
        }
    return responses


def _parameters(op: Operation, schemas: dict[str, Any]) -> list[dict[str, Any]]:
    params = [
        {"name": name, "in": "path", "required": True, "schema": {"type": "string", "minLength": 1}}
        for name in re.findall(r"{(\w+)}", op.path)
    ]
    if op.query is not None:
        params += _query_parameters(op.query, schemas)
    params += [
        {
            "name": name,
            "in": "header",
            "required": False,
            "description": text,
            "schema": {"type": "string", "maxLength": 256},
        }
        for name, text in op.headers
    ]
    return params


def _operation(op: Operation, schemas: dict[str, Any]) -> dict[str, Any]:
    operation: dict[str, Any] = {
        "operationId": op.operation_id,
        "summary": op.summary,
        "tags": list(op.tags),
        "responses": _responses(op),
    }
    params = _parameters(op, schemas)
    if params:
        operation["parameters"] = params
    if op.body is not None:
        operation["requestBody"] = {"required": True, "content": _json_content(op.body.__name__)}
    if op.auth:
        operation["security"] = [{"bearerAuth": []}]
    return operation


def build_document(title: str, version: str, server_url: str = "/") -> dict[str, Any]:
    schemas = _component_schemas()
    paths: dict[str, Any] = {}
    for op in OPERATIONS:
        # A query model's nested definitions land in `schemas` as its operation is built.
        paths.setdefault(op.path, {})[op.method.lower()] = _operation(op, schemas)
    return {
        "openapi": "3.1.0",
        "info": {"title": title, "version": version},
        "servers": [{"url": server_url}],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}},
        },
    }
