"""Issue 21's account flows on the runtime `make run` starts (`python -m infra.local`), read through its local
outbox as a person would: sign-up -> the verification mail -> verified; forgot password -> the reset mail ->
new password, old sessions ended; export (a zip) and deletion, both confirmed with the password."""

from __future__ import annotations

import io
import json
import urllib.error
import urllib.request
import zipfile
from pathlib import Path
from typing import Any

from tests.e2e.canned_binance import CannedBinance
from tests.integration.local.conftest import free_port
from tests.integration.local.test_restart_keeps_user_data import _call, _start, _stop, _wait

EMAIL = "runtime-flows@example.com"
FIRST = "correct horse battery 11"
SECOND = "a brand new passphrase 12"


def _link(web: str, email: str, page: str) -> str:
    with urllib.request.urlopen(f"{web}/local/outbox.json", timeout=10) as response:
        items = json.loads(response.read())["items"]
    for message in reversed(items):
        if email in message["to"]:
            for link in message["links"]:
                if f"/{page}?token=" in link:
                    assert link.startswith(web), link  # the link opens this runtime's web app
                    return str(link.split("?token=", 1)[1])
    raise AssertionError(f"no /{page} mail for {email} in the outbox")


def _status(api: str, path: str, method: str, body: Any, token: str | None = None) -> int:
    try:
        _call(api, path, method, body, token)
    except urllib.error.HTTPError as exc:
        return exc.code
    return 200


def test_verification_reset_export_and_deletion_on_the_local_runtime(tmp_path: Path) -> None:
    port, moto_port = free_port(), free_port()
    web, log = f"http://127.0.0.1:{port}", tmp_path / "runtime.log"
    api = f"{web}/api/v1"
    with CannedBinance() as binance:
        runtime = _start(tmp_path, port, moto_port, binance.url, log)
        try:
            _wait(lambda: _call(api, "/health")["status"] == "ok", runtime, log, timeout=120)
            _call(api, "/auth/register", "POST", {"email": EMAIL, "password": FIRST})
            token = _call(api, "/auth/login", "POST", {"email": EMAIL, "password": FIRST})["access_token"]
            assert _call(api, "/users/me", token=token)["email_verified"] is False
            _call(api, "/auth/verify-email", "POST", {"token": _link(web, EMAIL, "verify")})
            assert _call(api, "/users/me", token=token)["email_verified"] is True

            _call(api, "/auth/forgot-password", "POST", {"email": EMAIL})
            reset = {"token": _link(web, EMAIL, "reset"), "new_password": SECOND}
            _call(api, "/auth/reset-password", "POST", reset)
            assert _status(api, "/users/me", "GET", None, token) == 401  # the reset ended every session
            assert _status(api, "/auth/reset-password", "POST", reset) in (400, 401, 422)  # single use
            token = _call(api, "/auth/login", "POST", {"email": EMAIL, "password": SECOND})["access_token"]

            request = urllib.request.Request(
                f"{api}/users/me/export",
                data=json.dumps({"password": SECOND}).encode(),
                method="POST",
                headers={
                    "Content-Type": "application/json",
                    "Accept": "application/zip",
                    "Authorization": f"Bearer {token}",
                },
            )
            with urllib.request.urlopen(request, timeout=30) as response:
                archive = zipfile.ZipFile(io.BytesIO(response.read()))
            account = json.loads(archive.read("tradebot-export/account.json"))
            assert account["email"] == EMAIL

            _call(api, "/users/me", "DELETE", {"password": SECOND, "confirm": "DELETE"}, token)
            assert _status(api, "/auth/login", "POST", {"email": EMAIL, "password": SECOND}) == 401
        finally:
            _stop(runtime, log)
