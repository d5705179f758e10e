"""Webhook receivers on local addresses for the SSRF, deadline and isolation tests: each records what reached
it, and answers with a status, a redirect, or a response dribbled one byte at a time."""

from __future__ import annotations

import socket
import socketserver
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    at: float


@dataclass
class Receiver:
    host: str
    port: int
    status: int = 200
    location: str | None = None
    received: list[Received] = field(default_factory=list)
    connections: int = 0

    def url(self, path: str = "/hook", host: str | None = None) -> str:
        shown = host or (f"[{self.host}]" if ":" in self.host else self.host)
        return f"http://{shown}:{self.port}{path}"


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], receiver: Receiver, family: int) -> None:
        self.address_family = family
        self.receiver = receiver
        super().__init__(address, _Handler)

    def verify_request(self, request: Any, client_address: Any) -> bool:
        self.receiver.connections += 1
        return True


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        r = self.server.receiver
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        r.received.append(Received(self.path, dict(self.headers.items()), body, time.monotonic()))
        self.send_response(r.status)
        if r.location:
            self.send_header("Location", r.location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_GET = do_POST  # noqa: N815

    def log_message(self, *args: Any) -> None:
        pass


@contextmanager
def receiver(host: str = "127.0.0.1", status: int = 200, location: str | None = None) -> Iterator[Receiver]:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    rec = Receiver(host, 0, status, location)
    server = _Server((host, 0), rec, family)
    rec.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield rec
    finally:
        server.shutdown()
        server.server_close()


@dataclass
class Dribbler:
    port: int
    interval_s: float
    requests: int = 0
    first_request_at: list[float] = field(default_factory=list)
    closed_at: list[float] = field(default_factory=list)

    def url(self, path: str = "/hook") -> str:
        return f"http://127.0.0.1:{self.port}{path}"


@contextmanager
def dribbler(interval_s: float = 0.2, payload: bytes | None = None, prefix: bytes = b"") -> Iterator[Dribbler]:
    """Reads the request, sends `prefix` at once, then a valid-looking response one byte every `interval_s`
    (each read succeeds long before any per-operation timeout) and never finishes the header block."""
    data = payload or b"HTTP/1.1 200 OK\r\n" + b"X-Slow: " + b"a" * 100_000
    d = Dribbler(0, interval_s)

    class Handler(socketserver.BaseRequestHandler):
        def handle(self) -> None:
            d.requests += 1
            d.first_request_at.append(time.monotonic())
            self.request.settimeout(30)
            try:
                self.request.recv(65536)
                self.request.sendall(prefix)
                for i in range(len(data)):
                    self.request.sendall(data[i : i + 1])
                    time.sleep(d.interval_s)
            except OSError:
                pass
            d.closed_at.append(time.monotonic())

    class Server(socketserver.ThreadingTCPServer):
        daemon_threads = True
        allow_reuse_address = True

    server = Server(("127.0.0.1", 0), Handler)
    d.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield d
    finally:
        server.shutdown()
        server.server_close()


def allow_loopback_webhooks(container: Any, networks: str = "127.0.0.1/32", **env: str) -> Any:
    """What `TRADEBOT_WEBHOOK_ALLOW_NETWORKS=127.0.0.1/32` does in local mode, for one test: a container like
    `container` (same clocks, same adapters) built with that setting, installed and returned. Receivers on
    127.0.0.1 become reachable; without it (the default) they are refused like any internal host."""
    import os

    from chalicelib import bootstrap
    from chalicelib.config import load_settings

    cfg = load_settings({**os.environ, "TRADEBOT_WEBHOOK_ALLOW_NETWORKS": networks, **env})
    replacement = bootstrap.Container(cfg, container.clock, container.wall_clock, ports=container.ports)
    bootstrap.use(replacement)
    return replacement
