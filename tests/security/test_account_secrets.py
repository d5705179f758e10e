"""The account routes (export, deletion) keep the secrets suite's promise: no password, API secret (in any
encoding), webhook signing secret or token in a log line, in the export archive or in an answer."""

from __future__ import annotations

import io
import json
import logging
import zipfile

import pytest

from tests.integration.api.helpers import call
from tests.integration.bots.conftest import Platform
from tests.security.flows import add_api_key, new_secret
from tests.security.test_secrets import THIRD_PARTY_WIRE_LOGGERS, _forms


def test_no_secret_in_logs_archive_or_answers_of_export_and_deletion(
    platform: Platform, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    from chalicelib.observability import logger as app_logger

    caplog.set_level(logging.DEBUG)
    logging.getLogger().setLevel(logging.DEBUG)
    for name in THIRD_PARTY_WIRE_LOGGERS:
        logging.getLogger(name).setLevel(logging.INFO)
    app_logger.setLevel("DEBUG")
    user = platform.user()
    token = user["access_token"]
    api_secret = new_secret()
    add_api_key(platform.api, token, label="main", api_secret=api_secret)
    status, settings = platform.call("PATCH", "/users/me/settings", {"webhook_url": "https://hooks.invalid/x"}, token)
    assert status == 200
    answers: list[str] = []
    try:
        response = platform.api.post(
            "/api/v1/users/me/export",
            headers={
                "content-type": "application/json",
                "authorization": f"Bearer {token}",
                "accept": "application/zip",
            },
            body=json.dumps({"password": user["password"]}),
        )
        assert response.status_code == 200
        with zipfile.ZipFile(io.BytesIO(response.body)) as archive:
            answers += [archive.read(n).decode() for n in archive.namelist()]
        status, wrong, _ = call(platform.api, "POST", "/users/me/export", {"password": "not it at all 42"}, token)
        answers.append(json.dumps(wrong))
        status, deleted, headers = call(
            platform.api, "DELETE", "/users/me", {"password": user["password"], "confirm": "DELETE"}, token
        )
        assert status == 200, deleted
        answers.append(json.dumps(deleted) + json.dumps(headers))
    finally:
        app_logger.setLevel("WARNING")
    captured = capsys.readouterr()
    haystacks = {
        "logs": "\n".join(r.getMessage() + json.dumps(r.__dict__, default=str) for r in caplog.records),
        "stdout": captured.out,
        "stderr": captured.err,
        "answers": "\n".join(answers),
    }
    secrets: dict[str, list[str]] = {
        "password": [user["password"]],
        "api secret": _forms(api_secret),
        "webhook secret": [settings["webhook_secret"]],
        "refresh token": [user["refresh_token"]],
    }
    for where, text in haystacks.items():
        for what, forms in secrets.items():
            for form in forms:
                assert form not in text, f"{what} found in {where}"
