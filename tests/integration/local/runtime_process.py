"""`python -m infra.local` (what `make run` starts) as a subprocess for a test: free ports, LOCAL_PERSIST=false, its
state and log in a tmp dir, an accelerated market clock, and real candles imported into its replay store with
the platform's own CLI (`python -m chalicelib.cli import-klines`), as a user of `make run` would."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from chalicelib.domain.candles import Candle

PROJECT = Path(__file__).resolve().parents[3]
# Set by tests/conftest.py for the in-process tests (stage `test`, a mocked AWS); the platform sets its own.
PARENT_ONLY = (
    "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SECURITY_TOKEN", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL",
    "AWS_PROFILE", "STAGE", "APP_NAME", "LOCAL_MODE", "POWERTOOLS_LOG_LEVEL", "CLOCK_START", "CLOCK_SPEED",
    "CLOCK_ANCHOR_MS", "CLOCK_START_MS", "MARKET_SOURCE",
)  # fmt: skip
HEADER = "open_time,open,high,low,close,volume,close_time,quote_volume,trades,taker_buy_base,taker_buy_quote,ignore"


@dataclass
class Runtime:
    process: subprocess.Popen[bytes]
    api: str  # http://127.0.0.1:<port>/api/v1
    moto: str
    log: Path

    def call(self, method: str, path: str, body: Any = None, token: str | None = None) -> tuple[int, Any]:
        data = json.dumps(body).encode() if body is not None else None
        headers = {"Content-Type": "application/json", **({"Authorization": f"Bearer {token}"} if token else {})}
        request = urllib.request.Request(self.api + path, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 (a local URL)
                raw = response.read()
                return response.status, json.loads(raw) if raw else None
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read() or b"null")

    def ok(self, method: str, path: str, body: Any = None, token: str | None = None) -> Any:
        status, out = self.call(method, path, body, token)
        assert 200 <= status < 300, (method, path, status, out)
        return out

    def wait(self, check: Callable[[], bool], timeout: float, what: str) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                if check():
                    return
            except (urllib.error.URLError, ConnectionError):
                pass  # not listening yet
            assert self.process.poll() is None, self.tail()
            assert time.monotonic() < deadline, f"timed out waiting for {what}; log tail:\n{self.tail()}"
            time.sleep(0.2)

    def tail(self) -> str:
        return self.log.read_text()[-6000:] if self.log.exists() else ""

    def late_ticks(self) -> dict[str, list[int]]:
        """The ticks the runtime's worker reported as run late ("tick ran late", chalicelib/tick_reporting.py), by
        bot: their moment (`tick_at`, ms)."""
        late: dict[str, list[int]] = {}
        for line in self.log.read_text().splitlines() if self.log.exists() else []:
            if not line.startswith("{") or '"tick ran late"' not in line:
                continue
            entry = json.loads(line)
            late.setdefault(str(entry["bot_id"]), []).append(int(entry["tick_at"]))
        return late

    def import_candles(self, candles: Iterable[Candle], csv: Path) -> dict[str, Any]:
        rows = [f"{c.open_time},{c.open},{c.high},{c.low},{c.close},{c.volume},{c.close_time},,,,," for c in candles]
        csv.write_text("\n".join([HEADER, *rows]) + "\n")
        args = ["import-klines", "--csv", str(csv), "--symbol", "BTCUSDT", "--interval", "1m"]
        done = subprocess.run(
            [sys.executable, "-m", "chalicelib.cli", *args], cwd=PROJECT, env=_cli_env(self.moto),
            capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        return dict(json.loads(done.stdout))

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


def _cli_env(moto: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in PARENT_ONLY}
    env.update(AWS_ENDPOINT_URL=moto, AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing",
               AWS_REGION="us-east-1", AWS_DEFAULT_REGION="us-east-1", APP_NAME="tradebot", STAGE="dev")  # fmt: skip
    return env


def start(tmp: Path, api_port: int, moto_port: int, speed: int, clock_start: str) -> Runtime:
    env = {k: v for k, v in os.environ.items() if k not in PARENT_ONLY}
    env.update(
        API_PORT=str(api_port), MOTO_PORT=str(moto_port), LOCAL_PERSIST="false", LOCAL_STATE_DIR=str(tmp / "state"),
        FRONTEND_DIST=str(tmp / "no-web-app"), CLOCK_SPEED=str(speed), CLOCK_START=clock_start,
        MARKET_SOURCE="replay", SQS_WAIT_S="1", MOTO_PROCESS="true", PYTHONUNBUFFERED="1", LOCAL_LOG_LEVEL="WARNING",
        POWERTOOLS_LOG_LEVEL="WARNING", TRADEBOT_REGISTER_PER_ADDRESS="1000",
    )  # fmt: skip
    log = tmp / "runtime.log"
    # The log goes to a file: a pipe nobody reads would fill up and block the runtime.
    with log.open("ab") as out:
        process = subprocess.Popen([sys.executable, "-m", "infra.local"], cwd=PROJECT, env=env, stdout=out, stderr=out)
    runtime = Runtime(process, f"http://127.0.0.1:{api_port}/api/v1", f"http://127.0.0.1:{moto_port}", log)
    runtime.wait(lambda: runtime.call("GET", "/health")[0] == 200, 180, "the platform to answer /health")
    return runtime
