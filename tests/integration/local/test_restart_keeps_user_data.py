"""GIVEN `python -m infra.local` serving the real app, with one user's data of every kind (account, changed
password, webhook setting, exchange key, bots with state, trades and paper orders, notifications, a backtest
and its gzip-compressed result) WHEN the runtime is stopped and started again THEN every kind reads back
through the API exactly as before, and every item of every user-data table is back as it was saved.

The backtest result is the regression of issue 20: its blob is gzip and used to be decompressed only when the
object's ContentEncoding said so, which the snapshot did not keep, so it answered 500 after a restart.

Wall time: two start-ups and a few market minutes at CLOCK_SPEED=60 (about 30-60 s)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3

from infra.local.snapshot import _decode
from tests.e2e.canned_binance import ACCEPTED_KEY, ACCEPTED_SECRET, CannedBinance
from tests.integration.local.conftest import free_port

PROJECT = Path(__file__).resolve().parents[3]
EMAIL = "restart@example.com"
FIRST_PASSWORD = "correct horse battery"
PASSWORD = "a new long passphrase 7"
# Caches and coordination (rebuilt on demand), not user data.
NOT_USER_DATA = ("tradebot-dev-rate-limits", "tradebot-dev-market-cache")


def _start(state_dir: Path, api_port: int, moto_port: int, binance: str, log: Path) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if k not in ("CLOCK_SPEED", "CLOCK_START", "CLOCK_ANCHOR_MS", "STAGE")}
    env.update(
        {
            "LOCAL_STATE_DIR": str(state_dir),
            "FRONTEND_DIST": str(state_dir / "no-web-app"),
            "MOTO_PORT": str(moto_port),
            "API_PORT": str(api_port),
            "APP_NAME": "tradebot",
            "STAGE": "dev",
            "SQS_WAIT_S": "1",
            "SNAPSHOT_INTERVAL_S": "3600",  # only the final snapshot, at stop
            "CLOCK_SPEED": "60",
            "CLOCK_START": "2024-03-01",
            "BINANCE_BASE_URL": binance,
            # The webhook setting below names a receiver on this machine: local mode allows it only when told.
            "TRADEBOT_WEBHOOK_ALLOW_NETWORKS": "127.0.0.1/32",
        }
    )
    with log.open("ab") as out:
        return subprocess.Popen([sys.executable, "-m", "infra.local"], cwd=PROJECT, env=env, stdout=out, stderr=out)


def _call(api: str, path: str, method: str = "GET", body: Any = None, token: str | None = None) -> Any:
    data = json.dumps(body).encode() if body is not None else None
    headers = {"Content-Type": "application/json", **({"Authorization": f"Bearer {token}"} if token else {})}
    request = urllib.request.Request(api + path, data=data, method=method, headers=headers)
    with urllib.request.urlopen(request, timeout=30) as response:
        raw = response.read()
        return json.loads(raw) if raw else None


def _wait(check: Callable[[], bool], process: subprocess.Popen[bytes], log: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            if check():
                return
        except urllib.error.HTTPError:
            raise
        except (urllib.error.URLError, ConnectionError):
            pass  # not listening yet
        assert process.poll() is None, log.read_text()[-5000:]
        assert time.monotonic() < deadline, "timed out; log tail:\n" + log.read_text()[-5000:]
        time.sleep(0.3)


def _stop(process: subprocess.Popen[bytes], log: Path) -> None:
    process.send_signal(signal.SIGINT)
    process.wait(timeout=60)
    assert process.returncode == 0, log.read_text()[-5000:]


def _login(api: str) -> str:
    return str(_call(api, "/auth/login", "POST", {"email": EMAIL, "password": PASSWORD})["access_token"])


def _everything(api: str, token: str, bots: list[str], backtests: list[str]) -> dict[str, Any]:
    """What the user sees of each kind of data, through the API."""
    seen: dict[str, Any] = {
        "me": _call(api, "/users/me", token=token),
        "api_keys": _call(api, "/api-keys", token=token),
        "bots": _call(api, "/bots", token=token),
        "trades": _call(api, "/trades", token=token),
        "notifications": _call(api, "/notifications", token=token),
        "backtests": _call(api, "/backtests", token=token),
    }
    for bot_id in bots:
        seen[f"bot {bot_id}"] = _call(api, f"/bots/{bot_id}", token=token)
        seen[f"bot {bot_id} trades"] = _call(api, f"/bots/{bot_id}/trades", token=token)
    for backtest_id in backtests:
        seen[f"backtest {backtest_id}"] = _call(api, f"/backtests/{backtest_id}", token=token)
    return seen


def _order(item: dict[str, Any]) -> str:
    return json.dumps(item, sort_keys=True, default=repr)


def _tables(moto_port: int) -> dict[str, list[dict[str, Any]]]:
    ddb = boto3.client(
        "dynamodb",
        endpoint_url=f"http://127.0.0.1:{moto_port}",
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    out: dict[str, list[dict[str, Any]]] = {}
    for name in ddb.list_tables()["TableNames"]:
        if name not in NOT_USER_DATA:
            items = [i for page in ddb.get_paginator("scan").paginate(TableName=name) for i in page["Items"]]
            out[name] = sorted(items, key=_order)
    return out


def _saved_tables(state_dir: Path) -> dict[str, list[dict[str, Any]]]:
    state = _decode(json.loads((state_dir / "snapshot" / "state.json").read_text()))
    return {name: sorted(items, key=_order) for name, items in state["dynamodb"].items() if name not in NOT_USER_DATA}


def test_every_kind_of_user_data_survives_a_restart(tmp_path: Path) -> None:
    port, moto_port = free_port(), free_port()
    api = f"http://127.0.0.1:{port}/api/v1"
    log = tmp_path / "runtime.log"

    with CannedBinance() as binance:
        # GIVEN a first run in which a user creates one of everything
        first = _start(tmp_path, port, moto_port, binance.url, log)
        try:
            _wait(lambda: _call(api, "/health")["status"] == "ok", first, log, timeout=120)
            _call(api, "/auth/register", "POST", {"email": EMAIL, "password": FIRST_PASSWORD})
            token = _call(api, "/auth/login", "POST", {"email": EMAIL, "password": FIRST_PASSWORD})["access_token"]
            change = {"current_password": FIRST_PASSWORD, "new_password": PASSWORD}
            token = _call(api, "/users/me", "PATCH", change, token)["access_token"]
            settings = _call(api, "/users/me/settings", "PATCH", {"webhook_url": "https://127.0.0.1:9/hook"}, token)
            assert settings["webhook_url"] == "https://127.0.0.1:9/hook"
            key = {"label": "testnet key", "api_key": ACCEPTED_KEY, "api_secret": ACCEPTED_SECRET, "testnet": True}
            key_id = _call(api, "/api-keys", "POST", key, token)["id"]
            bots = []
            for name, strategy, params in (
                ("dca", "dca", {"base_order_quote": 50, "safety_order_quote": 50, "max_safety_orders": 3}),
                ("sma", "sma_cross", {"fast": 2, "slow": 5}),
            ):
                body = {
                    "name": name,
                    "strategy": strategy,
                    "params": params,
                    "symbol": "BTCUSDT",
                    "interval": "1m",
                    "mode": "paper",
                    "budget": "1000",
                    "risk": {},
                }
                bots.append(_call(api, "/bots", "POST", body, token)["id"])
            for bot_id in bots:
                assert _call(api, f"/bots/{bot_id}/start", "POST", None, token)["status"] == "running"
            backtest = {
                "strategy": "sma_cross",
                "params": {"fast": 3, "slow": 8},
                "symbol": "BTCUSDT",
                "interval": "15m",
                "start": "2024-02-01T00:00:00Z",
                "end": "2024-02-08T00:00:00Z",
            }
            done = _call(api, "/backtests", "POST", backtest, token)
            assert done["status"] == "done" and done["result"]["trades"], done
            backtests = [done["id"]]
            # The DCA bot buys its base order on its first tick; a trade notifies.
            _wait(lambda: _call(api, f"/bots/{bots[0]}/trades", token=token)["items"], first, log, timeout=90)
            _wait(lambda: _call(api, "/notifications", token=token)["items"], first, log, timeout=60)
            for bot_id in bots:  # stopped, so nothing changes between the last look and the snapshot
                assert _call(api, f"/bots/{bot_id}/stop", "POST", {"close_position": False}, token)["status"] == (
                    "stopped"
                )
            time.sleep(3)  # a tick or notification already in flight settles
            before = _everything(api, token, bots, backtests)
        finally:
            _stop(first, log)
        saved = _saved_tables(tmp_path)
        for table in (
            "users",
            "user-emails",
            "refresh-tokens",
            "api-keys",
            "bots",
            "bot-states",
            "trades",
            "paper-accounts",
            "notifications",
            "backtests",
        ):
            assert saved[f"tradebot-dev-{table}"], f"nothing of {table} was saved"

        # WHEN it starts again
        second = _start(tmp_path, port, moto_port, binance.url, log)
        try:
            _wait(lambda: _call(api, "/health")["status"] == "ok", second, log, timeout=120)
            # THEN the old access token still verifies, the new password signs in, and everything reads back
            assert _call(api, "/users/me", token=token)["email"] == EMAIL
            token = _login(api)
            after = _everything(api, token, bots, backtests)
            tables = _tables(moto_port)
        finally:
            _stop(second, log)

    assert before["api_keys"]["items"][0]["id"] == key_id
    assert before["me"]["webhook_url"] == "https://127.0.0.1:9/hook"
    assert before[f"backtest {backtests[0]}"]["result"]["trades"] == done["result"]["trades"]
    for kind, seen in before.items():
        assert after[kind] == seen, kind
    # Every item of every user-data table (including order records and paper orders) is back as saved; the
    # second run only added refresh tokens (its sign-in) and left the rest alone.
    for name, items in saved.items():
        if name == "tradebot-dev-refresh-tokens":
            assert all(item in tables[name] for item in items)
        else:
            assert tables[name] == items, name
