"""Shared steps of the two-factor tests: enrol with a code computed by pyotp at the platform's clock."""

from __future__ import annotations

from typing import Any

import pyotp

from tests.integration.api.helpers import PASSWORD, call

STEP_MS = 30_000


def code_at(secret: str, now_ms: int) -> str:
    return str(pyotp.TOTP(secret).at(now_ms // 1000))


def enable_mfa(platform: Any, user: dict[str, Any]) -> tuple[str, list[str]]:
    """Enrol and confirm; the secret and the recovery codes. The clock moves on a step, so the next code the
    test computes is a fresh one (the confirming code is spent)."""
    token = user["access_token"]
    status, enrolment, _ = call(platform.api, "POST", "/users/me/mfa", {"password": PASSWORD}, token)
    assert status == 201, enrolment
    secret = enrolment["secret"]
    code = code_at(secret, platform.clock.now_ms())
    status, confirmed, _ = call(platform.api, "POST", "/users/me/mfa/confirm", {"code": code}, token)
    assert status == 200, confirmed
    platform.clock.advance(STEP_MS)
    return secret, confirmed["recovery_codes"]


def password_step(platform: Any, user: dict[str, Any]) -> str:
    status, body, _ = call(platform.api, "POST", "/auth/login", {"email": user["email"], "password": PASSWORD})
    assert status == 200 and body["mfa_required"] is True, body
    return str(body["mfa_token"])
