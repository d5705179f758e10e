"""The browser end-to-end suite (issue 6): the real platform (`python -m infra.local` on an empty embedded AWS
and an accelerated market clock) driven by the Playwright specs in frontend/e2e/ through Debian's chromium.

What this test starts, and always stops:
- a canned Binance on a free 127.0.0.1 port (tests/e2e/canned_binance.py) that answers the API-key check;
- the platform as a subprocess with free ports, LOCAL_PERSIST=false and its state in a tmp dir;
then runs `npm run e2e` in frontend/ against it and streams its output. The specs save a screenshot of each
main screen under frontend/test-results/e2e/ (git-ignored) and scan each with axe-core; the platform's whole
output is kept there too (platform.log).

Needs /usr/bin/chromium (CHROMIUM_PATH) and frontend/node_modules, which `make test` installs; without them
the test fails. Builds the SPA first when
frontend/dist is missing or older than its sources. Takes about 1.5 minutes.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.canned_binance import ACCEPTED_KEY, ACCEPTED_SECRET, WITHDRAWALS_KEY, CannedBinance

REPO = Path(__file__).resolve().parents[2]
FRONTEND = REPO / "frontend"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ARTIFACTS = FRONTEND / "test-results" / "e2e"

# One market minute per wall second: a 1m bot ticks every second and a fast SMA crosses within a minute or so.
CLOCK_SPEED = os.environ.get("E2E_CLOCK_SPEED", "60")
CLOCK_START = os.environ.get("E2E_CLOCK_START", "2024-01-01T00:00:00Z")
STARTUP_TIMEOUT_S = 120
SUITE_TIMEOUT_S = int(os.environ.get("E2E_SUITE_TIMEOUT_S", "900"))

# Set by tests/conftest.py for the in-process tests; the platform subprocess sets its own.
_PARENT_ONLY_ENV = (
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SECURITY_TOKEN",
    "AWS_SESSION_TOKEN",
    "AWS_ENDPOINT_URL",
    "AWS_PROFILE",
    "STAGE",
    "APP_NAME",
    "LOCAL_MODE",
    "LOGIN_MAX_PER_ACCOUNT",
    "LOGIN_MAX_PER_IP",
    "POWERTOOLS_LOG_LEVEL",
    "CLOCK_START",
    "CLOCK_SPEED",
    "CLOCK_ANCHOR_MS",
    "CLOCK_START_MS",
)


def _require(condition: bool, reason: str) -> None:
    # A missing browser is a failure, not a skip: `make test` installs chromium and the npm packages.
    if not condition:
        pytest.fail(f"{reason}; run `make test`, which installs it")


def _log(line: str) -> None:
    sys.__stdout__.write(line if line.endswith("\n") else line + "\n")
    sys.__stdout__.flush()


def _routine(line: str) -> bool:
    """Platform output that says nothing about a failure: JSON logs below WARNING, EMF metrics, access logs."""
    if line.startswith("{"):
        return '"level":"WARNING"' not in line and '"level":"ERROR"' not in line
    return any(ok in line for ok in ('" 200 -', '" 201 -', '" 204 -', "Connection pool is full"))


def _pump(stream, prefix: str, sink: list[str], ready: threading.Event | None = None, log: Path | None = None) -> None:
    """Forwards a child's output; with `log`, keeps all of it there and forwards only what is not routine
    (the platform's JSON INFO lines and metrics go to the file only)."""
    out = log.open("w") if log else None
    try:
        for line in iter(stream.readline, ""):
            sink.append(line)
            if out:
                out.write(line)
                out.flush()
            routine = out is not None and _routine(line)
            if not routine:
                _log(f"{prefix}{line.rstrip()}")
            if ready is not None and line.startswith("Tradebot running: "):
                ready.set()
    finally:
        stream.close()
        if out:
            out.close()


def _spa_sources() -> list[Path]:
    roots = [FRONTEND / "src", FRONTEND / "public", FRONTEND / "index.html", FRONTEND / "vite.config.ts"]
    roots += [FRONTEND / "package.json", FRONTEND / "package-lock.json"]
    return [f for r in roots if r.exists() for f in ([r] if r.is_file() else r.rglob("*")) if f.is_file()]


def _build_spa_if_stale() -> None:
    """The Makefile's rule: build when dist/index.html is missing or older than a source (the specs must test
    the SPA as it is in the tree, and `make test` may run pytest before its web-build step)."""
    index = FRONTEND / "dist" / "index.html"
    if index.exists() and all(f.stat().st_mtime <= index.stat().st_mtime for f in _spa_sources()):
        return
    _log("[e2e] frontend/dist missing or older than the sources: npm run build")
    subprocess.run(["npm", "run", "build", "--silent"], cwd=FRONTEND, check=True, timeout=300)


@pytest.fixture()
def canned_binance() -> Iterator[CannedBinance]:
    with CannedBinance() as server:
        yield server


@pytest.fixture()
def platform(tmp_path: Path, canned_binance: CannedBinance) -> Iterator[str]:
    env = {k: v for k, v in os.environ.items() if k not in _PARENT_ONLY_ENV}
    env.update(
        API_PORT="0",
        MOTO_PORT="0",
        LOCAL_PERSIST="false",
        LOCAL_STATE_DIR=str(tmp_path / "state"),
        FRONTEND_DIST=str(FRONTEND / "dist"),
        CLOCK_SPEED=CLOCK_SPEED,
        CLOCK_START=CLOCK_START,
        BINANCE_BASE_URL=canned_binance.url,
        BINANCE_ENV="mainnet",
        SQS_WAIT_S="1",
        PYTHONUNBUFFERED="1",
        LOCAL_LOG_LEVEL="WARNING",
        POWERTOOLS_LOG_LEVEL="WARNING",
    )
    _require(Path(CHROMIUM).exists(), f"no chromium at {CHROMIUM} (apt-get install chromium)")
    _require((FRONTEND / "node_modules" / "playwright-core").exists(), "frontend/node_modules missing (npm ci)")
    _build_spa_if_stale()
    lines: list[str] = []
    ready = threading.Event()
    proc = subprocess.Popen(
        [sys.executable, "-m", "infra.local"],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        bufsize=1,
    )
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    pump = threading.Thread(
        target=_pump, args=(proc.stdout, "[platform] ", lines, ready, ARTIFACTS / "platform.log"), daemon=True
    )
    pump.start()
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while not ready.wait(0.2):
            if proc.poll() is not None:
                pytest.fail(f"the platform exited with {proc.returncode} before it was ready:\n{''.join(lines[-40:])}")
            if time.monotonic() > deadline:
                pytest.fail(f"the platform was not ready in {STARTUP_TIMEOUT_S}s:\n{''.join(lines[-40:])}")
        url = next(x for x in lines if x.startswith("Tradebot running: ")).split()[2]
        _wait_healthy(url, deadline)
        yield url
    finally:
        _stop(proc)
        pump.join(timeout=5)


def _wait_healthy(url: str, deadline: float) -> None:
    last = ""
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/api/v1/health", timeout=5) as resp:  # noqa: S310 (local URL)
                if resp.status == 200:
                    return
                last = str(resp.status)
        except Exception as exc:
            last = repr(exc)
        time.sleep(0.3)
    pytest.fail(f"{url}/api/v1/health never answered 200 (last: {last})")


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is not None:
        return
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)


def test_browser_flows(platform: str, canned_binance: CannedBinance, capfd: pytest.CaptureFixture[str]) -> None:
    # Stream the suite's progress to the terminal as it runs (it takes a minute or two), not only on failure.
    with capfd.disabled():
        _run_suite(platform, canned_binance)


def _run_suite(platform: str, canned_binance: CannedBinance) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for old in ARTIFACTS.glob("*.png"):  # the artifacts are this run's screens only
        old.unlink()
    env = dict(os.environ)
    env.update(
        E2E_BASE_URL=platform,
        E2E_API_KEY=ACCEPTED_KEY,
        E2E_API_SECRET=ACCEPTED_SECRET,
        E2E_WITHDRAWALS_KEY=WITHDRAWALS_KEY,
        E2E_ARTIFACTS=str(ARTIFACTS),
        E2E_TRADE_TIMEOUT_MS=os.environ.get("E2E_TRADE_TIMEOUT_MS", "150000"),
        CHROMIUM_PATH=CHROMIUM,
        NO_COLOR="1",
    )
    started = time.monotonic()
    proc = subprocess.Popen(
        ["npm", "run", "e2e", "--silent"],
        cwd=FRONTEND,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        bufsize=1,
        start_new_session=True,
    )
    lines: list[str] = []
    pump = threading.Thread(target=_pump, args=(proc.stdout, "[e2e] ", lines), daemon=True)
    pump.start()
    try:
        code = proc.wait(timeout=SUITE_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
        pump.join(timeout=5)
        pytest.fail(f"npm run e2e took longer than {SUITE_TIMEOUT_S}s:\n{''.join(lines[-60:])}")
    pump.join(timeout=5)
    _log(f"[e2e] finished in {time.monotonic() - started:.0f}s with exit code {code}; screenshots in {ARTIFACTS}")
    assert code == 0, f"npm run e2e failed ({code}):\n{''.join(lines[-80:])}"
    # The key flow really went through the canned exchange, with the withdrawal check of a mainnet key.
    paths = {path for _method, path, _key in canned_binance.calls}
    assert {"/api/v3/account", "/sapi/v1/account/apiRestrictions"} <= paths, canned_binance.calls


def run_flow(url: str, flow: str, tag: str, timeout_s: int) -> tuple[int, str]:
    """Run one Playwright flow file (frontend/e2e/*.flow.mjs) against `url`: its exit code (-1 on timeout) and
    the tail of its output. The flows outside `npm run e2e` share this runner."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    env.update(E2E_BASE_URL=url, E2E_ARTIFACTS=str(ARTIFACTS), CHROMIUM_PATH=CHROMIUM, NO_COLOR="1")
    started = time.monotonic()
    proc = subprocess.Popen(
        ["node", "--test", "--test-concurrency=1", flow],
        cwd=FRONTEND,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        bufsize=1,
        start_new_session=True,
    )
    lines: list[str] = []
    pump = threading.Thread(target=_pump, args=(proc.stdout, f"[{tag}] ", lines), daemon=True)
    pump.start()
    try:
        code = proc.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
        code = -1
    pump.join(timeout=5)
    _log(f"[{tag}] finished in {time.monotonic() - started:.0f}s with exit code {code}")
    return code, "".join(lines[-80:])
