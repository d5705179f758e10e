"""No secret leaks: a full flow (register twice, e-mail verification and reset links, failed and good sign-in,
refresh by body and by cookie, add an exchange key checked by a canned Binance, create and run a paper bot until it
trades, read everything, sign out) with every logger at DEBUG; the captured log records, stdout/stderr and every
API response are scanned for the passwords, the API secret, every refresh token, every e-mailed link token and the
JWT signing secret. The stored API secret's ciphertext does not open under another user's encryption context."""

from __future__ import annotations

import base64
import json
import logging
from typing import Any

import boto3
import pytest

from tests.integration.api.helpers import call, new_email, outbox_link
from tests.integration.bots.conftest import Platform, bot_body
from tests.security.flows import add_api_key, new_secret

PASSWORD = "Unique-Passw0rd-" + "x7Qz"
RESET_PASSWORD = "Reset-Passw0rd-" + "p4Wd"
WRONG_PASSWORD = "Wrong-Passw0rd-" + "k2Lm"
DCA = {"strategy": "dca", "params": {"base_order_quote": 100, "take_profit_pct": 50}}
# botocore's own DEBUG lines print raw request and response bodies (a Secrets Manager answer, a KMS
# plaintext): the platform never turns them on, so they are kept at INFO while everything else is DEBUG.
THIRD_PARTY_WIRE_LOGGERS = ("botocore", "boto3", "urllib3")


def _forms(secret: str) -> list[str]:
    """The secret as it could show up: raw, JSON-escaped, base64 (KMS plaintext), URL-encoded-ish."""
    raw = secret.encode()
    return [secret, json.dumps(secret)[1:-1], base64.b64encode(raw).decode(), base64.urlsafe_b64encode(raw).decode()]


class Recorder:
    def __init__(self, platform: Platform) -> None:
        self.platform = platform
        self.responses: list[tuple[str, str, set[str]]] = []  # (label, text, tokens this answer issued)

    def __call__(
        self, method: str, path: str, body: Any = None, token: str | None = None, headers: dict[str, str] | None = None
    ) -> tuple[int, Any]:
        status, data, hdrs = call(self.platform.api, method, path, body, token, headers)
        issued = set()
        if isinstance(data, dict) and "refresh_token" in data:
            issued.add(str(data["refresh_token"]))
        # A refresh made with the cookie answers with the new token in the cookie only.
        cookie = hdrs.get("Set-Cookie") or hdrs.get("set-cookie") or ""
        self.cookie_token = cookie.split(";")[0].removeprefix("refresh_token=") if "refresh_token=" in cookie else ""
        if self.cookie_token:
            issued.add(self.cookie_token)
        self.responses.append((f"{method} {path} -> {status}", json.dumps(data) + json.dumps(hdrs), issued))
        return status, data


def test_no_secret_in_logs_or_responses_of_a_full_flow(
    platform: Platform,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from chalicelib.adapters.jwt_tokens import secret_from_secrets_manager
    from chalicelib.config import settings
    from chalicelib.observability import logger as app_logger

    caplog.set_level(logging.DEBUG)
    logging.getLogger().setLevel(logging.DEBUG)
    for name in THIRD_PARTY_WIRE_LOGGERS:
        logging.getLogger(name).setLevel(logging.INFO)
    app_logger.setLevel("DEBUG")
    rec = Recorder(platform)
    api_secret = new_secret()
    email = new_email()
    refresh_tokens: list[str] = []
    mail_tokens: list[str] = []
    try:
        assert rec("POST", "/auth/register", {"email": email, "password": PASSWORD})[0] == 202
        assert rec("POST", "/auth/register", {"email": email, "password": PASSWORD})[0] == 202
        # E-mail links: the verification tokens (the first and a resent one) are credentials too.
        mail_tokens.append(outbox_link(email, "verify"))
        assert rec("POST", "/auth/resend-verification", {"email": email})[0] == 202
        mail_tokens.append(outbox_link(email, "verify"))
        assert rec("POST", "/auth/verify-email", {"token": mail_tokens[-1]})[0] == 200
        assert rec("POST", "/auth/verify-email", {"token": mail_tokens[0] + "x"})[0] == 422
        assert rec("POST", "/auth/login", {"email": email, "password": WRONG_PASSWORD})[0] == 401
        status, session = rec("POST", "/auth/login", {"email": email, "password": PASSWORD})
        assert status == 200
        refresh_tokens.append(session["refresh_token"])
        status, session = rec("POST", "/auth/refresh", {"refresh_token": session["refresh_token"]})
        assert status == 200
        refresh_tokens.append(session["refresh_token"])
        status, session = rec(
            "POST", "/auth/refresh", None, None, {"cookie": f"refresh_token={session['refresh_token']}"}
        )
        assert status == 200 and "refresh_token" not in session
        refresh_tokens.append(rec.cookie_token)
        # Reusing a rotated token ends the family (reuse detection); the answer must not echo it.
        assert rec("POST", "/auth/refresh", {"refresh_token": refresh_tokens[0]})[0] == 401
        status, session = rec("POST", "/auth/login", {"email": email, "password": PASSWORD})
        refresh_tokens.append(session["refresh_token"])
        token = session["access_token"]

        key = add_api_key(platform.api, token, label="main", api_secret=api_secret)
        rec.responses.append(("POST /api-keys", json.dumps(key), set()))
        status, bot = rec("POST", "/bots", bot_body(**DCA), token)
        assert status == 201
        assert rec("POST", f"/bots/{bot['id']}/start", None, token)[0] == 200
        platform.minute(3)
        for path in (
            "/api-keys",
            "/bots",
            f"/bots/{bot['id']}",
            f"/bots/{bot['id']}/trades",
            "/trades",
            "/trades/export.csv",
            "/dashboard",
            "/notifications",
            "/users/me",
            f"/api-keys/{key['id']}/audit",
        ):
            assert rec("GET", path, None, token)[0] == 200, path
        status, trades = rec("GET", f"/bots/{bot['id']}/trades", None, token)
        assert trades["items"], "the bot should have traded"
        assert (
            rec("POST", "/api-keys", {"label": "x", "api_key": "k", "api_secret": api_secret, "oops": 1}, token)[0]
            == 422
        )
        assert rec("POST", f"/bots/{bot['id']}/stop", None, token)[0] == 200
        signal_secrets = _signal_bot_flow(rec, token)
        assert rec("POST", "/auth/forgot-password", {"email": email})[0] == 202
        mail_tokens.append(outbox_link(email, "reset"))
        reset = {"token": mail_tokens[-1], "new_password": RESET_PASSWORD}
        assert rec("POST", "/auth/reset-password", reset)[0] == 204
        assert rec("POST", "/auth/reset-password", reset)[0] == 422
        status, session = rec("POST", "/auth/login", {"email": email, "password": RESET_PASSWORD})
        assert status == 200
        refresh_tokens.append(session["refresh_token"])
        assert rec("POST", "/auth/logout", {"refresh_token": refresh_tokens[-1]})[0] == 204
    finally:
        app_logger.setLevel("WARNING")
        logging.getLogger().setLevel(logging.WARNING)

    jwt_secret = secret_from_secrets_manager(settings().jwt_secret_name)()
    secrets = {
        "password": PASSWORD,
        "wrong_password": WRONG_PASSWORD,
        "api_secret": api_secret,
        "jwt_secret": jwt_secret,
        "reset_password": RESET_PASSWORD,
        **{f"refresh_token_{i}": t for i, t in enumerate(refresh_tokens)},
        **{f"mail_link_token_{i}": t for i, t in enumerate(mail_tokens)},
        **{f"signal_secret_{i}": t for i, t in enumerate(signal_secrets)},
    }
    captured = capsys.readouterr()
    records = [r.getMessage() + " " + json.dumps(r.__dict__, default=str) for r in caplog.records]
    logs = "\n".join([captured.out, captured.err, *records])
    assert len(logs) > 1000, "nothing was logged: the scan would prove nothing"
    found = [(name, form) for name, value in secrets.items() for form in _forms(value) if form in logs]
    assert not found, f"secrets in the logs: {[n for n, _ in found]}"
    for label, text, issued in rec.responses:
        leaked = [name for name, value in secrets.items() if value not in issued and value in text]
        assert not leaked, f"{label} leaked {leaked}"


def _signal_bot_flow(rec: Recorder, token: str) -> list[str]:
    """A signal bot's webhook secrets (the part after the token id): issued twice (create, rotate), used in the
    URL, in the body and as a signature's key, tried wrong, and the bot's signals applied by the worker and
    listed."""
    from chalicelib.services.signal_auth import sign

    status, bot = rec("POST", "/bots", bot_body(name="signals", strategy="signal", params={}), token)
    assert status == 201 and rec("POST", f"/bots/{bot['id']}/start", None, token)[0] == 200
    issued: list[str] = []
    for _ in range(2):
        status, data, hdrs = call(rec.platform.api, "POST", f"/bots/{bot['id']}/signal-secret", None, token)
        assert status == 201
        issued.append(data["token"])
        # The answer that issues a token may show it; no other answer may.
        rec.responses.append((f"POST signal-secret -> {status}", json.dumps(data) + json.dumps(hdrs), {data["token"],
                              data["token"].split(".")[1], data["url"]}))  # fmt: skip
    old, new = issued
    token_id, secret = new.split(".")
    rec.platform.minute(1)
    plain = {"content-type": "text/plain"}
    assert rec("POST", f"/signals/{new}", "buy", None, plain)[0] == 202
    assert rec("POST", f"/signals/{old}", "close", None, plain)[0] == 401
    assert rec("POST", f"/signals/{token_id}", {"action": "close", "secret": secret, "ticker": "ETHUSDT"})[0] == 422
    assert rec("POST", f"/signals/{token_id}", {"action": "close", "secret": secret + "x"})[0] == 401
    assert rec("POST", f"/signals/{new}", "{not json", None, {"content-type": "application/json"})[0] == 400
    # Signed requests: the secret is the HMAC key (KMS-sealed in the table) and never travels.
    stamp = str(rec.platform.clock.now_ms() // 1000)
    for key, body, want in ((secret, b"close", 202), (secret + "x", b"buy", 401), (old.split(".")[1], b"buy", 401)):
        signed = {"content-type": "text/plain", "X-Signature": sign(key, stamp, body), "X-Signature-Timestamp": stamp}
        assert rec("POST", f"/signals/{token_id}", body.decode(), None, signed)[0] == want
    rec.platform.minute(1)
    status, log = rec("GET", f"/bots/{bot['id']}/signals", None, token)
    assert status == 200 and {s["status"] for s in log["items"]} >= {"executed", "refused", "invalid"}, log
    return [t.split(".")[1] for t in issued]


def test_api_secret_ciphertext_does_not_open_under_another_users_context(platform: Platform) -> None:
    from chalicelib.adapters.dynamo.api_keys import ApiKeyItem
    from chalicelib.adapters.kms_cipher import KmsCipher
    from chalicelib.config import settings
    from chalicelib.services.ports.crypto import DecryptionFailed

    alice, mallory = platform.user(), platform.user()
    api_secret = new_secret()
    key = add_api_key(platform.api, alice["access_token"], api_secret=api_secret)
    mallory_key = add_api_key(platform.api, mallory["access_token"])
    stored = ApiKeyItem.get(alice["id"], key["id"])
    ciphertext = bytes(stored.ciphertext)
    assert api_secret.encode() not in ciphertext
    for attribute in stored.attribute_values.values():
        assert api_secret not in str(attribute)
    cipher = KmsCipher(settings().kms_key_id, region="us-east-1")
    assert api_secret in cipher.decrypt(ciphertext, {"user_id": alice["id"], "key_id": key["id"]}).decode()
    wrong_contexts = [
        {"user_id": mallory["id"], "key_id": key["id"]},
        {"user_id": mallory["id"], "key_id": mallory_key["id"]},
        {"user_id": alice["id"], "key_id": mallory_key["id"]},
        {"user_id": alice["id"]},
        {},
    ]
    kms = boto3.client("kms", region_name="us-east-1")
    for context in wrong_contexts:
        with pytest.raises(DecryptionFailed):
            cipher.decrypt(ciphertext, context)
        with pytest.raises(kms.exceptions.InvalidCiphertextException):
            kms.decrypt(CiphertextBlob=ciphertext, EncryptionContext=context)
    # Copied into Mallory's row, Alice's ciphertext does not open for Mallory either.
    ApiKeyItem(
        mallory["id"],
        "stolen",
        label="x",
        api_key_last4="0000",
        testnet=True,
        created_at_ms=stored.created_at_ms,
        ciphertext=ciphertext,
    ).save()
    from chalicelib import bootstrap

    with pytest.raises(DecryptionFailed):
        bootstrap.container().api_keys.get_decrypted_credentials(mallory["id"], "stolen")
