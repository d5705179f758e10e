"""Two-factor sign-in through the real app on moto, with a hand-driven clock: enrolment confirmed with a code
computed by pyotp, sign-in with password + code, no replay, throttled wrong codes, single-use recovery codes,
and a fresh code for every sensitive action."""

from __future__ import annotations

from typing import Any

from tests.integration.api.helpers import PASSWORD, call
from tests.integration.api.mfa_steps import STEP_MS, code_at, enable_mfa, password_step
from tests.integration.bots.conftest import Platform, bot_body
from tests.security.flows import TESTNET_API, canned_binance, new_secret

BTCUSDT_INFO = {
    "symbols": [
        {
            "symbol": "BTCUSDT",
            "status": "TRADING",
            "baseAsset": "BTC",
            "quoteAsset": "USDT",
            "orderTypes": ["LIMIT", "MARKET"],
            "filters": [
                {"filterType": "PRICE_FILTER", "minPrice": "0.01", "maxPrice": "1000000", "tickSize": "0.01"},
                {"filterType": "LOT_SIZE", "minQty": "0.00001", "maxQty": "9000", "stepSize": "0.00001"},
                {"filterType": "NOTIONAL", "minNotional": "5", "applyMinToMarket": True, "maxNotional": "9000000"},
            ],
        }
    ]
}


def _login_mfa(platform: Platform, body: dict[str, Any]) -> tuple[int, Any, dict[str, str]]:
    return call(platform.api, "POST", "/auth/login/mfa", body)


def test_enrol_confirm_then_sign_in_with_password_and_a_code(platform: Platform) -> None:
    user = platform.user()
    token = user["access_token"]
    status, body, _ = call(platform.api, "POST", "/users/me/mfa", {"password": "not the password"}, token)
    assert status == 422 and body["error"]["code"] == "wrong_password"
    status, enrolment, headers = call(platform.api, "POST", "/users/me/mfa", {"password": PASSWORD}, token)
    assert status == 201 and headers["Cache-Control"] == "no-store"
    assert enrolment["otpauth_uri"].startswith("otpauth://totp/") and enrolment["secret"] in enrolment["otpauth_uri"]
    assert enrolment["qr_svg"].startswith("data:image/svg+xml")
    assert platform.call("GET", "/users/me/mfa", None, token)[1] == {
        "enabled": False,
        "pending": True,
        "recovery_codes_left": 0,
    }
    # Not on until confirmed: sign-in still answers tokens.
    status, body, _ = call(platform.api, "POST", "/auth/login", {"email": user["email"], "password": PASSWORD})
    assert status == 200 and "access_token" in body
    status, body = platform.call("POST", "/users/me/mfa/confirm", {"code": "000000"}, token)
    assert status == 422 and body["error"]["code"] == "invalid_mfa_code"
    code = code_at(enrolment["secret"], platform.clock.now_ms())
    status, confirmed = platform.call("POST", "/users/me/mfa/confirm", {"code": code}, token)
    assert status == 200 and len(set(confirmed["recovery_codes"])) == 10
    assert platform.call("GET", "/users/me", None, token)[1]["mfa_enabled"] is True

    status, challenge, headers = call(
        platform.api, "POST", "/auth/login", {"email": user["email"], "password": PASSWORD}
    )
    assert status == 200 and challenge["mfa_required"] is True and challenge["expires_in"] > 0
    assert "access_token" not in challenge and "refresh_token" not in challenge and "Set-Cookie" not in headers
    # The confirming code was spent: the same code cannot complete a sign-in.
    status, body, _ = _login_mfa(platform, {"mfa_token": challenge["mfa_token"], "code": code})
    assert status == 401 and body["error"]["code"] == "invalid_mfa_code"
    platform.clock.advance(STEP_MS)
    fresh = code_at(enrolment["secret"], platform.clock.now_ms())
    status, session, _ = _login_mfa(platform, {"mfa_token": challenge["mfa_token"], "code": fresh})
    assert status == 200 and session["access_token"]
    assert platform.call("GET", "/users/me", None, session["access_token"])[0] == 200


def test_a_code_is_accepted_once_and_the_mfa_token_is_single_use_and_short_lived(platform: Platform) -> None:
    user = platform.user()
    secret, _ = enable_mfa(platform, user)
    code = code_at(secret, platform.clock.now_ms())
    first = password_step(platform, user)
    assert _login_mfa(platform, {"mfa_token": first, "code": code})[0] == 200
    status, body, _ = _login_mfa(platform, {"mfa_token": first, "code": code})
    assert status == 401 and body["error"]["code"] == "invalid_mfa_token"
    # A second sign-in in the same 30 seconds: the code already used is refused.
    second = password_step(platform, user)
    status, body, _ = _login_mfa(platform, {"mfa_token": second, "code": code})
    assert status == 401 and body["error"]["code"] == "invalid_mfa_code"
    platform.clock.advance(301_000)
    status, body, _ = _login_mfa(platform, {"mfa_token": second, "code": code_at(secret, platform.clock.now_ms())})
    assert status == 401 and body["error"]["code"] == "invalid_mfa_token"
    status, body, _ = _login_mfa(platform, {"mfa_token": "x" * 43, "code": "123456"})
    assert status == 401 and body["error"]["code"] == "invalid_mfa_token"


def test_wrong_codes_are_throttled_per_account_with_retry_after(platform: Platform) -> None:
    user = platform.user()
    secret, _ = enable_mfa(platform, user)
    mfa_token = password_step(platform, user)
    right = code_at(secret, platform.clock.now_ms())
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    for _ in range(5):
        status, body, _ = _login_mfa(platform, {"mfa_token": mfa_token, "code": wrong})
        assert status == 401 and body["error"]["code"] == "invalid_mfa_code"
    status, body, headers = _login_mfa(platform, {"mfa_token": mfa_token, "code": wrong})
    assert status == 429 and body["error"]["code"] == "too_many_attempts" and int(headers["Retry-After"]) > 0
    # The budget is the account's: the right code is refused too, and so is a step-up on another route.
    assert _login_mfa(platform, {"mfa_token": mfa_token, "code": right})[0] == 429
    status, _ = platform.call(
        "PATCH",
        "/users/me",
        {"current_password": PASSWORD, "new_password": "another fine passphrase 9", "mfa_code": right},
        user["access_token"],
    )
    assert status == 429
    platform.clock.advance(901_000)
    fresh = password_step(platform, user)
    status, _, _ = _login_mfa(platform, {"mfa_token": fresh, "code": code_at(secret, platform.clock.now_ms())})
    assert status == 200


def test_a_recovery_code_signs_in_once(platform: Platform) -> None:
    user = platform.user()
    _, recovery = enable_mfa(platform, user)
    mfa_token = password_step(platform, user)
    status, body, _ = _login_mfa(platform, {"mfa_token": mfa_token, "code": "123456", "recovery_code": recovery[0]})
    assert status == 422
    typed = " " + recovery[0].upper().replace("-", " ") + " "  # case, spaces and dashes do not matter
    assert _login_mfa(platform, {"mfa_token": mfa_token, "recovery_code": typed})[0] == 200
    again = password_step(platform, user)
    status, body, _ = _login_mfa(platform, {"mfa_token": again, "recovery_code": recovery[0]})
    assert status == 401 and body["error"]["code"] == "invalid_mfa_code"
    assert _login_mfa(platform, {"mfa_token": again, "recovery_code": recovery[1]})[0] == 200
    assert platform.call("GET", "/users/me/mfa", None, user["access_token"])[1]["recovery_codes_left"] == 8


def test_every_sensitive_action_needs_a_fresh_code(platform: Platform) -> None:
    user = platform.user()
    token = user["access_token"]
    secret, _ = enable_mfa(platform, user)
    body = {"current_password": PASSWORD, "new_password": "another fine passphrase 9"}
    _refused(platform.call("PATCH", "/users/me", body, token), "required")
    _refused(platform.call("PATCH", "/users/me", {**body, "mfa_code": "000000"}, token), "wrong or already used")
    code = code_at(secret, platform.clock.now_ms())
    status, changed = platform.call("PATCH", "/users/me", {**body, "mfa_code": code}, token)
    assert status == 200, changed
    token = changed["access_token"]
    back = {"current_password": body["new_password"], "new_password": PASSWORD + " 2", "mfa_code": code}
    _refused(platform.call("PATCH", "/users/me", back, token), "wrong or already used")

    key_body = {"label": "k", "api_key": "key" + "a" * 20, "api_secret": new_secret(), "testnet": True}
    with canned_binance() as binance:
        binance.get(f"{TESTNET_API}/exchangeInfo", json=BTCUSDT_INFO)
        _refused(platform.call("POST", "/api-keys", key_body, token), "required")
        platform.clock.advance(STEP_MS)
        key_body["mfa_code"] = code_at(secret, platform.clock.now_ms())
        status, key = platform.call("POST", "/api-keys", key_body, token)
        assert status == 201, key
        status, bot = platform.call("POST", "/bots", bot_body(mode="live", api_key_id=key["id"]), token)
        assert status == 201, bot
        _refused(platform.call("POST", f"/bots/{bot['id']}/start", None, token), "required")
        _refused(platform.call("POST", f"/bots/{bot['id']}/start", {"mfa_code": "999999"}, token), "wrong")
        platform.clock.advance(STEP_MS)
        start = {"mfa_code": code_at(secret, platform.clock.now_ms())}
        status, started = platform.call("POST", f"/bots/{bot['id']}/start", start, token)
        assert status == 200 and started["status"] == "running", started
    # A paper bot trades nothing real: no code.
    status, paper = platform.call("POST", "/bots", bot_body(), token)
    assert platform.call("POST", f"/bots/{paper['id']}/start", None, token)[0] == 200
    _disable_needs_a_fresh_code(platform, user, token, secret)


def _disable_needs_a_fresh_code(platform: Platform, user: dict[str, Any], token: str, secret: str) -> None:
    assert platform.call("DELETE", "/users/me/mfa", {}, token)[0] == 422
    status, body = platform.call("DELETE", "/users/me/mfa", {"code": "000000"}, token)
    assert status == 422 and body["error"]["code"] == "invalid_mfa_code"
    platform.clock.advance(STEP_MS)
    assert platform.call("DELETE", "/users/me/mfa", {"code": code_at(secret, platform.clock.now_ms())}, token)[0] == 204
    status, body, _ = call(
        platform.api, "POST", "/auth/login", {"email": user["email"], "password": "another fine passphrase 9"}
    )
    assert status == 200 and "access_token" in body and not body.get("mfa_required")


def _refused(answer: tuple[int, Any], why: str) -> None:
    status, body = answer
    assert status == 403 and body["error"]["code"] == "mfa_required", body
    assert body["error"]["details"][0]["field"] == "mfa_code" and why in body["error"]["details"][0]["message"]


def test_enrolment_conflicts(platform: Platform) -> None:
    user = platform.user()
    token = user["access_token"]
    status, body = platform.call("POST", "/users/me/mfa/confirm", {"code": "123456"}, token)
    assert status == 409 and body["error"]["code"] == "mfa_not_enrolling"
    assert platform.call("DELETE", "/users/me/mfa", {"code": "123456"}, token)[0] == 409
    enable_mfa(platform, user)
    status, body = platform.call("POST", "/users/me/mfa", {"password": PASSWORD}, token)
    assert status == 409 and body["error"]["code"] == "mfa_already_enabled"
    # Malformed codes are refused by the schema, before any check.
    assert platform.call("POST", "/users/me/mfa/confirm", {"code": "12345a"}, token)[0] == 422
