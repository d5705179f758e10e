"""GIVEN `python -m infra.local` serving the real app with CLOCK_SPEED=60 for more than 30 market minutes, with
running bots WHEN it is stopped and started again at normal speed (market time = the wall clock, hours behind
where the accelerated run stopped) THEN the state from the future is discarded and said so in the log, no
dispatch partition is skipped, and the earlier bots and a bot created after the restart all tick within two
minutes.

Wall time: about 30 s of accelerated market, two start-ups, and up to a minute for the next wall-clock minute.
"""

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
from datetime import datetime
from pathlib import Path
from typing import Any

from tests.integration.local.conftest import free_port

PROJECT = Path(__file__).resolve().parents[3]
MINUTE_MS = 60_000
CREDENTIALS = {"email": "clock@example.com", "password": "correct horse battery"}


def _start(state_dir: Path, api_port: int, log: Path, speed: str | None) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if k not in ("CLOCK_SPEED", "CLOCK_START", "CLOCK_ANCHOR_MS", "STAGE")}
    env.update(
        {
            "LOCAL_STATE_DIR": str(state_dir),
            "FRONTEND_DIST": str(state_dir / "no-web-app"),
            "MOTO_PORT": "0",
            "API_PORT": str(api_port),
            "APP_NAME": "tradebot",
            "STAGE": "dev",
            "SQS_WAIT_S": "1",
            "SNAPSHOT_INTERVAL_S": "3600",  # only the final snapshot, at stop
            "POWERTOOLS_LOG_LEVEL": "INFO",  # the dispatcher's "dispatched" lines
            **({"CLOCK_SPEED": speed} if speed else {}),
        }
    )
    # The log goes to a file: a pipe nobody reads would fill up and block the runtime.
    with log.open("ab") as out:
        return subprocess.Popen([sys.executable, "-m", "infra.local"], cwd=PROJECT, env=env, stdout=out, stderr=out)


def _call(url: str, method: str = "GET", body: dict[str, Any] | None = None, token: str | None = None) -> Any:
    data = json.dumps(body).encode() if body is not None else None
    headers = {"Content-Type": "application/json", **({"Authorization": f"Bearer {token}"} if token else {})}
    request = urllib.request.Request(url, data=data, method=method, headers=headers)
    with urllib.request.urlopen(request, timeout=20) as response:
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
        time.sleep(0.2)


def _stop(process: subprocess.Popen[bytes], log: Path) -> None:
    process.send_signal(signal.SIGINT)
    process.wait(timeout=60)
    assert process.returncode == 0, log.read_text()[-5000:]


def _ms(iso: str | None) -> int:
    return 0 if iso is None else int(datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp() * 1000)


def _now_ms() -> int:
    return time.time_ns() // 1_000_000


def _bot(api: str, token: str, name: str, strategy: str, params: dict[str, Any]) -> str:
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
    bot_id = str(_call(f"{api}/bots", "POST", body, token)["id"])
    assert _call(f"{api}/bots/{bot_id}/start", "POST", None, token)["status"] == "running"
    return bot_id


def _login(api: str) -> str:
    return str(_call(f"{api}/auth/login", "POST", CREDENTIALS)["access_token"])


def _last_tick(api: str, token: str, bot_id: str) -> int:
    return _ms(_call(f"{api}/bots/{bot_id}", token=token)["state"]["last_tick_at"])


def test_a_normal_start_after_an_accelerated_run_ticks_every_bot_within_two_minutes(tmp_path: Path) -> None:
    port = free_port()
    api = f"http://127.0.0.1:{port}/api/v1"
    log = tmp_path / "runtime.log"

    # GIVEN an accelerated run (a market minute per second from now) with two running bots, for 30+ market minutes
    began = _now_ms()
    first = _start(tmp_path, port, log, speed="60")
    try:
        _wait(lambda: _call(f"{api}/health")["status"] == "ok", first, log, timeout=120)
        _call(f"{api}/auth/register", "POST", CREDENTIALS)
        token = _login(api)
        earlier = [
            _bot(api, token, "dca", "dca", {}),
            _bot(api, token, "sma", "sma_cross", {"fast": 2, "slow": 5}),
        ]
        # 31 market minutes after the wall time the run was started at: at least 30 of them ran. Tokens follow
        # the wall clock (15 wall minutes); signing in afresh every 5 s only keeps the test independent of it.
        fresh: dict[str, Any] = {"token": token, "at": time.monotonic()}

        def current() -> str:
            if time.monotonic() - fresh["at"] > 5:
                fresh.update(token=_login(api), at=time.monotonic())
            return str(fresh["token"])

        _wait(
            lambda: all(_last_tick(api, current(), b) >= began + 31 * MINUTE_MS for b in earlier),
            first,
            log,
            timeout=120,
        )
    finally:
        _stop(first, log)
    snapshot = json.loads((tmp_path / "snapshot" / "state.json").read_text())
    stopped_market_ms = int(snapshot["extra"]["clock"]["market_ms"])
    assert stopped_market_ms >= _now_ms() + 20 * MINUTE_MS  # the market ran far ahead of the wall clock
    first_log = log.read_text()

    # WHEN it starts again at normal speed
    second = _start(tmp_path, port, log, speed=None)
    restarted = _now_ms()
    try:
        _wait(lambda: _call(f"{api}/health")["status"] == "ok", second, log, timeout=120)
        token = _login(api)  # the account survived
        # The earlier bots' ticks lay in the future; they were moved back to the current minute.
        for bot_id in earlier:
            assert _last_tick(api, token, bot_id) <= _now_ms()
        created = _now_ms()
        new_bot = _bot(api, token, "after restart", "dca", {})

        # THEN every bot ticks at a wall-clock minute within two minutes
        _wait(
            lambda: all(_last_tick(api, token, b) > restarted for b in [*earlier, new_bot]),
            second,
            log,
            timeout=150,
        )
        for bot_id in earlier:
            assert _last_tick(api, token, bot_id) <= restarted + 2 * MINUTE_MS
        assert _last_tick(api, token, new_bot) <= created + 2 * MINUTE_MS
        trades = _call(f"{api}/bots/{new_bot}/trades", token=token)["items"]
        assert trades and trades[0]["side"] == "BUY"  # dca buys its base order on its first tick
    finally:
        _stop(second, log)

    second_log = log.read_text()[len(first_log) :]
    assert "before where the last run stopped" in second_log
    assert "emptied the claims and caches" in second_log and "moved the last tick of 2 bot(s)" in second_log
    assert "already dispatched by an earlier run" not in second_log
    dispatched = [json.loads(line) for line in second_log.splitlines() if '"dispatched"' in line]
    assert dispatched and all(d["skipped_shards"] == 0 for d in dispatched), dispatched
