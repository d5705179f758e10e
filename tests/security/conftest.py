"""The real API served over HTTP on 127.0.0.1 (Chalice's local server, the one `make run` uses) against the
session's in-process moto stack, and helpers to register/sign in through it."""

from __future__ import annotations

import os
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
import requests

from tests.conftest import REPO
from tests.integration.bots.conftest import platform  # noqa: F401  (the moto platform fixture, shared)

PASSWORD = "fuzz-Pa55word-correct-horse"


@dataclass
class LiveApi:
    base_url: str
    session: requests.Session

    def url(self, path: str) -> str:
        return f"{self.base_url}/api/v1{path}"

    def signup(self, password: str = PASSWORD) -> dict[str, Any]:
        email = f"live-{uuid.uuid4().hex[:10]}@example.com"
        r = self.session.post(self.url("/auth/register"), json={"email": email, "password": password}, timeout=30)
        assert r.status_code == 202, r.text
        r = self.session.post(self.url("/auth/login"), json={"email": email, "password": password}, timeout=30)
        assert r.status_code == 200, r.text
        tokens = r.json()
        me = self.session.get(
            self.url("/users/me"), headers={"Authorization": f"Bearer {tokens['access_token']}"}, timeout=30
        )
        assert me.status_code == 200, me.text
        return {"email": email, "password": password, "id": me.json()["id"], **tokens}


def clear_login_counters() -> None:
    """Fuzzed sign-ins count against 127.0.0.1, the address every in-process client uses: forget them so
    later tests are not throttled by this one."""
    table = boto3.resource("dynamodb", region_name="us-east-1").Table("tradebot-test-rate-limits")
    kwargs: dict[str, Any] = {"ProjectionExpression": "pk"}
    while True:
        page = table.scan(**kwargs)
        with table.batch_writer() as batch:
            for item in page.get("Items", []):
                if str(item["pk"]).startswith("login#"):
                    batch.delete_item(Key={"pk": item["pk"]})
        if "LastEvaluatedKey" not in page:
            return
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


@pytest.fixture(scope="module")
def live_api(aws: dict[str, str]) -> Iterator[LiveApi]:
    from app import app
    from chalicelib import bootstrap
    from infra.local.runtime import _chalice_config
    from infra.local.web import create_server

    bootstrap.use(None)
    os.environ["STAGE"] = "test"
    server = create_server(app, _chalice_config(REPO, "dev"), "127.0.0.1", 0)
    host, port = server.server.server_address[:2]
    thread = threading.Thread(target=server.serve_forever, name="live-api", daemon=True)
    thread.start()
    session = requests.Session()
    try:
        yield LiveApi(f"http://{host}:{port}", session)
    finally:
        server.shutdown()
        server.server.server_close()
        thread.join(timeout=10)
        session.close()
        clear_login_counters()
        bootstrap.use(None)
