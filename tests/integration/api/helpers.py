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
    """Register and sign in (an unverified account may sign in); the id comes from /users/me, since
    registration answers the same for a new and a known address and so returns no id."""
    email = email or new_email()
    status, body, _ = call(api, "POST", "/auth/register", {"email": email, "password": password})
    assert status == 202, body
    status, tokens, headers = call(api, "POST", "/auth/login", {"email": email, "password": password})
    assert status == 200, tokens
    status, me, _ = call(api, "GET", "/users/me", token=tokens["access_token"])
    assert status == 200, me
    return {"email": email, "password": password, "id": me["id"], **tokens, "headers": headers}


def outbox_link(email: str, page: str) -> str:
    """The token of the newest `<base>/<page>?token=…` link e-mailed to `email` (moto's SES: the local outbox)."""
    from infra.local.outbox import for_address

    for message in reversed(for_address(email)):
        for link in reversed(message["links"]):
            if f"/{page}?token=" in link:
                return str(link.split("?token=", 1)[1])
    raise AssertionError(f"no /{page} link e-mailed to {email}")
