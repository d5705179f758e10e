"""GIVEN a Chalice app and a built web app WHEN both are served on one port THEN /api/... reaches Chalice,
files are served, client-side routes fall back to index.html and missing assets are 404."""

from __future__ import annotations

import http.client
import json
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from chalice import Chalice
from chalice.config import Config

from infra.local.web import create_server


def _app() -> Chalice:
    app = Chalice(app_name="lrt")

    @app.route("/api/v1/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.route("/api/v1/echo", methods=["POST"])
    def echo() -> Any:
        return app.current_request.json_body

    return app


def _serve(static_root: Path | None) -> Iterator[str]:
    server = create_server(_app(), Config.create(), "127.0.0.1", 0, static_root=static_root)
    thread = threading.Thread(target=server.server.serve_forever, daemon=True)
    thread.start()
    host, port = server.server.server_address[:2]
    yield f"http://{host}:{port}"
    server.server.shutdown()
    server.server.server_close()


@pytest.fixture()
def dist(tmp_path: Path) -> Path:
    (tmp_path / "dist" / "assets").mkdir(parents=True)
    (tmp_path / "dist" / "index.html").write_text("<!doctype html><div id=root></div>")
    (tmp_path / "dist" / "assets" / "app-1a2b.js").write_text("console.log(1)")
    (tmp_path / "secret.txt").write_text("outside the web root")
    return tmp_path / "dist"


@pytest.fixture()
def base(dist: Path) -> Iterator[str]:
    yield from _serve(dist)


def _get(url: str, method: str = "GET", data: bytes | None = None, headers: dict[str, str] | None = None) -> Any:
    request = urllib.request.Request(url, method=method, data=data, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def test_api_paths_reach_chalice(base: str) -> None:
    status, headers, body = _get(f"{base}/api/v1/health")
    assert (status, headers["Content-Type"], body) == (200, "application/json", b'{"status":"ok"}')
    status, _, body = _get(f"{base}/api/v1/echo", "POST", b'{"a": 1}', {"Content-Type": "application/json"})
    assert (status, body) == (200, b'{"a":1}')


def _error(response: Any) -> dict[str, Any]:
    status, headers, body = response
    assert headers["Content-Type"] == "application/json", headers
    error: dict[str, Any] = json.loads(body)["error"]
    assert set(error) == {"code", "message", "details"}
    return error


@pytest.mark.parametrize("method", ["GET", "POST", "DELETE", "TRACE", "PROPFIND"])
def test_an_unknown_api_path_is_a_json_404(base: str, method: str) -> None:
    # Chalice's local gateway (like API Gateway) answers 403 "Missing Authentication Token".
    for path in ("/api/v1/nope", "/api/v2/health", "/api", "/api/v1/health/extra"):
        response = _get(f"{base}{path}", method)
        assert response[0] == 404, (method, path, response)
        assert _error(response)["code"] == "not_found"


@pytest.mark.parametrize("method", ["TRACE", "CONNECT", "PROPFIND", "MKCOL", "LINK", "FOO"])
def test_a_method_no_handler_has_is_a_json_405_with_allow(base: str, method: str) -> None:
    # http.server would answer 501 with an HTML page.
    for path, allow in (("/api/v1/health", "GET"), ("/api/v1/echo?x=1", "POST"), ("/", "GET, HEAD"),
                        ("/bots/42", "GET, HEAD")):  # fmt: skip
        response = _get(f"{base}{path}", method, b'{"a": 1}', {"Content-Type": "application/json"})
        assert response[0] == 405, (method, path, response)
        assert response[1]["Allow"] == allow
        error = _error(response)
        assert error["code"] == "method_not_allowed" and error["details"] == {"allow": allow.split(", ")}


def test_options_is_a_405_unless_the_route_allows_cors(dist: Path) -> None:
    app = _app()

    @app.route("/api/v1/open", methods=["GET"], cors=True)
    def open_route() -> dict[str, str]:
        return {}

    server = create_server(app, Config.create(), "127.0.0.1", 0, static_root=dist)
    thread = threading.Thread(target=server.server.serve_forever, daemon=True)
    thread.start()
    host, port = server.server.server_address[:2]
    try:
        response = _get(f"http://{host}:{port}/api/v1/health", "OPTIONS")
        assert (response[0], response[1]["Allow"]) == (405, "GET")
        assert _get(f"http://{host}:{port}/api/v1/open", "OPTIONS")[0] == 200  # Chalice's CORS preflight
    finally:
        server.server.shutdown()
        server.server.server_close()


def test_a_405_or_404_keeps_the_connection_usable(base: str) -> None:
    host, port = base.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=5)
    connection.request("PROPFIND", "/api/v1/health", body=b"x" * 1000)
    first = connection.getresponse()
    assert (first.status, first.getheader("Allow")) == (405, "GET")
    first.read()
    connection.request("GET", "/api/v1/health")
    second = connection.getresponse()
    assert (second.status, second.read()) == (200, b'{"status":"ok"}')
    connection.request("POST", "/api/v1/nope", body=b"y" * 1000)
    third = connection.getresponse()
    assert third.status == 404
    third.read()
    connection.request("GET", "/api/v1/health")
    assert connection.getresponse().status == 200
    connection.close()


def test_files_and_spa_fallback(base: str) -> None:
    status, headers, body = _get(f"{base}/")
    assert (status, body) == (200, b"<!doctype html><div id=root></div>")
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    assert headers["Cache-Control"] == "no-cache"
    status, headers, body = _get(f"{base}/assets/app-1a2b.js")
    assert (status, body) == (200, b"console.log(1)")
    assert "javascript" in headers["Content-Type"]
    assert "immutable" in headers["Cache-Control"]
    assert _get(f"{base}/bots/42?tab=trades")[2] == b"<!doctype html><div id=root></div>"
    assert _get(f"{base}/assets/missing.js")[0] == 404
    assert _get(f"{base}/trades/v1.2", headers={"Accept": "text/html"})[0] == 200
    status, headers, body = _get(f"{base}/", "HEAD")
    assert (status, body, headers["Content-Length"]) == (200, b"", "34")


def test_no_escape_from_the_web_root(base: str) -> None:
    for path in ("/../secret.txt", "/%2e%2e/secret.txt", "/assets/../../secret.txt"):
        assert b"outside" not in _get(base + path)[2]


def test_without_a_built_web_app_everything_goes_to_chalice(tmp_path: Path) -> None:
    for base in _serve(tmp_path / "not-built"):
        assert _get(f"{base}/api/v1/health")[0] == 200
        assert _get(f"{base}/")[0] == 404
        assert _get(f"{base}/", "TRACE")[0] == 404


def test_the_local_outbox_is_served_only_when_the_runtime_gives_one(dist: Path) -> None:
    mail = {
        "id": "m1",
        "from": "no-reply@tradebot-dev.example.com",
        "to": ["a@example.com"],
        "subject": "Reset <your> password",
        "text": "Open http://127.0.0.1:8000/reset?token=abc within 30 minutes",
        "links": ["http://127.0.0.1:8000/reset?token=abc"],
    }
    server = create_server(_app(), Config.create(), "127.0.0.1", 0, static_root=dist, outbox=lambda: [mail])
    thread = threading.Thread(target=server.server.serve_forever, daemon=True)
    thread.start()
    host, port = server.server.server_address[:2]
    try:
        status, headers, body = _get(f"http://{host}:{port}/local/outbox.json")
        assert status == 200 and headers["Content-Type"] == "application/json"
        assert json.loads(body) == {"items": [mail]}
        status, headers, body = _get(f"http://{host}:{port}/local/outbox")
        assert status == 200 and headers["Content-Type"].startswith("text/html")
        assert b"Reset &lt;your&gt; password" in body
        assert b'<a href="http://127.0.0.1:8000/reset?token=abc">' in body
    finally:
        server.server.shutdown()
        server.server.server_close()
    # Without an outbox (the default, and never in the deployed app) the path is the SPA's like any other.
    for base in _serve(dist):
        status, _, body = _get(f"{base}/local/outbox.json")
        assert b"reset?token" not in body
