"""E-mail verification and password reset end to end on the real app and moto (its SES is the local outbox):
register -> mail -> follow the link -> verified; forgot password -> mail -> reset -> old password refused, new
accepted, every session ended, the link refused a second time and after its expiry."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from infra.local.outbox import for_address
from tests.integration.api.helpers import PASSWORD, call, new_email, outbox_link, signup

NEW_PASSWORD = "a brand new passphrase 88"


def _forget_mail_counters() -> None:
    """Every in-process client is 127.0.0.1: start each test with that source's mail requests uncounted."""
    table = boto3.resource("dynamodb", region_name="us-east-1").Table("tradebot-test-rate-limits")
    for item in table.scan(ProjectionExpression="pk").get("Items", []):
        if str(item["pk"]).startswith("mail#"):
            table.delete_item(Key={"pk": item["pk"]})


@pytest.fixture(autouse=True)
def _clean_counters(aws: Any) -> Iterator[None]:
    _forget_mail_counters()
    yield
    _forget_mail_counters()


def _subjects(email: str) -> list[str]:
    return [m["subject"] for m in for_address(email)]


def test_sign_up_mails_a_verification_link_that_verifies_the_address_once(api: Any) -> None:
    user = signup(api)
    # GIVEN a new account: signed in, address not yet verified, one mail with a /verify link in the outbox
    status, me, _ = call(api, "GET", "/users/me", token=user["access_token"])
    assert status == 200 and me["email_verified"] is False
    mails = for_address(user["email"])
    assert len(mails) == 1 and mails[0]["subject"].startswith("Confirm your e-mail address")
    assert mails[0]["links"][0].startswith("http://127.0.0.1:8000/verify?token=")
    token = outbox_link(user["email"], "verify")
    # WHEN the link's token is sent THEN the address is verified
    status, body, _ = call(api, "POST", "/auth/verify-email", {"token": token})
    assert status == 200 and body == {"email": user["email"], "email_verified": True}
    status, me, _ = call(api, "GET", "/users/me", token=user["access_token"])
    assert me["email_verified"] is True
    # AND the link works once; a made-up token is refused the same way
    for bad in (token, token[:-2] + "xx", "x" * 43):
        status, body, _ = call(api, "POST", "/auth/verify-email", {"token": bad})
        assert status == 422 and body["error"]["code"] == "invalid_token", body


def test_registering_a_known_address_answers_like_a_new_one_and_only_tells_the_owner(
    api: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from chalicelib.adapters.passwords import Argon2Hasher

    hashed: list[str] = []
    real_hash = Argon2Hasher.hash
    monkeypatch.setattr(Argon2Hasher, "hash", lambda self, pw: hashed.append(pw) or real_hash(self, pw))
    owner, stranger = new_email(), new_email()
    # WHEN a new address and then a known one register
    started = time.perf_counter()
    new = call(api, "POST", "/auth/register", {"email": stranger, "password": PASSWORD})
    new_s = time.perf_counter() - started
    call(api, "POST", "/auth/register", {"email": owner, "password": PASSWORD})
    started = time.perf_counter()
    known = call(api, "POST", "/auth/register", {"email": owner, "password": "someone else's passphrase 1"})
    known_s = time.perf_counter() - started
    # THEN the answers are the same (status, body shape, headers that matter) and both paid for one hash
    assert new[0] == known[0] == 202
    assert set(new[1]) == set(known[1]) == {"email", "message"} and new[1]["message"] == known[1]["message"]
    assert new[2].get("Content-Type") == known[2].get("Content-Type")
    assert len(hashed) == 3
    # Both are dominated by the same argon2 hash (tens of ms); neither is a fraction of the other.
    assert max(new_s, known_s) < 4 * min(new_s, known_s) + 0.05, (new_s, known_s)
    # AND the owner learns of the attempt (no link to anything), the account keeps its password
    assert _subjects(owner)[-1].startswith("Someone tried to create")
    assert "token=" not in for_address(owner)[-1]["text"]
    status, _, _ = call(api, "POST", "/auth/login", {"email": owner, "password": "someone else's passphrase 1"})
    assert status == 401
    assert call(api, "POST", "/auth/login", {"email": owner, "password": PASSWORD})[0] == 200


def test_resend_verification_mails_a_new_link_only_to_an_unverified_account(api: Any) -> None:
    user = signup(api)
    first = outbox_link(user["email"], "verify")
    status, body, _ = call(api, "POST", "/auth/resend-verification", {"email": user["email"]})
    assert status == 202 and body["email"] == user["email"]
    second = outbox_link(user["email"], "verify")
    assert second != first
    assert call(api, "POST", "/auth/verify-email", {"token": second})[0] == 200
    count = len(for_address(user["email"]))
    # Verified: the same answer, no mail. Unknown address: the same answer, no mail.
    assert call(api, "POST", "/auth/resend-verification", {"email": user["email"]})[:2] == (202, body)
    assert len(for_address(user["email"])) == count
    unknown = new_email()
    status, other, _ = call(api, "POST", "/auth/resend-verification", {"email": unknown})
    assert status == 202 and set(other) == set(body) and for_address(unknown) == []


def test_forgot_password_resets_once_ends_every_session_and_tells_the_owner(api: Any) -> None:
    user = signup(api)
    status, second_device, _ = call(api, "POST", "/auth/login", {"email": user["email"], "password": PASSWORD})
    assert status == 200
    # WHEN the owner asks for a reset link
    status, body, _ = call(api, "POST", "/auth/forgot-password", {"email": user["email"]})
    assert status == 202 and set(body) == {"email", "message"}
    assert _subjects(user["email"])[-1].startswith("Reset your")
    token = outbox_link(user["email"], "reset")
    # A password the policy refuses does not spend the link
    status, body, _ = call(api, "POST", "/auth/reset-password", {"token": token, "new_password": "password12"})
    assert status == 422 and body["error"]["code"] == "weak_password"
    # THEN the link sets the new password
    status, _, headers = call(api, "POST", "/auth/reset-password", {"token": token, "new_password": NEW_PASSWORD})
    assert status == 204 and "Max-Age=0" in headers["Set-Cookie"]
    assert call(api, "POST", "/auth/login", {"email": user["email"], "password": PASSWORD})[0] == 401
    status, fresh, _ = call(api, "POST", "/auth/login", {"email": user["email"], "password": NEW_PASSWORD})
    assert status == 200
    # AND every earlier session ended, access and refresh tokens alike; the new one works
    for session in (user, second_device):
        assert call(api, "GET", "/users/me", token=session["access_token"])[0] == 401
        assert call(api, "POST", "/auth/refresh", {"refresh_token": session["refresh_token"]})[0] == 401
    status, me, _ = call(api, "GET", "/users/me", token=fresh["access_token"])
    assert status == 200 and me["email_verified"] is True  # the link reached the address
    # AND the link is refused a second time, and the owner got a notice
    status, body, _ = call(api, "POST", "/auth/reset-password", {"token": token, "new_password": "yet another pass 99"})
    assert status == 422 and body["error"]["code"] == "invalid_token"
    assert _subjects(user["email"])[-1].endswith("password was changed")
    assert call(api, "POST", "/auth/login", {"email": user["email"], "password": "yet another pass 99"})[0] == 401


def test_a_reset_link_is_refused_after_its_expiry_and_after_a_later_password_change(api: Any) -> None:
    from chalicelib import bootstrap
    from chalicelib.domain.clock import ManualClock

    clock = ManualClock(time.time_ns() // 1_000_000)
    bootstrap.use(bootstrap.Container(wall_clock=clock))
    try:
        user = signup(api)
        assert call(api, "POST", "/auth/forgot-password", {"email": user["email"]})[0] == 202
        token = outbox_link(user["email"], "reset")
        clock.advance(30 * 60 * 1000 + 1)  # TRADEBOT_RESET_TTL_S: 30 minutes
        status, body, _ = call(api, "POST", "/auth/reset-password", {"token": token, "new_password": NEW_PASSWORD})
        assert status == 422 and body["error"]["code"] == "invalid_token"
        assert call(api, "POST", "/auth/login", {"email": user["email"], "password": PASSWORD})[0] == 200
        # A fresh link, then the password changes another way: the link no longer works
        assert call(api, "POST", "/auth/forgot-password", {"email": user["email"]})[0] == 202
        token = outbox_link(user["email"], "reset")
        clock.advance(1000)
        status, session, _ = call(api, "POST", "/auth/login", {"email": user["email"], "password": PASSWORD})
        change = {"current_password": PASSWORD, "new_password": NEW_PASSWORD}
        assert call(api, "PATCH", "/users/me", change, token=session["access_token"])[0] == 200
        clock.advance(1000)
        status, body, _ = call(api, "POST", "/auth/reset-password", {"token": token, "new_password": "other pass 4242"})
        assert status == 422 and body["error"]["code"] == "invalid_token"
    finally:
        bootstrap.use(None)


def test_a_password_change_is_notified_by_email(api: Any) -> None:
    user = signup(api)
    change = {"current_password": PASSWORD, "new_password": NEW_PASSWORD}
    assert call(api, "PATCH", "/users/me", change, token=user["access_token"])[0] == 200
    mail = for_address(user["email"])[-1]
    assert mail["subject"].endswith("password was changed") and "forgot-password" in mail["text"]
    assert "token=" not in mail["text"]


def test_forgot_password_answers_the_same_for_an_unknown_address_and_mails_nothing(api: Any) -> None:
    user, unknown = signup(api), new_email()
    known = call(api, "POST", "/auth/forgot-password", {"email": user["email"]})
    other = call(api, "POST", "/auth/forgot-password", {"email": unknown})
    assert known[0] == other[0] == 202 and set(known[1]) == set(other[1]) and known[1]["message"] == other[1]["message"]
    assert for_address(unknown) == []


def test_mail_requests_are_throttled_per_address_and_per_source(api: Any) -> None:
    user = signup(api)
    answers = [call(api, "POST", "/auth/forgot-password", {"email": user["email"]})[0] for _ in range(4)]
    assert answers == [202, 202, 202, 429]
    status, body, headers = call(api, "POST", "/auth/forgot-password", {"email": user["email"]})
    assert status == 429 and body["error"]["code"] == "too_many_requests" and int(headers["Retry-After"]) > 0
    assert len([s for s in _subjects(user["email"]) if s.startswith("Reset your")]) == 3
    # Per source, across addresses
    from chalicelib import bootstrap
    from chalicelib.config import settings

    _forget_mail_counters()
    extra = {**settings().extra, "TRADEBOT_MAIL_PER_SOURCE": "2"}
    bootstrap.use(bootstrap.Container(cfg=dataclasses.replace(settings(), extra=extra)))
    try:
        answers = [call(api, "POST", "/auth/resend-verification", {"email": new_email()})[0] for _ in range(3)]
        assert answers == [202, 202, 429]
    finally:
        bootstrap.use(None)


def test_email_routes_answer_json_errors_for_malformed_input(api: Any) -> None:
    for path, body in (
        ("/auth/verify-email", {"token": ""}),
        ("/auth/verify-email", {"token": "x" * 500}),
        ("/auth/reset-password", {"token": "abc"}),
        ("/auth/forgot-password", {"email": "not-an-address"}),
        ("/auth/resend-verification", {}),
    ):
        status, answer, _ = call(api, "POST", path, body)
        assert status == 422 and set(answer["error"]) == {"code", "message", "details"}, (path, answer)
