"""One HTTP port for the API and the web app: Chalice's own local server (its API Gateway emulation,
authorizers, CORS and thread-local requests) for `/api` and `/api/...`, the built SPA (`frontend/dist`) for
every other GET/HEAD, with index.html for client-side routes.

What API Gateway and http.server would answer in the error format `{"error": {"code", "message",
"details"}}` instead: a path under /api that no route has is a 404 (not Chalice's 403 "Missing
Authentication Token"), and a method no handler has (TRACE, CONNECT, PROPFIND...) is a 405 with `Allow`
(not http.server's 501 HTML page)."""

from __future__ import annotations

import functools
import json
import mimetypes
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from chalice import Chalice
from chalice.config import Config
from chalice.local import ChaliceRequestHandler, CustomLocalChalice, LocalChalice, LocalDevServer, RouteMatcher

API_PREFIX = "/api"
# What http.server dispatches to a do_<METHOD> of the handler; any other method answers 405.
HANDLED_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
STATIC_METHODS = ("GET", "HEAD")
OUTBOX_PATHS = ("/local/outbox", "/local/outbox.json")


def is_api_path(path: str) -> bool:
    return path == API_PREFIX or path.startswith(API_PREFIX + "/")


class SpaRequestHandler(ChaliceRequestHandler):
    """Chalice's request handler, with static files and SPA fallback in front of it."""

    # The response goes out in several small writes (status, headers, body): with Nagle's algorithm on,
    # a keep-alive client's delayed ACK adds ~40 ms to every request.
    disable_nagle_algorithm = True

    def __init__(
        self,
        *args: Any,
        static_root: Path | None = None,
        outbox: Callable[[], list[dict[str, Any]]] | None = None,
        **kwargs: Any,
    ) -> None:
        self.static_root = static_root
        self.outbox = outbox
        # Set before super().__init__, which handles the request.
        app = kwargs.get("app_object")
        self._routes: dict[str, dict[str, Any]] = dict(getattr(app, "routes", {}) or {})
        self._matcher = RouteMatcher(list(self._routes))
        super().__init__(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        # http.server answers 501 (an HTML page) for a method without a do_<METHOD>: every such method is
        # one that no route has.
        if name.startswith("do_") and name[3:].isupper():
            return self._method_not_allowed
        raise AttributeError(name)

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        # The access line names the path, and a signal webhook's path holds its secret: show the route only.
        line = self.requestline
        if "/signals/" in line:
            line = re.sub(r"/signals/[^\s?]+", "/signals/{token}", line)
        self.log_message('"%s" %s %s', line, str(code), str(size))

    def _generic_handle(self) -> None:
        path = unquote(urlsplit(self.path).path)
        try:
            if self.outbox is not None and self.command in STATIC_METHODS and path in OUTBOX_PATHS:
                self._serve_outbox(path)
            elif self.static_root is not None and self.command in STATIC_METHODS and not is_api_path(path):
                self._serve_static(path)
            elif (is_api_path(path) or self.static_root is None) and self._route_for(self.path) is None:
                self._not_found()
            elif self.command == "OPTIONS" and not self._answers_options():
                self._method_not_allowed()
            else:
                super()._generic_handle()
        except (BrokenPipeError, ConnectionResetError):
            # The browser went away mid-response (it left the page); nothing is owed to it.
            self.close_connection = True

    do_GET = do_PUT = do_POST = do_HEAD = do_DELETE = do_PATCH = do_OPTIONS = _generic_handle

    def _route_for(self, raw_path: str) -> str | None:
        try:
            return str(self._matcher.match_route(raw_path).route)
        except ValueError:
            return None

    def _answers_options(self) -> bool:
        """API Gateway has an OPTIONS method on a path only when a route defines one or allows CORS (Chalice
        then adds the preflight); Chalice's local gateway answers 200 to OPTIONS on every route."""
        route = self._route_for(self.path)
        if route is None:
            return True
        entries = self._routes[route]
        return "OPTIONS" in entries or any(getattr(entry, "cors", None) for entry in entries.values())

    def _allowed(self) -> list[str]:
        """The methods the request's path supports: its route's, or GET and HEAD for the web app's files."""
        path = unquote(urlsplit(self.path).path)
        route = self._route_for(self.path)
        if route is not None:
            return sorted(self._routes[route])
        if self.static_root is not None and not is_api_path(path):
            return list(STATIC_METHODS)
        return []

    def _drain_body(self) -> None:
        """Read a body we answer without looking at, so a keep-alive connection stays in step."""
        # One handler serves every request of a keep-alive connection: remember which request was drained.
        if getattr(self, "_drained_headers", None) is self.headers:
            return
        self._drained_headers = self.headers
        length = self.headers.get("Content-Length")
        if length and length.isdigit():
            self.rfile.read(int(length))

    def _method_not_allowed(self) -> None:
        self._drain_body()
        allowed = self._allowed()
        path = unquote(urlsplit(self.path).path)
        if not allowed and (is_api_path(path) or self.static_root is None):
            self._not_found()
            return
        message = f"{self.command} is not allowed here; use {', '.join(allowed)}."
        self._send_error(405, "method_not_allowed", message, {"allow": allowed}, {"Allow": ", ".join(allowed)})

    def _not_found(self) -> None:
        self._drain_body()
        self._send_error(404, "not_found", "No such API route.", {"path": urlsplit(self.path).path[:200]})

    def _send_error(
        self, status: int, code: str, message: str, details: Any, headers: dict[str, str] | None = None
    ) -> None:
        body = json.dumps({"error": {"code": code, "message": message, "details": details}}).encode()
        all_headers = {
            "Content-Type": "application/json",
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
            **(headers or {}),
        }
        try:
            self._send_http_response(status, all_headers, body)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def _serve_outbox(self, path: str) -> None:
        """The local outbox (infra/local/outbox.py): what the app e-mailed, links included. Local mode only."""
        from infra.local import outbox

        assert self.outbox is not None
        items = self.outbox()
        if path.endswith(".json"):
            body, content_type = json.dumps({"items": items}).encode(), "application/json"
        else:
            body, content_type = outbox.page(items), "text/html; charset=utf-8"
        self._send_http_response(200, {"Content-Type": content_type, "Cache-Control": "no-store"}, body)

    def _serve_static(self, path: str) -> None:
        assert self.static_root is not None
        target = self._resolve(path)
        if target is None:
            body = b"Not found"
            self._send_http_response(404, {"Content-Type": "text/plain; charset=utf-8"}, body)
            return
        body = target.read_bytes()
        content_type = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
        if content_type.startswith("text/") or content_type in ("application/javascript", "application/json"):
            content_type += "; charset=utf-8"
        # Vite fingerprints everything under assets/; index.html must be re-read to pick up a new build.
        cache = "public, max-age=31536000, immutable" if "/assets/" in path else "no-cache"
        headers = {"Content-Type": content_type, "Cache-Control": cache}
        if self.command == "HEAD":
            headers["Content-Length"] = str(len(body))
            self.send_response(200)
            self._send_headers(headers)
        else:
            self._send_http_response(200, headers, body)

    def _resolve(self, path: str) -> Path | None:
        """The file for `path`; index.html for a client-side route; None for a missing asset."""
        assert self.static_root is not None
        root = self.static_root.resolve()
        candidate = (root / path.lstrip("/")).resolve()
        if candidate.is_relative_to(root):
            if candidate.is_dir():
                candidate = candidate / "index.html"
            if candidate.is_file():
                return candidate
        last_segment = path.rsplit("/", 1)[-1]
        wants_html = "text/html" in (self.headers.get("Accept") or "")
        # /bots/42 is a route of the SPA; /assets/missing.js is a missing file, unless a browser navigates.
        if "." not in last_segment or wants_html:
            index = root / "index.html"
            return index if index.is_file() else None
        return None


def create_server(
    app: Chalice,
    config: Config,
    host: str,
    port: int,
    static_root: Path | None = None,
    outbox: Callable[[], list[dict[str, Any]]] | None = None,
) -> LocalDevServer:
    """chalice.local.create_local_server, with the SPA handler. `static_root` that does not exist (the web
    app not built yet) leaves every path to Chalice. Port 0 picks a free port: see `server.server_address`."""
    # What create_local_server does: a thread-local current_request, since requests run concurrently.
    if not isinstance(app, LocalChalice):
        CustomLocalChalice.__bases__ = (LocalChalice, app.__class__)
        app.__class__ = CustomLocalChalice
    root = static_root if static_root is not None and static_root.is_dir() else None
    handler = functools.partial(SpaRequestHandler, static_root=root, outbox=outbox)
    return LocalDevServer(app, config, host, port, handler_cls=handler)
