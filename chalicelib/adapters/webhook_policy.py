"""The outbound webhook URL policy: no request to an internal address. Standard library only (no extra
package in the Lambda zip): `ipaddress` classifies addresses, `socket.getaddrinfo` resolves names. The sender
that applies it is webhooks.py.

The policy, in order:
1. `https://` only (`http://` too in local mode), no user-info, a valid port.
2. The host is either an IP literal in canonical form (`203.0.113.7`, `[2001:db8::1]`), or a DNS name whose
   last label is not a number. Everything a libc or browser would read as a numeric IPv4 address in another
   form (`2130706433`, `0x7f.1`, `017700000001`, `127.1`, `0177.0.0.1`) is refused before any lookup, and so
   are single-label names (`localhost`).
3. The name is resolved and *every* address must be public: not private, loopback, link-local, CGNAT
   (100.64/10), ULA (fc00::/7), multicast, reserved or unspecified, and an IPv6 address that embeds an IPv4
   address (IPv4-mapped `::ffff:a.b.c.d`, 6to4, NAT64) is judged by the IPv4 address inside it.
4. The request goes to one of those checked addresses (never through a second lookup, so DNS rebinding
   cannot swap it), with the Host header and TLS SNI/certificate check of the name.

`allowed_networks` lets tests and the local runtime post to receivers on 127.0.0.1; it is empty by default
and honoured only in local mode (see `policy_from_settings`)."""

from __future__ import annotations

import ipaddress
import re
import socket
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from chalicelib.domain.notifications import WebhookRefused

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


class WebhookFailed(Exception):
    """The delivery failed (network, status, deadline). The message never contains the URL's secrets or the
    body: only a reason fit for logs."""


class UnsafeWebhookUrl(WebhookFailed, WebhookRefused):
    """The URL is refused by the policy; `reason` is a sentence for the user."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class HostDoesNotResolve(UnsafeWebhookUrl):
    def __init__(self) -> None:
        super().__init__("The webhook host does not resolve.")


# Refused whatever `is_global` says in this Python version (older 3.11 releases miss some of these).
_BLOCKED: tuple[IPNetwork, ...] = tuple(
    ipaddress.ip_network(n)
    for n in (
        "0.0.0.0/8",  # "this network"
        "10.0.0.0/8",
        "100.64.0.0/10",  # CGNAT (RFC 6598)
        "127.0.0.0/8",
        "169.254.0.0/16",  # link-local, cloud metadata (169.254.169.254)
        "172.16.0.0/12",
        "192.0.0.0/24",  # IETF protocol assignments
        "192.0.2.0/24",  # documentation
        "192.88.99.0/24",  # 6to4 relay anycast
        "192.168.0.0/16",
        "198.18.0.0/15",  # benchmarking
        "198.51.100.0/24",
        "203.0.113.0/24",
        "224.0.0.0/4",  # multicast
        "240.0.0.0/4",  # reserved, and 255.255.255.255
        "::/128",
        "::1/128",
        "::/96",  # IPv4-compatible (deprecated)
        "64:ff9b:1::/48",  # local-use NAT64
        "100::/64",  # discard
        "2001::/23",  # IETF protocol assignments (Teredo included)
        "2001:db8::/32",  # documentation
        "fc00::/7",  # unique local (ULA)
        "fe80::/10",  # link-local
        "fec0::/10",  # site-local (deprecated)
        "ff00::/8",  # multicast
    )
)
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


def refusal(ip: IPAddress) -> str | None:
    """Why this address may not receive a webhook, or None when it is a public unicast address."""
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.scope_id:
            return "a scoped IPv6 address"
        embedded = ip.ipv4_mapped or ip.sixtofour
        if embedded is None and ip in _NAT64:
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if embedded is not None:
            inner = refusal(embedded)
            return f"an IPv6 address embedding {inner}" if inner else None
    if any(ip in net for net in _BLOCKED if net.version == ip.version):
        return "a private, loopback, link-local or reserved address"
    if (
        not ip.is_global
        or ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
    ):
        return "a non-public address"
    return None


_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
_NUMERIC_LABEL = re.compile(r"^(?:[0-9]+|0x[0-9a-f]*)$")


def _literal(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def _check_name(host: str) -> str:
    """The host as an ASCII DNS name, or UnsafeWebhookUrl. Applies the WHATWG URL rule: a host whose last
    label is a number (decimal, octal or hex) is an IPv4 address in some parser; we accept only the
    canonical dotted-quad form, which `_literal` already took."""
    try:
        ascii_host = host.encode("idna").decode("ascii").lower()
    except UnicodeError:
        raise UnsafeWebhookUrl("The webhook host is not a valid name.") from None
    name = ascii_host[:-1] if ascii_host.endswith(".") else ascii_host
    labels = name.split(".")
    if len(name) > 253 or not all(_LABEL.match(label) for label in labels):
        raise UnsafeWebhookUrl("The webhook host is not a valid name.")
    if _NUMERIC_LABEL.match(labels[-1]):
        raise UnsafeWebhookUrl("Numeric IP address forms are not accepted; use a public host name.")
    if len(labels) < 2:
        raise UnsafeWebhookUrl("The webhook host must be a fully qualified public name.")
    return name


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str  # the name (or literal) for Host, SNI and the certificate check
    port: int
    path: str  # path and query, as sent in the request line
    addresses: tuple[str, ...]  # checked, public (or allowed) addresses to connect to


def getaddrinfo_addresses(host: str, port: int) -> list[str]:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    seen: list[str] = []
    for _family, _type, _proto, _canon, sockaddr in infos:
        address = str(sockaddr[0])
        if address not in seen:
            seen.append(address)
    return seen


@dataclass(frozen=True)
class WebhookPolicy:
    allow_http: bool = False
    allowed_networks: tuple[IPNetwork, ...] = ()
    resolver: Callable[[str, int], list[str]] = field(default=getaddrinfo_addresses)

    def parse(self, url: str) -> tuple[str, str, int, str, IPAddress | None]:
        """Checks what can be checked without a lookup: (scheme, host, port, path, literal address)."""
        try:
            parts = urlsplit(url.strip())
            port = parts.port
        except ValueError:
            raise UnsafeWebhookUrl("The webhook URL is not a valid URL.") from None
        schemes = ("https", "http") if self.allow_http else ("https",)
        if parts.scheme not in schemes:
            raise UnsafeWebhookUrl("The webhook URL must be an https:// URL.")
        if parts.username is not None or parts.password is not None or "@" in parts.netloc:
            raise UnsafeWebhookUrl("The webhook URL may not contain a user name or password.")
        host = parts.hostname or ""
        if not host:
            raise UnsafeWebhookUrl("The webhook URL must be an absolute URL with a host.")
        if port == 0:
            raise UnsafeWebhookUrl("The webhook URL has an invalid port.")
        literal = _literal(host)
        if literal is not None:
            self._check_address(literal)
        else:
            host = _check_name(host)
        path = parts.path or "/"
        if parts.query:
            path += "?" + parts.query
        if any(ord(c) < 0x21 or ord(c) == 0x7F for c in path):
            raise UnsafeWebhookUrl("The webhook URL contains spaces or control characters.")
        return parts.scheme, host, port or (443 if parts.scheme == "https" else 80), path, literal

    def _check_address(self, ip: IPAddress) -> None:
        if any(ip.version == net.version and ip in net for net in self.allowed_networks):
            return
        reason = refusal(ip)
        if reason:
            raise UnsafeWebhookUrl(f"The webhook host resolves to {reason}; only public addresses are allowed.")

    def check(self, url: str, *, resolve: bool = True, timeout_s: float | None = None) -> Target:
        """The checked target. With `resolve`, the name is looked up and every address must pass; a name
        that does not resolve raises HostDoesNotResolve."""
        scheme, host, port, path, literal = self.parse(url)
        if literal is not None:
            return Target(scheme, host, port, path, (str(literal),))
        if not resolve:
            return Target(scheme, host, port, path, ())
        addresses = _within(lambda: self.resolver(host, port), timeout_s)
        if not addresses:
            raise HostDoesNotResolve()
        for address in addresses:
            ip = _literal(address)
            if ip is None:
                raise HostDoesNotResolve()
            self._check_address(ip)
        return Target(scheme, host, port, path, tuple(addresses))


def _within(fn: Callable[[], list[str]], timeout_s: float | None) -> list[str]:
    """Runs a blocking lookup with a time limit (getaddrinfo has none of its own)."""
    if timeout_s is None:
        try:
            return fn()
        except (OSError, UnicodeError):
            raise HostDoesNotResolve() from None
    result: list[list[str]] = []
    error: list[BaseException] = []

    def run() -> None:
        try:
            result.append(fn())
        except BaseException as exc:  # reported to the caller below
            error.append(exc)

    thread = threading.Thread(target=run, daemon=True, name="webhook-resolve")
    thread.start()
    thread.join(max(0.0, timeout_s))
    if thread.is_alive():
        raise WebhookFailed("webhook deadline exceeded (name lookup)")
    if error:
        if isinstance(error[0], (OSError, UnicodeError)):
            raise HostDoesNotResolve()
        raise error[0]
    return result[0]


def parse_networks(raw: str | None) -> tuple[IPNetwork, ...]:
    """`127.0.0.1/32,::1` -> networks; an invalid entry raises ValueError."""
    return tuple(ipaddress.ip_network(part.strip(), strict=False) for part in (raw or "").split(",") if part.strip())


def policy_from_settings(local_mode: bool, extra: Mapping[str, str]) -> WebhookPolicy:
    """`TRADEBOT_WEBHOOK_ALLOW_NETWORKS` (e.g. `127.0.0.1/32`) lets tests and `make run` deliver to local
    receivers; it is ignored unless in local mode, so a deployed function always refuses internal hosts."""
    allowed = parse_networks(extra.get("TRADEBOT_WEBHOOK_ALLOW_NETWORKS")) if local_mode else ()
    return WebhookPolicy(allow_http=local_mode, allowed_networks=allowed)
