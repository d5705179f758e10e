"""Hand-written hostile inputs over HTTP to the real local server: malformed JSON, huge bodies, wrong
content types, unicode edge cases and deep nesting. Every answer is a 4xx in the one JSON error format
{"error": {"code", "message", "details"}}, never a 5xx, never an HTML or Chalice-shaped error."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.security.conftest import LiveApi


@pytest.fixture(scope="module")
def owner(live_api: LiveApi) -> dict[str, Any]:
    user = live_api.signup()
    user["auth"] = {"Authorization": f"Bearer {user['access_token']}"}
    body = {
        "name": "target",
        "strategy": "sma_cross",
        "params": {"fast": 2, "slow": 5},
        "symbol": "BTCUSDT",
        "interval": "1m",
        "mode": "paper",
        "budget": "1000",
        "risk": {},
    }
    r = live_api.session.post(live_api.url("/bots"), json=body, headers=user["auth"], timeout=30)
    assert r.status_code == 201, r.text
    user["bot_id"] = r.json()["id"]
    return user


def assert_error(response: Any, statuses: set[int], code: str | None = None) -> dict[str, Any]:
    assert response.status_code in statuses, (response.status_code, response.text[:500])
    assert response.headers["Content-Type"].startswith("application/json"), response.headers
    body = response.json()
    assert set(body) == {"error"}, body
    error = body["error"]
    assert isinstance(error["code"], str) and error["code"]
    assert isinstance(error["message"], str) and error["message"]
    assert "Traceback" not in response.text and 'File "' not in response.text
    if code is not None:
        assert error["code"] == code, error
    return error


# (method, path template, needs auth)
TARGETS = [
    ("POST", "/auth/register", False),
    ("POST", "/auth/login", False),
    ("POST", "/auth/verify-email", False),
    ("POST", "/auth/resend-verification", False),
    ("POST", "/auth/forgot-password", False),
    ("POST", "/auth/reset-password", False),
    ("POST", "/bots", True),
    ("PATCH", "/bots/{bot_id}", True),
    ("POST", "/api-keys", True),
    ("PATCH", "/users/me/settings", True),
]


def _send(
    live_api: LiveApi,
    owner: dict[str, Any],
    target: tuple[str, str, bool],
    data: bytes | str,
    ctype: str,
    extra: dict[str, str] | None = None,
) -> Any:
    method, path, auth = target
    headers = {"Content-Type": ctype, **(owner["auth"] if auth else {}), **(extra or {})}
    return live_api.session.request(
        method, live_api.url(path.format(bot_id=owner["bot_id"])), data=data, headers=headers, timeout=60
    )


MALFORMED_JSON = [
    b"{",
    b'{"email": "a@b.c",',
    b"{'single': 'quotes'}",
    b'{"a": 1}}',
    b'{"a": NaN}x',
    b"\x00\x01\x02",
    b"\xff\xfe\xfd",  # not UTF-8 at all
    b'{"a": "\xc0\xaf"}',  # overlong UTF-8
    b"[1, 2, 3",
    b'{"a": tru}',
]


@pytest.mark.parametrize("target", TARGETS, ids=lambda t: f"{t[0]} {t[1]}")
@pytest.mark.parametrize("raw", MALFORMED_JSON, ids=range(len(MALFORMED_JSON)))
def test_malformed_json_is_a_400_json_error(live_api: LiveApi, owner: dict[str, Any], target: Any, raw: bytes) -> None:
    assert_error(_send(live_api, owner, target, raw, "application/json"), {400}, "invalid_json")


@pytest.mark.parametrize("raw", [b"[]", b'"just a string"', b"42", b"null", b"true"])
def test_json_that_is_not_an_object_is_a_400(live_api: LiveApi, owner: dict[str, Any], raw: bytes) -> None:
    assert_error(_send(live_api, owner, TARGETS[2], raw, "application/json"), {400}, "invalid_json")


@pytest.mark.parametrize("target", TARGETS, ids=lambda t: f"{t[0]} {t[1]}")
def test_huge_body_is_a_413(live_api: LiveApi, owner: dict[str, Any], target: Any) -> None:
    huge = json.dumps({"name": "x" * (1024 * 1024), "email": "a@b.cd", "password": "y" * 20})
    assert_error(_send(live_api, owner, target, huge, "application/json"), {413}, "payload_too_large")


@pytest.mark.parametrize("target", TARGETS, ids=lambda t: f"{t[0]} {t[1]}")
@pytest.mark.parametrize(
    "ctype",
    [
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "application/xml",
        "image/png",
        "text/html; charset=utf-8",
    ],
)
def test_wrong_content_type_is_a_415_json_error(
    live_api: LiveApi, owner: dict[str, Any], target: Any, ctype: str
) -> None:
    response = _send(live_api, owner, target, '{"email": "a@b.cd"}', ctype)
    assert_error(response, {415}, "unsupported_media_type")


DEEP = 5000


@pytest.mark.parametrize("target", TARGETS, ids=lambda t: f"{t[0]} {t[1]}")
@pytest.mark.parametrize(
    "raw",
    [
        "[" * DEEP + "]" * DEEP,
        '{"a":' * DEEP + "1" + "}" * DEEP,
        '{"params": ' + '{"a":' * 40 + "1" + "}" * 40 + "}",  # deeper than the limit, small
        '{"x": ' + "[" * 100_000 + "]" * 100_000 + "}",  # beyond Python's recursion limit
    ],
    ids=["deep-list", "deep-object", "params-40", "recursion-bomb"],
)
def test_deep_nesting_is_a_400(live_api: LiveApi, owner: dict[str, Any], target: Any, raw: str) -> None:
    response = _send(live_api, owner, target, raw, "application/json")
    assert_error(response, {400, 413}, None)


UNICODE_VALUES = [
    "\ud800",  # lone surrogate (as a JSON escape below)
    "\udfff\ud800",
    "\u0000",
    "a\u0000b",
    "\u202e\u202dRTL override",
    "\ufeffBOM",
    "\U0001f4a9" * 40,
    "e\u0301" * 30,  # combining marks
    "\u200b\u200c\u200d",  # zero-width
    "\uffff\ufffe",
    "𝔘𝔫𝔦𝔠𝔬𝔡𝔢",
    "\x7f\x1b[31mansi",
]


@pytest.mark.parametrize("value", UNICODE_VALUES, ids=range(len(UNICODE_VALUES)))
def test_unicode_edge_cases_never_500(live_api: LiveApi, owner: dict[str, Any], value: str) -> None:
    # ensure_ascii keeps lone surrogates as \\udXXX escapes: valid JSON text, invalid as UTF-8 once decoded.
    cases = [
        (TARGETS[0], {"email": f"{value}@example.com", "password": value * 3 + "long-enough-password"}),
        (TARGETS[1], {"email": f"{value}@example.com", "password": value}),
        (
            TARGETS[2],
            {
                "name": value,
                "strategy": value,
                "params": {value: value},
                "symbol": value,
                "interval": "1m",
                "mode": "paper",
                "budget": "1000",
                "risk": {},
            },
        ),
        (
            TARGETS[2],
            {
                "name": value,
                "strategy": "sma_cross",
                "params": {"fast": 2, "slow": 5},
                "symbol": "BTCUSDT",
                "interval": "1m",
                "mode": "paper",
                "budget": "1000",
                "risk": {},
            },
        ),
        (TARGETS[3], {"name": value}),
        (TARGETS[4], {"label": value, "api_key": value, "api_secret": value}),
    ]
    for target, body in cases:
        response = _send(live_api, owner, target, json.dumps(body), "application/json")
        assert response.status_code < 500, (target, body, response.text[:300])
        if response.status_code >= 400:
            assert_error(response, {response.status_code})
        else:
            response.json()  # a 2xx answer is JSON too


@pytest.mark.parametrize(
    "query",
    [
        "symbol=%F0%9F%92%A9",
        "symbol=%ZZ",
        "symbol=%C0%AF",
        "symbol=%00",
        "symbol=" + "A" * 5000,
        "limit=1e309",
        "limit=-0",
        "limit=%EF%BC%91",
        "interval=%E2%80%AE1m",
        "symbol=BTCUSDT&symbol=ETHUSDT",
    ],
)
def test_hostile_query_strings_never_500(live_api: LiveApi, owner: dict[str, Any], query: str) -> None:
    response = live_api.session.get(live_api.url(f"/market/candles?{query}"), headers=owner["auth"], timeout=30)
    assert response.status_code < 500, response.text[:300]
    if response.status_code >= 400:
        assert_error(response, {400, 404, 422})


@pytest.mark.parametrize(
    "path",
    [
        "/bots/%00",
        "/bots/%F0%9F%92%A9",
        "/bots/..%2F..%2Fusers",
        "/bots/" + "a" * 3000,
        "/bots/%ZZ",
        "/notifications/%00/read",
        "/api-keys/%C0%AF",
    ],
)
def test_hostile_path_ids_are_404_or_4xx(live_api: LiveApi, owner: dict[str, Any], path: str) -> None:
    method = "POST" if path.endswith("/read") else ("DELETE" if path.startswith("/api-keys") else "GET")
    response = live_api.session.request(method, live_api.url(path), headers=owner["auth"], timeout=30)
    assert response.status_code < 500, response.text[:300]
    assert_error(response, {400, 403, 404})


@pytest.mark.parametrize(
    "authorization",
    [
        "Bearer",
        "Bearer ",
        "Basic dXNlcjpwYXNz",
        "Bearer a.b.c",
        "Bearer " + "A" * 20_000,
        "bearer\tx",
        "Bearer \u00ff\u00fe",
        "Bearer eyJhbGciOiJub25lIn0.e30.",
        "Bearer ....",
        "Bearer eyJ" + "=" * 50,
    ],
)
def test_garbage_authorization_is_a_401_json_error(live_api: LiveApi, authorization: str) -> None:
    response = live_api.session.get(
        live_api.url("/bots"), headers={"Authorization": authorization.encode("latin-1")}, timeout=30
    )
    assert_error(response, {401})
    assert response.headers.get("WWW-Authenticate", "").startswith("Bearer")


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("TRACE", "/health", "GET"),
        ("CONNECT", "/bots", "GET, POST"),
        ("PROPFIND", "/bots/{bot_id}", "DELETE, GET, PATCH"),
        ("DELETE", "/health", "GET"),  # a method the route lacks: Chalice's 405, reshaped by the middleware
        ("PUT", "/bots/{bot_id}", "DELETE, GET, PATCH"),
    ],
)
def test_a_method_the_route_lacks_is_a_json_405_with_allow(
    live_api: LiveApi, owner: dict[str, Any], method: str, path: str, allow: str
) -> None:
    url = live_api.url(path.format(bot_id=owner["bot_id"]))
    response = live_api.session.request(method, url, headers=owner["auth"], timeout=30)
    assert_error(response, {405}, "method_not_allowed")
    assert sorted(m.strip() for m in response.headers["Allow"].split(",")) == allow.split(", ")


@pytest.mark.parametrize("method", ["GET", "POST", "PATCH", "TRACE"])
def test_an_unknown_api_path_is_a_json_404(live_api: LiveApi, owner: dict[str, Any], method: str) -> None:
    for path in ("/nope", "/bots/x/y/z", "/../v2/bots"):
        response = live_api.session.request(method, live_api.url(path), headers=owner["auth"], timeout=30)
        assert_error(response, {404}, "not_found")
