"""GET /users/me/sessions and DELETE /users/me/sessions/{id}: the signed-in devices, each a family of rotating
refresh tokens, with when it started, was last used and its user agent; one can be signed out."""

from __future__ import annotations

import time
from typing import Any

from tests.integration.api.helpers import PASSWORD, call, signup

PHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) Mobile Safari"
LAPTOP = "Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0"


def _login(api: Any, email: str, agent: str) -> dict[str, Any]:
    status, body, _ = call(
        api, "POST", "/auth/login", {"email": email, "password": PASSWORD}, headers={"user-agent": agent}
    )
    assert status == 200, body
    return dict(body)


def _sessions(api: Any, token: str) -> list[dict[str, Any]]:
    status, body, _ = call(api, "GET", "/users/me/sessions", token=token)
    assert status == 200, body
    return list(body["items"])


def test_each_sign_in_is_listed_with_its_user_agent_and_last_use(api: Any) -> None:
    user = signup(api)
    phone = _login(api, user["email"], PHONE)
    time.sleep(0.01)
    laptop = _login(api, user["email"], LAPTOP)
    listed = _sessions(api, laptop["access_token"])
    assert len(listed) == 3  # signup's own sign-in, the phone and the laptop
    assert [s["user_agent"] for s in listed[:2]] == [LAPTOP, PHONE]  # most recently used first
    assert {"id", "created_at", "last_used_at", "expires_at", "user_agent"} <= set(listed[0])
    phone_entry = listed[1]
    time.sleep(0.01)
    status, renewed, _ = call(
        api, "POST", "/auth/refresh", {"refresh_token": phone["refresh_token"]}, headers={"user-agent": PHONE + " 2"}
    )
    assert status == 200
    after = _sessions(api, laptop["access_token"])
    entry = next(s for s in after if s["id"] == phone_entry["id"])  # a refresh keeps the session's id
    assert entry["user_agent"] == PHONE + " 2" and entry["created_at"] == phone_entry["created_at"]
    assert entry["last_used_at"] > phone_entry["last_used_at"] and after[0]["id"] == phone_entry["id"]
    assert "refresh_token" not in str(after) and renewed["refresh_token"] not in str(after)


def test_revoking_one_session_ends_it_and_leaves_the_others(api: Any) -> None:
    user = signup(api)
    phone = _login(api, user["email"], PHONE)
    laptop = _login(api, user["email"], LAPTOP)
    target = next(s for s in _sessions(api, laptop["access_token"]) if s["user_agent"] == PHONE)
    time.sleep(0.002)
    status, _, _ = call(api, "DELETE", f"/users/me/sessions/{target['id']}", token=laptop["access_token"])
    assert status == 204
    status, body, _ = call(api, "POST", "/auth/refresh", {"refresh_token": phone["refresh_token"]})
    assert status == 401 and body["error"]["code"] == "invalid_refresh_token"
    assert call(api, "GET", "/users/me", token=phone["access_token"])[0] == 401
    # The laptop renews its own access token silently and keeps going.
    status, renewed, _ = call(api, "POST", "/auth/refresh", {"refresh_token": laptop["refresh_token"]})
    assert status == 200
    remaining = _sessions(api, renewed["access_token"])
    assert target["id"] not in {s["id"] for s in remaining} and len(remaining) == 2
    status, body, _ = call(api, "DELETE", f"/users/me/sessions/{target['id']}", token=renewed["access_token"])
    assert status == 404 and body["error"]["code"] == "session_not_found"


def test_another_users_session_is_not_found_and_untouched(api: Any) -> None:
    owner, other = signup(api), signup(api)
    session_id = _sessions(api, owner["access_token"])[0]["id"]
    status, body, _ = call(api, "DELETE", f"/users/me/sessions/{session_id}", token=other["access_token"])
    assert status == 404 and body["error"]["code"] == "session_not_found"
    assert session_id not in {s["id"] for s in _sessions(api, other["access_token"])}
    assert call(api, "POST", "/auth/refresh", {"refresh_token": owner["refresh_token"]})[0] == 200


def test_sign_out_everywhere_and_logout_empty_the_list(api: Any) -> None:
    user = signup(api)
    phone = _login(api, user["email"], PHONE)
    assert call(api, "POST", "/auth/logout", {"refresh_token": phone["refresh_token"]})[0] == 204
    status, renewed, _ = call(api, "POST", "/auth/refresh", {"refresh_token": user["refresh_token"]})
    assert [s["user_agent"] for s in _sessions(api, renewed["access_token"])] != [PHONE]
    assert len(_sessions(api, renewed["access_token"])) == 1
    time.sleep(0.002)
    assert call(api, "POST", "/auth/sign-out-everywhere", None, token=renewed["access_token"])[0] == 204
    time.sleep(0.002)
    fresh = _login(api, user["email"], LAPTOP)
    assert [s["user_agent"] for s in _sessions(api, fresh["access_token"])] == [LAPTOP]
