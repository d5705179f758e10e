"""Accounts and auth through the real app on moto: every rule of the auth contract."""

from __future__ import annotations

import base64
import json
import time

import jwt
import pytest

from tests.integration.api.helpers import PASSWORD, call, new_email, signup


def _secret() -> str:
    import boto3

    return boto3.client("secretsmanager").get_secret_value(SecretId="tradebot/test/jwt-signing-key")["SecretString"]


def _claims(user_id: str, **overrides: object) -> dict[str, object]:
    now = int(time.time())
    claims: dict[str, object] = {
        "iss": "tradebot-test",
        "aud": "tradebot-api",
        "sub": user_id,
        "iat": now,
        "exp": now + 600,
        "jti": "x",
    }
    claims.update(overrides)
    return claims


def test_register_normalises_email_and_answers_a_known_address_like_a_new_one(api):
    # Registration no longer answers 409 for a known address (that told anyone which addresses have accounts):
    # both answer 202 with the same body; tests/integration/api/test_email_flows.py checks the mail each gets.
    email = new_email()
    status, first, _ = call(api, "POST", "/auth/register", {"email": "  " + email.upper() + " ", "password": PASSWORD})
    assert status == 202
    assert first["email"] == email and "id" not in first
    status, again, _ = call(api, "POST", "/auth/register", {"email": email, "password": PASSWORD})
    assert status == 202 and again == first


@pytest.mark.parametrize(
    ("payload", "status", "code"),
    [
        ({"email": "not-an-email", "password": PASSWORD}, 422, "invalid_email"),
        ({"email": "a@b.io", "password": "short"}, 422, "weak_password"),
        ({"email": "a@b.io"}, 422, "validation_error"),
        ({"email": "a@b.io", "password": PASSWORD, "admin": True}, 422, "validation_error"),
        ({"email": 5, "password": PASSWORD}, 422, "validation_error"),
        ({"email": "a@b.io", "password": "x" * 5000}, 422, "validation_error"),
    ],
)
def test_register_validation_errors_use_the_error_shape(api, payload, status, code):
    got, body, _ = call(api, "POST", "/auth/register", payload)
    assert got == status
    assert body["error"]["code"] == code
    assert body["error"]["message"]


@pytest.mark.parametrize("raw", ["{bad json", "[1, 2]", '"text"', "", "[" * 5000 + "]" * 5000])
def test_malformed_bodies_are_400_json(api, raw):
    status, body, _ = call(api, "POST", "/auth/register", raw)
    assert status == 400
    assert body["error"]["code"] == "invalid_json"


def test_huge_body_is_413(api):
    status, body, _ = call(api, "POST", "/auth/register", {"email": "a@b.io", "password": "x" * 100_000})
    assert status == 413
    assert body["error"]["code"] == "payload_too_large"


def test_wrong_content_type_is_415_json(api):
    status, body, _ = call(api, "POST", "/auth/login", "email=a", headers={"content-type": "text/plain"})
    assert status == 415
    assert body["error"]["code"] == "unsupported_media_type"


def test_login_returns_bearer_tokens_and_refresh_cookie(api):
    user = signup(api)
    assert user["token_type"] == "bearer"
    assert user["expires_in"] == 900
    cookie = user["headers"]["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/api/v1/auth" in cookie
    status, me, _ = call(api, "GET", "/users/me", token=user["access_token"])
    assert status == 200
    assert me["email"] == user["email"] and me["id"] == user["id"] and me["created_at"].endswith("Z")


def test_access_token_claims(api):
    user = signup(api)
    claims = jwt.decode(user["access_token"], _secret(), algorithms=["HS256"], audience="tradebot-api")
    assert set(claims) >= {"iss", "aud", "exp", "iat", "jti", "sub"}
    assert claims["sub"] == user["id"]
    assert claims["exp"] - claims["iat"] == 900


def test_login_with_wrong_password_or_unknown_account_is_401(api):
    user = signup(api)
    status, body, _ = call(api, "POST", "/auth/login", {"email": user["email"], "password": "wrong password!!"})
    assert status == 401 and body["error"]["code"] == "invalid_credentials"
    status, body, _ = call(api, "POST", "/auth/login", {"email": new_email(), "password": PASSWORD})
    assert status == 401 and body["error"]["code"] == "invalid_credentials"


def test_login_throttled_per_account_with_retry_after(api):
    user = signup(api)
    for _ in range(5):
        status, _, _ = call(api, "POST", "/auth/login", {"email": user["email"], "password": "wrong password!!"})
        assert status == 401
    status, body, headers = call(api, "POST", "/auth/login", {"email": user["email"], "password": PASSWORD})
    assert status == 429
    assert body["error"]["code"] == "too_many_attempts"
    assert int(headers["Retry-After"]) > 0


def test_refresh_rotates_and_reuse_revokes_the_family(api):
    user = signup(api)
    status, second, _ = call(api, "POST", "/auth/refresh", {"refresh_token": user["refresh_token"]})
    assert status == 200
    assert second["refresh_token"] != user["refresh_token"]
    # The old token comes back: the whole family ends, including the newest token.
    status, body, _ = call(api, "POST", "/auth/refresh", {"refresh_token": user["refresh_token"]})
    assert status == 401 and body["error"]["code"] == "refresh_token_reused"
    status, body, _ = call(api, "POST", "/auth/refresh", {"refresh_token": second["refresh_token"]})
    assert status == 401
    # Another session of the same user is unaffected.
    status, other, _ = call(api, "POST", "/auth/login", {"email": user["email"], "password": PASSWORD})
    assert status == 200
    status, _, _ = call(api, "POST", "/auth/refresh", {"refresh_token": other["refresh_token"]})
    assert status == 200


def test_refresh_and_logout_accept_the_cookie(api):
    user = signup(api)
    cookie = {"cookie": f"refresh_token={user['refresh_token']}"}
    status, rotated, headers = call(api, "POST", "/auth/refresh", {}, headers=cookie)
    assert status == 200
    # A token that came in the cookie goes back only in the cookie, never in a body a script can read.
    assert "refresh_token" not in rotated
    new_token = headers["Set-Cookie"].split(";")[0].removeprefix("refresh_token=")
    assert new_token and new_token != user["refresh_token"]
    status, _, headers = call(api, "POST", "/auth/logout", "", headers={"cookie": f"refresh_token={new_token}"})
    assert status == 204
    assert "Max-Age=0" in headers["Set-Cookie"]
    status, _, _ = call(api, "POST", "/auth/refresh", {"refresh_token": new_token})
    assert status == 401


def test_logout_revokes_refresh(api):
    user = signup(api)
    status, _, _ = call(api, "POST", "/auth/logout", {"refresh_token": user["refresh_token"]})
    assert status == 204
    status, body, _ = call(api, "POST", "/auth/refresh", {"refresh_token": user["refresh_token"]})
    assert status == 401 and body["error"]["code"] == "invalid_refresh_token"


def test_refresh_with_garbage_is_401(api):
    status, body, _ = call(api, "POST", "/auth/refresh", {"refresh_token": "garbage"})
    assert status == 401
    status, body, _ = call(api, "POST", "/auth/refresh", {})
    assert status == 401 and body["error"]["code"] == "missing_refresh_token"


def test_change_password_ends_other_sessions(api):
    user = signup(api)
    new_password = "another long passphrase 42"
    status, body, _ = call(
        api,
        "PATCH",
        "/users/me",
        {"current_password": "wrong one here", "new_password": new_password},
        token=user["access_token"],
    )
    assert status == 422 and body["error"]["code"] == "wrong_password"
    status, body, _ = call(
        api,
        "PATCH",
        "/users/me",
        {"current_password": PASSWORD, "new_password": new_password},
        token=user["access_token"],
    )
    assert status == 200
    assert body["email"] == user["email"] and body["refresh_token"]
    status, _, _ = call(api, "POST", "/auth/refresh", {"refresh_token": user["refresh_token"]})
    assert status == 401
    status, _, _ = call(api, "POST", "/auth/refresh", {"refresh_token": body["refresh_token"]})
    assert status == 200
    status, _, _ = call(api, "POST", "/auth/login", {"email": user["email"], "password": PASSWORD})
    assert status == 401
    status, _, _ = call(api, "POST", "/auth/login", {"email": user["email"], "password": new_password})
    assert status == 200


def _none_token(user_id: str) -> str:
    def b64(data: dict[str, object]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    return f"{b64({'alg': 'none', 'typ': 'JWT'})}.{b64(_claims(user_id))}."


@pytest.mark.parametrize(
    "forge",
    [
        pytest.param(lambda uid: _none_token(uid), id="alg-none"),
        pytest.param(lambda uid: jwt.encode(_claims(uid), "not-the-secret", algorithm="HS256"), id="wrong-signature"),
        pytest.param(
            lambda uid: jwt.encode(_claims(uid, aud="someone-else"), _secret(), algorithm="HS256"), id="wrong-audience"
        ),
        pytest.param(lambda uid: jwt.encode(_claims(uid, iss="evil"), _secret(), algorithm="HS256"), id="wrong-issuer"),
        pytest.param(
            lambda uid: jwt.encode(_claims(uid, exp=int(time.time()) - 5), _secret(), algorithm="HS256"), id="expired"
        ),
        pytest.param(lambda uid: jwt.encode({"sub": uid}, _secret(), algorithm="HS256"), id="missing-claims"),
        pytest.param(lambda uid: "not.a.jwt", id="garbage"),
    ],
)
def test_bad_tokens_are_refused_with_401(api, forge):
    user = signup(api)
    status, body, headers = call(api, "GET", "/users/me", token=forge(user["id"]))
    assert status == 401
    assert body["error"]["code"] in ("invalid_token", "token_expired")
    assert "WWW-Authenticate" in headers


def test_missing_token_is_401(api):
    status, body, _ = call(api, "GET", "/users/me")
    assert status == 401 and body["error"]["code"] == "missing_token"


def test_webhook_setting_requires_a_url(api):
    user = signup(api)
    status, body, _ = call(api, "PATCH", "/users/me/settings", {"webhook_url": "ftp://x"}, token=user["access_token"])
    assert status == 422 and body["error"]["code"] == "invalid_webhook_url"
    status, body, _ = call(
        api, "PATCH", "/users/me/settings", {"webhook_url": "https://hooks.example.com/t"}, token=user["access_token"]
    )
    assert status == 200 and body["webhook_url"] == "https://hooks.example.com/t"


def test_a_store_timeout_is_503_not_500(api, monkeypatch):
    from botocore.exceptions import ReadTimeoutError

    from chalicelib.adapters.dynamo.users import DynamoUserRepository

    user = signup(api)

    def timeout(*args, **kwargs):
        raise ReadTimeoutError(endpoint_url="http://dynamodb")

    monkeypatch.setattr(DynamoUserRepository, "get", timeout)
    status, body, headers = call(api, "GET", "/users/me", token=user["access_token"])
    assert status == 503
    assert body["error"]["code"] == "dependency_unavailable" and headers["Retry-After"] == "2"
