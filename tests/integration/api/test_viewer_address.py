"""Behind CloudFront, sign-in throttling keys on the viewer's address (X-Viewer-Address, set by the edge),
trusted only with the X-Origin-Verify secret CloudFront adds; a request straight to API Gateway cannot choose
its own address."""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Iterator
from typing import Any

import pytest

from tests.integration.api.helpers import PASSWORD, call, signup

SECRET = "origin-secret-only-cloudfront-knows-0123456789"


@pytest.fixture()
def behind_cloudfront(api: Any) -> Iterator[Any]:
    from chalicelib import bootstrap
    from chalicelib.config import settings

    extra = {**settings().extra, "TRADEBOT_ORIGIN_VERIFY_SHA256": hashlib.sha256(SECRET.encode()).hexdigest()}
    bootstrap.use(bootstrap.Container(cfg=dataclasses.replace(settings(), extra=extra)))
    yield api
    bootstrap.use(None)


def _login(api: Any, email: str, password: str, viewer: str, proof: str | None = SECRET) -> tuple[int, Any]:
    headers = {"X-Viewer-Address": viewer, **({"X-Origin-Verify": proof} if proof else {})}
    status, body, _ = call(api, "POST", "/auth/login", {"email": email, "password": password}, headers=headers)
    return status, body


def test_an_attackers_failures_slow_down_the_attacker_not_the_owner(behind_cloudfront: Any) -> None:
    owner = signup(behind_cloudfront)
    for _ in range(5):
        assert _login(behind_cloudfront, owner["email"], "wrong guess here", "203.0.113.66")[0] == 401
    status, body = _login(behind_cloudfront, owner["email"], "wrong guess here", "203.0.113.66")
    assert status == 429 and body["error"]["code"] == "too_many_attempts"
    # The owner, behind the same CloudFront edge but from their own address, signs in.
    assert _login(behind_cloudfront, owner["email"], PASSWORD, "198.51.100.7")[0] == 200


@pytest.mark.parametrize("proof", [None, "a-guessed-secret"])
def test_a_viewer_address_without_cloudfronts_secret_is_ignored(behind_cloudfront: Any, proof: str | None) -> None:
    owner = signup(behind_cloudfront)
    # Each attempt claims a new address, but without the secret they all count for the real source.
    for i in range(5):
        assert _login(behind_cloudfront, owner["email"], "wrong guess here", f"192.0.2.{i}", proof)[0] == 401
    status, _ = _login(behind_cloudfront, owner["email"], "wrong guess here", "192.0.2.99", proof)
    assert status == 429


def test_a_malformed_viewer_address_falls_back_to_the_source(behind_cloudfront: Any) -> None:
    owner = signup(behind_cloudfront)
    for _ in range(5):
        assert _login(behind_cloudfront, owner["email"], "wrong guess here", "not-an-ip")[0] == 401
    assert _login(behind_cloudfront, owner["email"], "wrong guess here", "also-not-an-ip")[0] == 429
