"""What the browser tests share: the platform they run against (`python -m infra.local` on an empty embedded
AWS and an accelerated market clock, next to a canned Binance), the runner of the Playwright flows, and the
check that the platform is idle between two flows.

One platform serves every browser test of a session (tests/e2e/conftest.py): starting it costs about half a
minute of the two cores, and each flow signs up its own users and makes its own bots, so the flows do not see
each other's data. What one flow can leave behind is work: an optimization's trials still on the jobs queue
hold the platform's one process (the GIL) while the next flow waits for a bot's first tick on a deadline.
`wait_idle` waits for the jobs queue to drain before each flow, so every flow starts on a platform that is
only ticking.
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
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
FRONTEND = REPO / "frontend"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ARTIFACTS = FRONTEND / "test-results" / "e2e"

# One market minute per wall second: a 1m bot ticks every second and a fast SMA crosses within a minute or so.
CLOCK_SPEED = os.environ.get("E2E_CLOCK_SPEED", "60")
CLOCK_START = os.environ.get("E2E_CLOCK_START", "2024-01-01T00:00:00Z")
STARTUP_TIMEOUT_S = 120
# How long a flow's leftover jobs may take to drain before the next flow starts anyway (and may then fail
# on its own deadlines, with this wait in the log).
IDLE_TIMEOUT_S = int(os.environ.get("E2E_IDLE_TIMEOUT_S", "180"))

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


def require(condition: bool, reason: str) -> None:
    # A missing browser is a failure, not a skip: `make test` installs chromium and the npm packages.
    if not condition:
        pytest.fail(f"{reason}; run `make test`, which installs it")


def log(line: str) -> None:
    # An xdist worker's stdout is /dev/null (execnet talks over the real one); its stderr is the terminal's.
    stream = sys.__stderr__ if os.environ.get("PYTEST_XDIST_WORKER") else sys.__stdout__
    stream.write(line if line.endswith("\n") else line + "\n")
    stream.flush()


def _routine(line: str) -> bool:
    """Platform output that says nothing about a failure: JSON logs below WARNING, EMF metrics, access logs."""
    if line.startswith("{"):
        return '"level":"WARNING"' not in line and '"level":"ERROR"' not in line
    return any(ok in line for ok in ('" 200 -', '" 201 -', '" 204 -', "Connection pool is full"))


def pump(stream, prefix: str, sink: list[str], ready: threading.Event | None = None, keep: Path | None = None) -> None:
    """Forwards a child's output; with `keep`, keeps all of it there and forwards only what is not routine
    (the platform's JSON INFO lines and metrics go to the file only)."""
    out = keep.open("w") if keep else None
    try:
        for line in iter(stream.readline, ""):
            sink.append(line)
            if out:
                out.write(line)
                out.flush()
            routine = out is not None and _routine(line)
            if not routine:
                log(f"{prefix}{line.rstrip()}")
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


def build_spa_if_stale() -> None:
    """The Makefile's rule: build when dist/index.html is missing or older than a source (the specs must test
    the SPA as it is in the tree, and `make test` may run pytest before its web-build step)."""
    index = FRONTEND / "dist" / "index.html"
    if index.exists() and all(f.stat().st_mtime <= index.stat().st_mtime for f in _spa_sources()):
        return
    log("[e2e] frontend/dist missing or older than the sources: npm run build")
    subprocess.run(["npm", "run", "build", "--silent"], cwd=FRONTEND, check=True, timeout=300)


@dataclass
class RunningPlatform:
    """The platform subprocess: its API/web URL, its embedded AWS and the output it printed so far."""

    proc: subprocess.Popen[str]
    lines: list[str] = field(default_factory=list)
    url: str = ""
    aws_endpoint: str = ""

    def tail(self, n: int = 40) -> str:
        return "".join(self.lines[-n:])

    def require_alive(self) -> None:
        if self.proc.poll() is not None:
            pytest.fail(f"the shared platform exited with {self.proc.returncode}:\n{self.tail()}")


def _platform_env(state_dir: Path, binance_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _PARENT_ONLY_ENV}
    env.update(
        API_PORT="0",
        MOTO_PORT="0",
        LOCAL_PERSIST="false",
        LOCAL_STATE_DIR=str(state_dir),
        FRONTEND_DIST=str(FRONTEND / "dist"),
        CLOCK_SPEED=CLOCK_SPEED,
        CLOCK_START=CLOCK_START,
        BINANCE_BASE_URL=binance_url,
        BINANCE_ENV="mainnet",
        SQS_WAIT_S="1",
        PYTHONUNBUFFERED="1",
        LOCAL_LOG_LEVEL="WARNING",
        POWERTOOLS_LOG_LEVEL="WARNING",
    )
    return env


@contextmanager
def start_platform(state_dir: Path, binance_url: str) -> Iterator[RunningPlatform]:
    """`python -m infra.local` with free ports and its state in `state_dir`, until the block ends."""
    require(Path(CHROMIUM).exists(), f"no chromium at {CHROMIUM} (apt-get install chromium)")
    require((FRONTEND / "node_modules" / "playwright-core").exists(), "frontend/node_modules missing (npm ci)")
    build_spa_if_stale()
    ready = threading.Event()
    proc = subprocess.Popen(
        [sys.executable, "-m", "infra.local"],
        cwd=REPO,
        env=_platform_env(state_dir, binance_url),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        bufsize=1,
    )
    running = RunningPlatform(proc)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    reader = threading.Thread(
        target=pump, args=(proc.stdout, "[platform] ", running.lines, ready, ARTIFACTS / "platform.log"), daemon=True
    )
    reader.start()
    try:
        _wait_ready(running, ready)
        yield running
    finally:
        _stop(proc)
        reader.join(timeout=5)


def _wait_ready(running: RunningPlatform, ready: threading.Event) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while not ready.wait(0.2):
        if running.proc.poll() is not None:
            pytest.fail(f"the platform exited with {running.proc.returncode} before it was ready:\n{running.tail()}")
        if time.monotonic() > deadline:
            pytest.fail(f"the platform was not ready in {STARTUP_TIMEOUT_S}s:\n{running.tail()}")
    # "Tradebot running: <url> (embedded AWS: <endpoint>). Ctrl-C stops."
    words = next(x for x in running.lines if x.startswith("Tradebot running: ")).split()
    running.url, running.aws_endpoint = words[2], words[5].rstrip(").")
    _wait_healthy(running.url, deadline)


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


def _stop(proc: subprocess.Popen[str]) -> None:
    if proc.poll() is not None:
        return
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)


_QUEUED = ("ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible", "ApproximateNumberOfMessagesDelayed")


def _jobs_in_queue(sqs: Any, queue_url: str) -> int:
    names = list(_QUEUED)
    attrs = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=names)["Attributes"]
    return sum(int(attrs.get(name, 0)) for name in names)


def wait_idle(running: RunningPlatform, timeout_s: float = IDLE_TIMEOUT_S) -> None:
    """Wait until the platform's jobs queues hold no message, visible, in flight or delayed: the previous
    flow's optimization or backtest is finished, not still competing with the next flow for the CPU."""
    import boto3

    running.require_alive()
    sqs = boto3.client(
        "sqs",
        endpoint_url=running.aws_endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    urls = [u for u in sqs.list_queues().get("QueueUrls", []) if u.endswith("-jobs")]
    if not urls:
        pytest.fail(f"no jobs queue on the platform's embedded AWS ({running.aws_endpoint}) to wait for")
    started = time.monotonic()
    while (busy := sum(_jobs_in_queue(sqs, u) for u in urls)) and time.monotonic() - started < timeout_s:
        time.sleep(1)
    waited = time.monotonic() - started
    if busy:
        log(f"[e2e] the jobs queue still holds {busy} message(s) after {waited:.0f}s; the next flow starts anyway")
    elif waited >= 1:
        log(f"[e2e] waited {waited:.0f}s for the previous flow's jobs to finish")


def run_node(argv: list[str], tag: str, timeout_s: int, extra_env: dict[str, str]) -> tuple[int, str]:
    """Run a Node command in frontend/ (the Playwright specs or one flow), streaming its output to the terminal
    as it runs: its exit code (-1 on timeout, after killing its process group) and the tail of its output."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    env.update(E2E_ARTIFACTS=str(ARTIFACTS), CHROMIUM_PATH=CHROMIUM, NO_COLOR="1", **extra_env)
    started = time.monotonic()
    proc = subprocess.Popen(
        argv,
        cwd=FRONTEND,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        bufsize=1,
        start_new_session=True,
    )
    lines: list[str] = []
    reader = threading.Thread(target=pump, args=(proc.stdout, f"[{tag}] ", lines), daemon=True)
    reader.start()
    try:
        code = proc.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
        code = -1
    reader.join(timeout=5)
    log(f"[{tag}] finished in {time.monotonic() - started:.0f}s with exit code {code}")
    return code, "".join(lines[-80:])


def run_flow(url: str, flow: str, tag: str, timeout_s: int) -> tuple[int, str]:
    """Run one Playwright flow file (frontend/e2e/*.flow.mjs) against `url`: its exit code (-1 on timeout) and
    the tail of its output. The flows outside `npm run e2e` share this runner."""
    return run_node(["node", "--test", "--test-concurrency=1", flow], tag, timeout_s, {"E2E_BASE_URL": url})
