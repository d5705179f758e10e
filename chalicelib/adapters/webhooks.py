"""Outbound webhooks: a sender that connects only to the address the URL policy (webhook_policy.py) checked,
follows no redirect and gives up at one overall deadline. Standard library only (no extra package in the
Lambda zip): `http.client` sends the request."""

from __future__ import annotations

import contextlib
import http.client
import socket
import ssl
import threading
import time
from typing import Any

# The policy's names stay importable from here: callers think of "the webhooks adapter".
from chalicelib.adapters.webhook_policy import (
    HostDoesNotResolve,
    Target,
    UnsafeWebhookUrl,
    WebhookFailed,
    WebhookPolicy,
    parse_networks,
    policy_from_settings,
    refusal,
)


class _PinnedMixin:
    """Connects to one checked address instead of looking the host up again; everything else (Host
    header, TLS server name and certificate check against the name) stays http.client's own."""

    _pinned: str
    raw_socket: socket.socket | None

    def _pin(self, address: str) -> None:
        self._pinned = address
        self.raw_socket = None
        self._create_connection = self._connect_pinned

    def _connect_pinned(
        self, address: tuple[str, int], timeout: float | None = None, source_address: Any = None
    ) -> socket.socket:
        sock = socket.create_connection((self._pinned, address[1]), timeout, source_address)
        self.raw_socket = sock
        return sock


class _PinnedHTTPConnection(_PinnedMixin, http.client.HTTPConnection):
    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self._pin(address)


class _PinnedHTTPSConnection(_PinnedMixin, http.client.HTTPSConnection):
    def __init__(self, host: str, port: int, address: str, timeout: float, context: ssl.SSLContext) -> None:
        super().__init__(host, port, timeout=timeout, context=context)
        self._pin(address)


class UrllibWebhookSender:
    """POSTs a webhook under one overall deadline. The URL is checked again here (the setting was checked
    when saved, but a name can resolve elsewhere by now). A 3xx answer is a failure: redirects are never
    followed, so the signed body and signature go only to the checked host."""

    def __init__(
        self,
        policy: WebhookPolicy | None = None,
        deadline_s: float = 5.0,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self._policy = policy or WebhookPolicy()
        self._deadline_s = deadline_s
        self._ssl = ssl_context or ssl.create_default_context()

    def post(self, url: str, body: bytes, headers: dict[str, str]) -> None:
        deadline = time.monotonic() + self._deadline_s
        target = self._policy.check(url, timeout_s=self._deadline_s)
        last: WebhookFailed | None = None
        for address in target.addresses:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            try:
                status = self._send(target, address, body, headers, deadline)
            except _Unreachable as exc:
                last = WebhookFailed(f"webhook unreachable: {exc}")
                continue
            if 300 <= status < 400:
                raise WebhookFailed(f"webhook answered {status}; redirects are not followed")
            if not 200 <= status < 300:
                raise WebhookFailed(f"webhook answered {status}")
            return
        raise last or WebhookFailed("webhook deadline exceeded")

    def _send(self, target: Target, address: str, body: bytes, headers: dict[str, str], deadline: float) -> int:
        remaining = max(0.001, deadline - time.monotonic())
        conn = self._connection(target, address, remaining)
        expired = threading.Event()
        watchdog = _watchdog(conn, expired, remaining)
        connected = False
        try:
            conn.connect()
            connected = True
            conn.request("POST", target.path, body=body, headers=headers)
            response = conn.getresponse()
            if expired.is_set():
                # The cut socket reads as end-of-stream, and http.client takes a status line and headers cut
                # short for a whole answer: whatever it parsed after the deadline does not count.
                raise WebhookFailed("webhook deadline exceeded")
            return int(response.status)
        except (OSError, http.client.HTTPException) as exc:
            raise _failure(exc, expired.is_set() or time.monotonic() >= deadline, connected) from None
        finally:
            watchdog.cancel()
            conn.close()

    def _connection(
        self, target: Target, address: str, timeout: float
    ) -> _PinnedHTTPConnection | _PinnedHTTPSConnection:
        if target.scheme == "https":
            return _PinnedHTTPSConnection(target.host, target.port, address, timeout, self._ssl)
        return _PinnedHTTPConnection(target.host, target.port, address, timeout)


def _watchdog(conn: _PinnedMixin, expired: threading.Event, after_s: float) -> threading.Timer:
    """Per-operation socket timeouts do not bound a receiver that dribbles a byte at a time; at the deadline
    the socket is shut down, which ends whatever read or write is blocked on it."""

    def cut() -> None:
        expired.set()
        sock = conn.raw_socket
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    watchdog = threading.Timer(after_s, cut)
    watchdog.daemon = True
    watchdog.start()
    return watchdog


def _failure(exc: BaseException, past_deadline: bool, connected: bool) -> Exception:
    if past_deadline:
        return WebhookFailed("webhook deadline exceeded")
    if not connected and not isinstance(exc, ssl.SSLError):
        # Connecting to this address failed: the next checked address may still work.
        return _Unreachable(type(exc).__name__)
    return WebhookFailed(f"webhook unreachable: {type(exc).__name__}")


class _Unreachable(Exception):
    """Connecting to one address failed; the next checked address may still work."""


__all__ = [
    "HostDoesNotResolve",
    "UnsafeWebhookUrl",
    "UrllibWebhookSender",
    "WebhookFailed",
    "WebhookPolicy",
    "parse_networks",
    "policy_from_settings",
    "refusal",
]
