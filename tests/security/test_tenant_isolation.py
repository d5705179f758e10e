"""Tenant isolation, table-driven from the app's own route table: every route that takes an id is tried
with another user's id (valid token of the attacker) and with the victim's id under forged, expired,
`alg: none`, wrong-audience and wrong-issuer tokens. Always 401 or 404, never a byte of the victim's data,
never a change to the victim's resources (compared before and after through the victim's own view)."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

import jwt

from tests.integration.api.helpers import call
from tests.integration.bots.conftest import Platform, bot_body
from tests.security.flows import add_api_key

API = "/api/v1"
DCA = {"strategy": "dca", "params": {"base_order_quote": 100, "take_profit_pct": 50}}

# Every route with a path parameter: which of the victim's resources its id names, and the body to send.
# A new route with an id fails `test_every_route_with_an_id_is_in_the_table` until it is added here.
ID_ROUTES: dict[tuple[str, str], tuple[str, Any]] = {
    ("GET", "/bots/{bot_id}"): ("bot", None),
    ("PATCH", "/bots/{bot_id}"): ("bot", {"name": "pwned", "budget": "1"}),
    ("DELETE", "/bots/{bot_id}"): ("bot", None),
    ("POST", "/bots/{bot_id}/start"): ("bot", None),
    ("POST", "/bots/{bot_id}/stop"): ("bot", {"close_position": True}),
    ("POST", "/bots/{bot_id}/pause"): ("bot", None),
    ("POST", "/bots/{bot_id}/resume"): ("bot", None),
    ("GET", "/bots/{bot_id}/trades"): ("bot", None),
    ("GET", "/bots/{bot_id}/orders"): ("bot", None),
    ("GET", "/bots/{bot_id}/signals"): ("bot", None),
    ("POST", "/bots/{bot_id}/signal-secret"): ("bot", None),
    # The public webhook: its token is the credential (no JWT). The id tried is the victim's token id with a
    # secret that is not the victim's, so every attempt must be a 401 whatever the JWT.
    ("POST", "/signals/{token}"): ("signal_token", "buy"),
    ("GET", "/bots/{bot_id}/chart"): ("bot", None),
    ("GET", "/bots/{bot_id}/drift"): ("bot", None),
    ("DELETE", "/api-keys/{key_id}"): ("key", None),
    ("GET", "/api-keys/{key_id}/audit"): ("key", None),
    ("POST", "/notifications/{notification_id}/read"): ("notification", None),
    ("GET", "/backtests/{backtest_id}"): ("backtest", None),
    ("DELETE", "/backtests/{backtest_id}"): ("backtest", None),
    ("GET", "/optimizations/{optimization_id}"): ("optimization", None),
    ("DELETE", "/optimizations/{optimization_id}"): ("optimization", None),
    ("POST", "/optimizations/{optimization_id}/bots"): ("optimization", {"trial": 0}),
    ("DELETE", "/users/me/sessions/{session_id}"): ("session", None),
}


def id_routes_of_app() -> set[tuple[str, str]]:
    from app import app

    return {
        (method, path.removeprefix(API)) for path, entries in app.routes.items() if "{" in path for method in entries
    }


def test_every_route_with_an_id_is_in_the_table() -> None:
    routes = id_routes_of_app()
    assert routes - set(ID_ROUTES) == set(), "new routes with an id: add them to ID_ROUTES"
    assert set(ID_ROUTES) - routes == set(), "ID_ROUTES names routes the app no longer has"


# --- tokens an attacker can make ---------------------------------------------------------------


def _claims(sub: str, now: int, **over: Any) -> dict[str, Any]:
    from chalicelib.config import settings

    cfg = settings()
    claims = {
        "iss": cfg.jwt_issuer,
        "aud": cfg.jwt_audience,
        "sub": sub,
        "iat": now - 10,
        "exp": now + 600,
        "jti": uuid.uuid4().hex,
    }
    claims.update(over)
    return claims


def _secret() -> str:
    from chalicelib.adapters.jwt_tokens import secret_from_secrets_manager
    from chalicelib.config import settings

    return secret_from_secrets_manager(settings().jwt_secret_name)()


def _alg_none(claims: dict[str, Any]) -> str:
    import base64

    def part(obj: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(claims)}."


def bad_tokens(victim_id: str, now: int) -> dict[str, str]:
    secret = _secret()
    return {
        "forged_wrong_key": jwt.encode(_claims(victim_id, now), "not-the-signing-key-" * 3, algorithm="HS256"),
        "expired": jwt.encode(_claims(victim_id, now, iat=now - 7200, exp=now - 3600), secret, algorithm="HS256"),
        "alg_none": _alg_none(_claims(victim_id, now)),
        "alg_none_signed": _alg_none(_claims(victim_id, now)) + "c2lnbmF0dXJl",
        "wrong_audience": jwt.encode(_claims(victim_id, now, aud="some-other-api"), secret, algorithm="HS256"),
        "wrong_issuer": jwt.encode(_claims(victim_id, now, iss="evil"), secret, algorithm="HS256"),
        "hs512": jwt.encode(_claims(victim_id, now), secret, algorithm="HS512"),
        "no_exp": jwt.encode(
            {k: v for k, v in _claims(victim_id, now).items() if k != "exp"}, secret, algorithm="HS256"
        ),
        "issued_in_future": jwt.encode(
            _claims(victim_id, now, iat=now + 3600, exp=now + 7200), secret, algorithm="HS256"
        ),
        "empty_key": _hs256_raw(_claims(victim_id, now), b""),
        "tampered_sub": _tamper_sub(victim_id),
        "missing": "",
    }


def _hs256_raw(claims: dict[str, Any], key: bytes) -> str:
    import base64
    import hashlib
    import hmac

    def b64(raw: bytes) -> str:
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    signing_input = f"{b64(json.dumps({'alg': 'HS256', 'typ': 'JWT'}).encode())}.{b64(json.dumps(claims).encode())}"
    return f"{signing_input}.{b64(hmac.new(key, signing_input.encode(), hashlib.sha256).digest())}"


def _tamper_sub(victim_id: str) -> str:
    """A real token of someone else with the payload's `sub` swapped for the victim and the signature kept."""
    import base64

    token = jwt.encode(_claims("someone-else", int(time.time())), "whatever-key-123456", algorithm="HS256")
    head, payload, sig = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["sub"] = victim_id
    body = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return f"{head}.{body}.{sig}"


# --- the victim ------------------------------------------------------------------------------------


def make_victim(platform: Platform) -> dict[str, Any]:
    victim = platform.user()
    token = victim["access_token"]
    marker = f"victim-{uuid.uuid4().hex[:8]}"
    status, bot = platform.call("POST", "/bots", bot_body(name=marker, **DCA), token)
    assert status == 201, bot
    status, _ = platform.call("POST", f"/bots/{bot['id']}/start", None, token)
    assert status == 200
    platform.minute(2)  # the DCA bot buys: a trade and a trade_opened notification
    status, trades = platform.call("GET", f"/bots/{bot['id']}/trades", None, token)
    assert status == 200 and trades["items"], trades
    status, notes = platform.call("GET", "/notifications", None, token)
    assert status == 200 and notes["items"], notes
    key = add_api_key(platform.api, token, label=marker)
    status, backtest = platform.call(
        "POST",
        "/backtests",
        {
            "strategy": "sma_cross",
            "params": {"fast": 2, "slow": 5},
            "symbol": "BTCUSDT",
            "interval": "1h",
            "start": "2024-01-01T00:00:00Z",
            "end": "2024-01-03T00:00:00Z",
        },
        token,
    )
    assert status in (201, 202), backtest
    status, optimization = platform.call(
        "POST",
        "/optimizations",
        {
            "strategy": "sma_cross",
            "space": {"fast": {"low": 2, "high": 5}},
            "symbol": "BTCUSDT",
            "interval": "1h",
            "start": "2024-01-01T00:00:00Z",
            "end": "2024-01-15T00:00:00Z",
        },
        token,
    )
    assert status == 202, optimization
    status, sessions = platform.call("GET", "/users/me/sessions", None, token)
    assert status == 200 and sessions["items"], sessions
    signal_bot, signal_token = _victim_signal_bot(platform, token, marker)
    return {
        **victim,
        "marker": marker,
        "ids": {
            "bot": bot["id"],
            "key": key["id"],
            "notification": notes["items"][0]["id"],
            "backtest": backtest["id"],
            "optimization": optimization["id"],
            "session": sessions["items"][0]["id"],
            "signal_bot": signal_bot,
            "signal_token": signal_token.split(".")[0] + "." + "A" * 43,
        },
        "trade_ids": [t["id"] for t in trades["items"]],
        "signal_secret": signal_token,
    }


def _victim_signal_bot(platform: Platform, token: str, marker: str) -> tuple[str, str]:
    body = bot_body(name=f"{marker}-signals", strategy="signal", params={})
    status, bot = platform.call("POST", "/bots", body, token)
    assert status == 201, bot
    assert platform.call("POST", f"/bots/{bot['id']}/start", None, token)[0] == 200
    status, secret = platform.call("POST", f"/bots/{bot['id']}/signal-secret", None, token)
    assert status == 201, secret
    return str(bot["id"]), str(secret["token"])


def victim_view(platform: Platform, victim: dict[str, Any]) -> dict[str, Any]:
    token, ids = victim["access_token"], victim["ids"]
    view = {}
    for name, path in {
        "bot": f"/bots/{ids['bot']}",
        "trades": f"/bots/{ids['bot']}/trades",
        "orders": f"/bots/{ids['bot']}/orders?status=all",
        "signals": f"/bots/{ids['signal_bot']}/signals",
        "keys": "/api-keys",
        "key_audit": f"/api-keys/{ids['key']}/audit",
        "notifications": "/notifications",
        "backtest": f"/backtests/{ids['backtest']}",
        "optimization": f"/optimizations/{ids['optimization']}",
        "bots": "/bots",
        "sessions": "/users/me/sessions",
    }.items():
        status, body = platform.call("GET", path, None, token)
        assert status == 200, (path, body)
        view[name] = body
    return view


def _leaks(text: str, victim: dict[str, Any]) -> list[str]:
    secrets = [victim["marker"], victim["email"], *victim["trade_ids"], victim["ids"]["key"], victim["ids"]["session"]]
    secrets.append(victim["signal_secret"])
    return [s for s in secrets if s and s in text]


def _attack(platform: Platform, victim: dict[str, Any], attacker: dict[str, Any], method: str, path: str) -> list[str]:
    kind, body = ID_ROUTES[(method, path)]
    target = path.replace("{" + path.split("{")[1].split("}")[0] + "}", victim["ids"][kind])
    attempts: list[tuple[str, str | None, set[int]]] = [("other_user", attacker["access_token"], {404})]
    now = platform.clock.now_ms() // 1000
    attempts += [(name, token, {401}) for name, token in bad_tokens(victim["id"], now).items()]
    if kind == "signal_token":
        attempts = [(name, token, {401}) for name, token, _ in attempts]
    failures = []
    for name, token, allowed in attempts:
        status, data, headers = call(platform.api, method, target, body, token or None)
        text = json.dumps(data)
        if status not in allowed:
            failures.append(f"{name}: {method} {target} -> {status} {text[:200]}")
        if not (isinstance(data, dict) and set(data) == {"error"}):
            failures.append(f"{name}: {method} {target}: not the error format: {text[:200]}")
        leaked = _leaks(text + json.dumps(headers), victim)
        if leaked:
            failures.append(f"{name}: {method} {target}: leaked {leaked}")
    return failures


def test_another_users_id_and_bad_tokens_never_reach_the_victim(platform: Platform) -> None:
    """One victim for the whole table (a tick per victim is what costs): after each route, the victim's
    view is compared with the one taken before any attack."""
    victim = make_victim(platform)
    attacker = platform.user()
    before = victim_view(platform, victim)
    failures: list[str] = []
    try:
        for method, path in sorted(ID_ROUTES):
            failures += _attack(platform, victim, attacker, method, path)
            if victim_view(platform, victim) != before:
                failures.append(f"{method} {path}: the victim's resources changed")
                before = victim_view(platform, victim)
        assert not failures, "\n".join(failures)
    finally:
        platform.call("POST", f"/bots/{victim['ids']['bot']}/stop", None, victim["access_token"])


def test_list_and_export_filters_never_show_another_users_trades(platform: Platform) -> None:
    victim = make_victim(platform)
    attacker = platform.user()["access_token"]
    bot_id = victim["ids"]["bot"]
    for path in (
        f"/bots/{victim['ids']['signal_bot']}/signals",
        f"/trades?bot_id={bot_id}",
        "/trades",
        f"/trades/export.csv?bot_id={bot_id}",
        "/trades/export.csv",
        "/notifications",
        "/api-keys",
        "/bots",
        "/backtests",
        "/optimizations",
        "/dashboard",
        "/users/me/sessions",
        "/users/me/mfa",
        "/account/drift-alerts",
    ):
        status, data, headers = call(platform.api, "GET", path, None, attacker)
        assert status in (200, 404), (path, status, data)
        assert not _leaks(json.dumps(data), victim), (path, data)
        assert bot_id not in json.dumps(data), (path, data)
    platform.call("POST", f"/bots/{bot_id}/stop", None, victim["access_token"])
