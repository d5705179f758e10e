"""Blind SSRF through the webhook URL: every internal address, in every spelling, is refused when the URL
is saved and again when a notification is sent; the connection goes to the address that was checked (with
the name as Host and TLS server name); redirects are never followed; one deadline bounds each call."""

from __future__ import annotations

import datetime
import ipaddress
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from chalicelib.adapters.webhooks import (
    UnsafeWebhookUrl,
    UrllibWebhookSender,
    WebhookFailed,
    WebhookPolicy,
    policy_from_settings,
    refusal,
)
from tests.integration.api.helpers import call, signup
from tests.webhook_receivers import dribbler, receiver

LOOPBACK_ONLY = (ipaddress.ip_network("127.0.0.1/32"),)


def _sender(policy: WebhookPolicy, deadline_s: float = 5.0, **kw: Any) -> UrllibWebhookSender:
    return UrllibWebhookSender(policy, deadline_s=deadline_s, **kw)


def _post(sender: UrllibWebhookSender, url: str) -> None:
    sender.post(url, b'{"kind":"test"}', {"Content-Type": "application/json", "X-Tradebot-Signature": "t=1,v1=x"})


# Every spelling of a loopback address a URL parser, libc or a browser might accept; `{p}` is the port of a
# live receiver on 127.0.0.1 and `{p6}` of one on ::1, so a request that got through would be seen.
LOOPBACK_FORMS = [
    "http://127.0.0.1:{p}/hook",
    "http://2130706433:{p}/hook",  # decimal
    "http://0x7f000001:{p}/hook",  # hex
    "http://0x7f.1:{p}/hook",  # hex, short form
    "http://0x7f.0x0.0x0.0x1:{p}/hook",
    "http://017700000001:{p}/hook",  # octal
    "http://0177.0.0.1:{p}/hook",
    "http://0177.0000.0000.0001:{p}/hook",
    "http://127.1:{p}/hook",  # short dotted forms
    "http://127.0.1:{p}/hook",
    "http://127.0.0.1.:{p}/hook",  # trailing dot
    "http://\uff11\uff12\uff17.\uff10.\uff10.\uff11:{p}/hook",  # full-width digits (IDNA maps them to ASCII)
    "http://0:{p}/hook",  # 0.0.0.0 reaches local listeners on Linux
    "http://0.0.0.0:{p}/hook",
    "http://localhost:{p}/hook",
    "http://LOCALHOST.:{p}/hook",
    "http://[::1]:{p6}/hook",
    "http://[0:0:0:0:0:0:0:1]:{p6}/hook",
    "http://[::ffff:127.0.0.1]:{p}/hook",  # IPv4-mapped IPv6
    "http://[::ffff:7f00:1]:{p}/hook",
    "http://[::127.0.0.1]:{p}/hook",  # IPv4-compatible IPv6
    "http://[::]:{p6}/hook",
    "http://%31%32%37.0.0.1:{p}/hook",  # percent-encoded
    "http://evil.example@127.0.0.1:{p}/hook",  # user-info tricks
    "http://127.0.0.1:{p}@evil.example/hook",
]

# Addresses no test server can listen on: refused before any connection is attempted.
INTERNAL_HOSTS = [
    "169.254.169.254",  # cloud metadata
    "[::ffff:169.254.169.254]",
    "[::ffff:a9fe:a9fe]",
    "2852039166",  # 169.254.169.254, decimal
    "0xa9fea9fe",
    "0251.0376.0251.0376",
    "169.254.43518",
    "[64:ff9b::a9fe:a9fe]",  # NAT64 of the metadata address
    "[2002:a9fe:a9fe::1]",  # 6to4 of the metadata address
    "10.0.0.1",
    "172.16.0.1",
    "172.31.255.254",
    "192.168.1.1",
    "100.64.0.1",  # CGNAT
    "100.127.255.254",
    "[fc00::1]",  # ULA
    "[fd12:3456:789a::1]",
    "[fe80::1]",  # link-local
    "[fec0::1]",
    "224.0.0.1",
    "255.255.255.255",
    "198.18.0.1",
    "192.0.0.170",
    "[ff02::1]",
    "[2001:db8::1]",
]


@pytest.fixture()
def loopback_receivers() -> Iterator[tuple[Any, Any]]:
    with receiver("127.0.0.1") as v4, receiver("::1") as v6:
        yield v4, v6


def _forms(v4: Any, v6: Any) -> Iterator[str]:
    for form in LOOPBACK_FORMS:
        yield form.format(p=v4.port, p6=v6.port)


def test_every_loopback_spelling_is_refused_before_any_connection(loopback_receivers):
    v4, v6 = loopback_receivers
    sender = _sender(WebhookPolicy(allow_http=True))  # the default policy, plain http for the local servers
    for url in _forms(v4, v6):
        with pytest.raises(UnsafeWebhookUrl):
            _post(sender, url)
    assert (v4.connections, v6.connections) == (0, 0)
    assert v4.received == [] and v6.received == []


def test_the_same_receivers_are_reachable_when_allowed(loopback_receivers):
    """The control: the refusals above are the policy's, not an unreachable test server."""
    v4, _ = loopback_receivers
    _post(_sender(WebhookPolicy(allow_http=True, allowed_networks=LOOPBACK_ONLY)), v4.url())
    assert len(v4.received) == 1


@pytest.mark.parametrize("host", INTERNAL_HOSTS)
def test_internal_addresses_are_refused_without_connecting(host, monkeypatch):
    def no_connect(*args: Any, **kwargs: Any) -> socket.socket:
        raise AssertionError(f"connected for {host}")

    monkeypatch.setattr(socket, "create_connection", no_connect)
    with pytest.raises(UnsafeWebhookUrl):
        _post(_sender(WebhookPolicy()), f"https://{host}/hook")
    with pytest.raises(UnsafeWebhookUrl):
        WebhookPolicy().check(f"https://{host}:8443/x")


def test_public_addresses_pass_the_address_check():
    for address in ("93.184.216.34", "1.1.1.1", "2606:4700:4700::1111", "::ffff:93.184.216.34"):
        assert refusal(ipaddress.ip_address(address)) is None, address
    assert WebhookPolicy().check("https://93.184.216.34/hook").addresses == ("93.184.216.34",)


def test_names_resolving_to_an_internal_address_are_refused(loopback_receivers):
    v4, _ = loopback_receivers
    answers = {
        "internal.example": ["127.0.0.1"],
        "metadata.example": ["169.254.169.254"],
        "mixed.example": ["93.184.216.34", "127.0.0.1"],  # one bad address is enough
        "mapped.example": ["::ffff:10.0.0.1"],
    }
    policy = WebhookPolicy(allow_http=True, resolver=lambda host, port: answers[host])
    for name in answers:
        with pytest.raises(UnsafeWebhookUrl):
            _post(_sender(policy), f"http://{name}:{v4.port}/hook")
    assert v4.connections == 0


def test_scheme_and_userinfo_rules():
    strict = WebhookPolicy()
    for url in (
        "http://93.184.216.34/",
        "ftp://93.184.216.34/",
        "file:///etc/passwd",
        "gopher://x.example/",
        "https://user:pw@hooks.example/",
        "https:///nohost",
        "https://hooks.example:0/",
        "https://hooks.example:99999/",
        "https://bad_name.example/",
        "https://-x.example/",
    ):
        with pytest.raises(UnsafeWebhookUrl):
            strict.check(url, resolve=False)
    assert strict.check("https://hooks.example.com:8443/a?b=1", resolve=False).path == "/a?b=1"


def test_allow_list_is_ignored_outside_local_mode():
    deployed = policy_from_settings(False, {"TRADEBOT_WEBHOOK_ALLOW_NETWORKS": "127.0.0.1/32"})
    assert deployed.allowed_networks == () and deployed.allow_http is False
    local = policy_from_settings(True, {"TRADEBOT_WEBHOOK_ALLOW_NETWORKS": "127.0.0.1/32, ::1"})
    assert [str(n) for n in local.allowed_networks] == ["127.0.0.1/32", "::1/128"]
    assert policy_from_settings(True, {}).allowed_networks == ()  # the default refuses local receivers


# --- redirects -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_a_redirect_to_an_internal_host_is_not_followed(status):
    # The receiver is allowed (127.0.0.1); it redirects to a server on 127.0.0.2, which is not.
    with receiver("127.0.0.2") as internal, receiver("127.0.0.1", status=status, location="") as hook:
        hook.location = internal.url("/latest/meta-data/")
        sender = _sender(WebhookPolicy(allow_http=True, allowed_networks=LOOPBACK_ONLY))
        with pytest.raises(WebhookFailed, match="redirects are not followed"):
            _post(sender, hook.url())
        hook.location = "http://169.254.169.254/latest/meta-data/"
        with pytest.raises(WebhookFailed, match="redirects are not followed"):
            _post(sender, hook.url())
        assert len(hook.received) == 2
        assert internal.connections == 0 and internal.received == []


# --- the checked address is the one connected to ---------------------------------------------------------


def test_the_connection_goes_to_the_checked_address_with_the_name_as_host():
    """The name is looked up once, by the policy; the socket connects to that answer. `hooks.test` does not
    resolve on this machine, so a second lookup (by http.client or urllib) would fail the request."""
    lookups: list[str] = []

    def resolver(host: str, port: int) -> list[str]:
        lookups.append(host)
        return ["127.0.0.1"]

    with receiver("127.0.0.1") as hook:
        policy = WebhookPolicy(allow_http=True, allowed_networks=LOOPBACK_ONLY, resolver=resolver)
        _post(_sender(policy), f"http://hooks.test:{hook.port}/hook?x=1")
        assert lookups == ["hooks.test"]
        assert hook.received[0].headers["Host"] == f"hooks.test:{hook.port}"
        assert hook.received[0].path == "/hook?x=1"


def test_dns_rebinding_between_save_and_send_is_refused_at_send_time():
    answers = iter([["93.184.216.34"], ["127.0.0.1"]])
    with receiver("127.0.0.1") as hook:
        policy = WebhookPolicy(allow_http=True, resolver=lambda host, port: next(answers))
        url = f"http://rebind.example:{hook.port}/hook"
        policy.check(url)  # when saved: a public address
        with pytest.raises(UnsafeWebhookUrl):
            _post(_sender(policy), url)  # when sent: now loopback
        assert hook.connections == 0


def _self_signed(tmp: Path, name: str) -> tuple[Path, Path]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp / f"{name}.pem", tmp / f"{name}.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_path, key_path


def _tls_receiver(cert: Path, key: Path) -> tuple[socket.socket, list[str | None], list[bytes]]:
    server_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_ctx.load_cert_chain(cert, key)
    names: list[str | None] = []
    requests: list[bytes] = []

    def sni(sock: Any, server_name: str | None, ctx: Any) -> None:
        names.append(server_name)

    server_ctx.sni_callback = sni
    listener = socket.create_server(("127.0.0.1", 0))

    def serve() -> None:
        while True:
            try:
                raw, _ = listener.accept()
            except OSError:
                return
            try:
                with server_ctx.wrap_socket(raw, server_side=True) as tls:
                    data = b""
                    while b"\r\n\r\n" not in data or len(data.split(b"\r\n\r\n", 1)[1]) < _length(data):
                        chunk = tls.recv(65536)
                        if not chunk:
                            break
                        data += chunk
                    requests.append(data)
                    tls.sendall(b"HTTP/1.1 204 No Content\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            except (OSError, ssl.SSLError):
                pass  # the certificate refused by the client (the second case below)

    threading.Thread(target=serve, daemon=True).start()
    return listener, names, requests


def _length(head: bytes) -> int:
    for line in head.split(b"\r\n\r\n", 1)[0].split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            return int(line.split(b":", 1)[1])
    return 0


def test_https_sends_the_name_as_sni_and_checks_the_certificate_against_it(tmp_path):
    cert, key = _self_signed(tmp_path, "hooks.test")
    listener, names, requests = _tls_receiver(cert, key)
    port = listener.getsockname()[1]
    try:
        policy = WebhookPolicy(allowed_networks=LOOPBACK_ONLY, resolver=lambda host, port: ["127.0.0.1"])
        trusting = ssl.create_default_context(cafile=str(cert))
        _post(_sender(policy, ssl_context=trusting), f"https://hooks.test:{port}/hook")
        assert names == ["hooks.test"]
        assert f"Host: hooks.test:{port}".encode() in requests[0]
        # The same address under another name: the certificate does not match, nothing is sent.
        with pytest.raises(WebhookFailed):
            _post(_sender(policy, ssl_context=trusting), f"https://other.test:{port}/hook")
        assert len(requests) == 1
    finally:
        listener.close()


# --- one overall deadline ---------------------------------------------------------------------------------


def test_a_receiver_dribbling_bytes_cannot_hold_a_call_past_the_deadline():
    # A byte every 0.2 s: every single read is quick, so a per-read timeout would never fire.
    with dribbler(interval_s=0.2) as slow:
        sender = _sender(WebhookPolicy(allow_http=True, allowed_networks=LOOPBACK_ONLY), deadline_s=1.5)
        started = time.monotonic()
        with pytest.raises(WebhookFailed, match="deadline"):
            _post(sender, slow.url())
        elapsed = time.monotonic() - started
        assert slow.requests == 1
        assert 1.4 <= elapsed < 3.0, elapsed  # the dribbled answer alone would take hours


def test_an_answer_cut_at_the_deadline_is_not_taken_for_a_success():
    """The status line arrives at once, the headers never end: cutting the socket makes http.client read
    end-of-stream as the end of the headers, and the 200 it parsed must not count as a delivery."""
    with dribbler(interval_s=0.2, payload=b"X-Slow: " + b"a" * 100_000, prefix=b"HTTP/1.1 200 OK\r\n") as slow:
        sender = _sender(WebhookPolicy(allow_http=True, allowed_networks=LOOPBACK_ONLY), deadline_s=1.0)
        with pytest.raises(WebhookFailed, match="deadline"):
            _post(sender, slow.url())


def test_a_receiver_that_never_answers_is_cut_at_the_deadline():
    listener = socket.create_server(("127.0.0.1", 0))  # accepts (kernel backlog) and never reads or answers
    try:
        sender = _sender(WebhookPolicy(allow_http=True, allowed_networks=LOOPBACK_ONLY), deadline_s=1.0)
        started = time.monotonic()
        with pytest.raises(WebhookFailed, match="deadline"):
            _post(sender, f"http://127.0.0.1:{listener.getsockname()[1]}/hook")
        assert time.monotonic() - started < 2.5
    finally:
        listener.close()


# --- through the API: refused when saved ------------------------------------------------------------------

API_REFUSED = [
    "https://127.0.0.1/hook",
    "https://127.0.0.1:9001/2018-06-01/runtime/invocation/next",  # the Lambda Runtime API
    "https://169.254.169.254/latest/meta-data/",
    "https://[::1]/hook",
    "https://[::ffff:169.254.169.254]/hook",
    "https://2130706433/hook",
    "https://0x7f.1/hook",
    "https://017700000001/hook",
    "https://10.0.0.1/hook",
    "https://100.64.0.1/hook",
    "https://[fd00::1]/hook",
    "https://localhost/hook",
    "https://user:secret@hooks.example.com/hook",
]


def test_settings_refuse_every_internal_webhook_url(api):
    user = signup(api)
    for url in API_REFUSED:
        status, body, _ = call(api, "PATCH", "/users/me/settings", {"webhook_url": url}, token=user["access_token"])
        assert status == 422, (url, body)
        assert body["error"]["code"] == "invalid_webhook_url"
        assert body["error"]["details"][0]["field"] == "webhook_url"
    status, me, _ = call(api, "GET", "/users/me", token=user["access_token"])
    assert me["webhook_url"] is None
    # A public name that does not resolve from here is accepted (it is checked again at every send).
    status, body, _ = call(
        api, "PATCH", "/users/me/settings", {"webhook_url": "https://hooks.example.com/t"}, token=user["access_token"]
    )
    assert status == 200 and body["webhook_url"] == "https://hooks.example.com/t"


def test_an_internal_url_already_stored_is_refused_at_send_time(aws):
    """A URL that passed when saved (or was stored before the check existed) is checked again when sent:
    the notification still reaches the feed, the receiver gets nothing, and the message is not retried."""
    from chalicelib import bootstrap
    from chalicelib.adapters.dynamo.notifications import DynamoNotificationStore
    from chalicelib.adapters.dynamo.users import DynamoUserRepository
    from chalicelib.adapters.dynamo.webhook_breaker import DynamoWebhookBreaker
    from chalicelib.domain.clock import ManualClock
    from chalicelib.services.notifications import NotificationService

    clock = ManualClock(1_800_000_000_000)
    users = DynamoUserRepository()
    with receiver("127.0.0.1") as hook:
        user_id = f"u-ssrf-{time.time_ns()}"
        _put_user(users, user_id, hook.url())
        c = bootstrap.Container(clock=clock)
        service = NotificationService(
            store=DynamoNotificationStore(),
            targets=c.auth,
            sender=UrllibWebhookSender(c.webhook_policy),  # the container's policy: the test default
            clock=clock,
            breaker=DynamoWebhookBreaker(clock),
        )
        outcome = service.deliver("m-1", {"user_id": user_id, "kind": "trade_opened", "message": "hi"})
        assert outcome == "refused"
        assert hook.connections == 0
        items, _ = DynamoNotificationStore().page(user_id, None, 10, False)
        assert [n.kind for n in items] == ["trade_opened"]


def _put_user(users: Any, user_id: str, url: str) -> None:
    from chalicelib.domain.users import User

    users.create(User(id=user_id, email=f"{user_id}@example.com", password_hash="x", created_at_ms=1))
    users.set_webhook(user_id, url, "whsec_test")
