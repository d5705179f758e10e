"""GIVEN `python -m infra.local` serving a small app WHEN it runs, is stopped with SIGINT/SIGTERM and started
again THEN the schedule and the SQS handler run on the accelerated clock, and what was written (items,
objects, the JWT secret, KMS ciphertexts, market time) is still there after the restart."""

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

from tests.integration.local.conftest import free_port

PROJECT = Path(__file__).resolve().parents[3]


def _start(state_dir: Path, api_port: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "LOCAL_APP_MODULE": "tests.integration.local.fixture_app",
        "LOCAL_STATE_DIR": str(state_dir),
        "FRONTEND_DIST": str(state_dir / "no-web-app"),
        "MOTO_PORT": "0",
        "API_PORT": str(api_port),
        "APP_NAME": "tradebot",
        "STAGE": "dev",
        "CLOCK_SPEED": "240",  # a market minute per 250 ms
        "CLOCK_START": "2024-01-01",
        "SQS_WAIT_S": "1",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "infra.local"], cwd=PROJECT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )


def _call(url: str, method: str = "GET", body: dict[str, Any] | None = None) -> Any:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def _wait(check: Callable[[], bool], process: subprocess.Popen[bytes], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            if check():
                return
        except (urllib.error.URLError, ConnectionError):
            pass
        assert process.poll() is None, process.communicate()[0].decode()
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def _stop(process: subprocess.Popen[bytes], signum: int) -> str:
    process.send_signal(signum)
    output = process.communicate(timeout=30)[0].decode()
    assert process.returncode == 0, output
    return output


def _events(base: str, kind: str) -> list[str]:
    return [e for e in _call(f"{base}/api/v1/events")["events"] if e.startswith(kind + "#")]


def test_runs_the_app_and_keeps_its_state_across_a_restart(tmp_path: Path) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    first = _start(tmp_path, port)
    try:
        _wait(lambda: _call(f"{base}/api/v1/health") == {"status": "ok"}, first)
        _call(f"{base}/api/v1/things/u1", "PUT", {"secret": "binance-secret"})
        jwt_key = _call(f"{base}/api/v1/jwt-key")["value"]
        # The scheduler dispatches every market minute; the poller runs each dispatched tick.
        _wait(lambda: len(_events(base, "tick")) >= 3, first)
        assert _events(base, "schedule")[:3] == [f"schedule#2024-01-01T00:0{m}:00Z" for m in (1, 2, 3)]
    finally:
        output = _stop(first, signal.SIGINT)
    assert "stopped" in output
    assert (tmp_path / "snapshot" / "state.json").is_file()
    last_before = _events_from_snapshot(tmp_path)

    second = _start(tmp_path, port)
    try:
        _wait(lambda: _call(f"{base}/api/v1/health") == {"status": "ok"}, second)
        thing = _call(f"{base}/api/v1/things/u1")
        assert thing["secret"] == "binance-secret"  # an old KMS ciphertext still decrypts
        assert thing["object"] == {"id": "u1"}
        assert _call(f"{base}/api/v1/jwt-key")["value"] == jwt_key
        # Market time continues where it stopped instead of starting over at CLOCK_START.
        _wait(lambda: len(_events(base, "schedule")) > len(last_before), second)
        after = sorted(set(_events(base, "schedule")) - set(last_before))
        assert after[0] > max(last_before)
    finally:
        _stop(second, signal.SIGTERM)


def _events_from_snapshot(state_dir: Path) -> list[str]:
    state = json.loads((state_dir / "snapshot" / "state.json").read_text())
    items = state["dynamodb"]["tradebot-dev-notifications"]
    return sorted(i["notification_key"]["S"] for i in items if i["user_id"]["S"] == "schedule")
