"""The secrets suite for two-factor sign-in and sessions: with every logger at DEBUG, a flow through every new
route (enrol, confirm, sign in with a code and with a recovery code, wrong codes, fresh codes for sensitive
actions, the sessions list and a revocation, the data export, disable) never puts the TOTP secret, a recovery
code or an mfa_token in a log line, and no answer but the one that shows it once carries the secret or the
recovery codes. The stored secret is a KMS ciphertext that opens only under its owner's context."""

from __future__ import annotations

import io
import json
import logging
import zipfile
from typing import Any

import pytest

from tests.integration.api.helpers import PASSWORD, call
from tests.integration.api.mfa_steps import STEP_MS, code_at
from tests.integration.bots.conftest import Platform
from tests.security.test_secrets import THIRD_PARTY_WIRE_LOGGERS, Recorder, _forms


def _enrol(rec: Recorder, platform: Platform, token: str) -> tuple[str, list[str]]:
    status, enrolment = rec("POST", "/users/me/mfa", {"password": PASSWORD}, token)
    assert status == 201
    secret = enrolment["secret"]
    status, confirmed = rec("POST", "/users/me/mfa/confirm", {"code": code_at(secret, platform.clock.now_ms())}, token)
    assert status == 200
    return secret, confirmed["recovery_codes"]


def _sign_ins(rec: Recorder, platform: Platform, user: dict[str, Any], secret: str, recovery: list[str]) -> list[str]:
    mfa_tokens = []
    for second_step in ({"code": "000000"}, {"recovery_code": recovery[0]}, {"recovery_code": recovery[0]}):
        status, challenge = rec("POST", "/auth/login", {"email": user["email"], "password": PASSWORD})
        assert status == 200 and challenge["mfa_required"]
        mfa_tokens.append(challenge["mfa_token"])
        rec("POST", "/auth/login/mfa", {"mfa_token": challenge["mfa_token"], **second_step})
    platform.clock.advance(STEP_MS)
    status, session = rec(
        "POST", "/auth/login/mfa", {"mfa_token": mfa_tokens[-1], "code": code_at(secret, platform.clock.now_ms())}
    )
    assert status == 200, session
    return mfa_tokens


def _account_routes(rec: Recorder, platform: Platform, token: str, secret: str) -> None:
    rec("GET", "/users/me", None, token)
    rec("GET", "/users/me/mfa", None, token)
    rec("POST", "/users/me/mfa", {"password": PASSWORD}, token)  # already on: 409
    rec("PATCH", "/users/me", {"current_password": PASSWORD, "new_password": "x" * 3 + PASSWORD}, token)
    status, sessions = rec("GET", "/users/me/sessions", None, token)
    assert status == 200 and sessions["items"]
    rec("DELETE", f"/users/me/sessions/{sessions['items'][-1]['id']}", None, token)
    platform.clock.advance(STEP_MS)
    rec("DELETE", "/users/me/mfa", {"code": "123456"}, token)
    rec("DELETE", "/users/me/mfa", {"code": code_at(secret, platform.clock.now_ms())}, token)


def _export(platform: Platform, token: str) -> str:
    response = platform.api.post(
        "/api/v1/users/me/export",
        headers={"content-type": "application/json", "authorization": f"Bearer {token}", "accept": "application/zip"},
        body=json.dumps({"password": PASSWORD}),
    )
    assert response.status_code == 200
    with zipfile.ZipFile(io.BytesIO(response.body)) as archive:
        return "\n".join(archive.read(n).decode() for n in archive.namelist())


def test_no_totp_secret_recovery_code_or_mfa_token_in_logs_or_answers(
    platform: Platform, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    from chalicelib.observability import logger as app_logger

    caplog.set_level(logging.DEBUG)
    logging.getLogger().setLevel(logging.DEBUG)
    for name in THIRD_PARTY_WIRE_LOGGERS:
        logging.getLogger(name).setLevel(logging.INFO)
    app_logger.setLevel("DEBUG")
    rec = Recorder(platform)
    user = platform.user()
    token = user["access_token"]
    try:
        secret, recovery = _enrol(rec, platform, token)
        mfa_tokens = _sign_ins(rec, platform, user, secret, recovery)
        archive = _export(platform, token)
        _account_routes(rec, platform, token, secret)
    finally:
        app_logger.setLevel("WARNING")
    captured = capsys.readouterr()
    logs = "\n".join(
        [captured.out, captured.err, *(r.getMessage() + json.dumps(r.__dict__, default=str) for r in caplog.records)]
    )
    assert len(logs) > 200, "nothing was logged: the scan would prove nothing"
    secrets = {"totp secret": secret, **{f"recovery code {i}": c for i, c in enumerate(recovery)}}
    secrets |= {f"mfa_token {i}": t for i, t in enumerate(mfa_tokens)}
    found = [name for name, value in secrets.items() for form in _forms(value) if form in logs]
    assert not found, f"in the logs: {found}"
    assert not [name for name, value in secrets.items() if value in archive], "in the data export"
    shown_once = {"POST /users/me/mfa -> 201": secret, "POST /users/me/mfa/confirm -> 200": recovery[0]}
    for label, text, _ in rec.responses:
        allowed = shown_once.get(label)
        leaked = [name for name, value in secrets.items() if value in text and value != allowed]
        if label == "POST /users/me/mfa/confirm -> 200":
            leaked = [n for n in leaked if not n.startswith("recovery code")]
        if label == "POST /auth/login -> 200":
            leaked = [n for n in leaked if not n.startswith("mfa_token")]
        assert not leaked, f"{label} leaked {leaked}"


def test_the_stored_secret_is_a_ciphertext_bound_to_its_owner(platform: Platform) -> None:
    import boto3

    from chalicelib.adapters.dynamo.users import UserModel
    from chalicelib.adapters.kms_cipher import KmsCipher
    from chalicelib.config import settings
    from chalicelib.services.ports.crypto import DecryptionFailed

    alice, mallory = platform.user(), platform.user()
    rec = Recorder(platform)
    secret, recovery = _enrol(rec, platform, alice["access_token"])
    item = UserModel.get(alice["id"])
    stored = json.dumps(
        boto3.client("dynamodb").get_item(TableName=UserModel.Meta.table_name, Key={"user_id": {"S": alice["id"]}})[
            "Item"
        ],
        default=str,
    )
    assert not [form for value in (secret, *recovery) for form in _forms(value) if form in stored]
    ciphertext = bytes(item.mfa_secret)
    cipher = KmsCipher(settings().kms_key_id, region="us-east-1")
    assert cipher.decrypt(ciphertext, {"user_id": alice["id"], "key_id": "totp"}).decode() == secret
    for context in ({"user_id": mallory["id"], "key_id": "totp"}, {"user_id": alice["id"]}, {}):
        with pytest.raises(DecryptionFailed):
            cipher.decrypt(ciphertext, context)
    # Copied onto Mallory's record, Alice's secret does not open there: Mallory's codes check fails closed.
    UserModel(mallory["id"]).update(actions=[UserModel.mfa_secret.set(ciphertext), UserModel.mfa_enabled.set(True)])
    status, challenge, _ = call(platform.api, "POST", "/auth/login", {"email": mallory["email"], "password": PASSWORD})
    assert status == 200 and challenge["mfa_required"]
    platform.clock.advance(STEP_MS)
    status, body, _ = call(
        platform.api,
        "POST",
        "/auth/login/mfa",
        {"mfa_token": challenge["mfa_token"], "code": code_at(secret, platform.clock.now_ms())},
    )
    assert status == 401 and body["error"]["code"] == "invalid_mfa_code"
