from __future__ import annotations

import json
import uuid
from typing import Any

PASSWORD = "correct horse battery staple"


def call(
    api: Any, method: str, path: str, body: Any = None, token: str | None = None, headers: dict[str, str] | None = None
) -> tuple[int, Any, dict[str, str]]:
    hdrs = {"content-type": "application/json"}
    if token:
        hdrs["authorization"] = f"Bearer {token}"
    hdrs.update(headers or {})
    raw = body if isinstance(body, str | bytes) else (json.dumps(body) if body is not None else "")
    response = getattr(api, method.lower())(f"/api/v1{path}", headers=hdrs, body=raw)
    text = response.body.decode() if isinstance(response.body, bytes) else response.body
    try:
        data = json.loads(text) if text else None
    except ValueError:
        data = text
    return response.status_code, data, dict(response.headers)


def new_email() -> str:
    return f"user-{uuid.uuid4().hex[:10]}@example.com"


def signup(api: Any, email: str | None = None, password: str = PASSWORD) -> dict[str, Any]:
    email = email or new_email()
    status, body, _ = call(api, "POST", "/auth/register", {"email": email, "password": password})
    assert status == 201, body
    status, tokens, headers = call(api, "POST", "/auth/login", {"email": email, "password": password})
    assert status == 200, tokens
    return {"email": email, "password": password, "id": body["id"], **tokens, "headers": headers}
