"""The embedded local platform `make run` starts, in one process: moto (the embedded AWS), the stack from
infra/stack.yaml, the last snapshot, the Chalice app on Chalice's local server with the web app beside it,
the scheduler, one SQS poller per queue event source, and a snapshot every SNAPSHOT_INTERVAL_S seconds.
See docs/local-runtime.md."""

from __future__ import annotations

import importlib
import json
import logging
import os
import sys
import threading
import warnings
from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3

from infra.local.clock import clock_from_env, is_accelerated, parse_instant_ms, pin_clock_env
from infra.local.functions import ContextFactory
from infra.local.provision import provision
from infra.local.rewind import Rewound, rewind
from infra.local.scheduler import Scheduler, SkippedShardsNotice, schedule_sources
from infra.local.snapshot import SnapshotStore, Tables
from infra.local.sqs_poller import SqsPoller, sqs_sources
from infra.local.web import create_server

log = logging.getLogger("infra.local")

PROJECT_DIR = Path(__file__).resolve().parents[2]
HOST = "127.0.0.1"


@dataclass(frozen=True)
class RuntimeOptions:
    moto_port: int = 5000
    api_port: int = 8000
    app_module: str = "app"
    project_dir: Path = PROJECT_DIR
    state_dir: Path = PROJECT_DIR / ".local"
    frontend_dist: Path = PROJECT_DIR / "frontend" / "dist"
    app_name: str = "tradebot"
    stage: str = "dev"
    region: str = "us-east-1"
    account_id: str = "123456789012"
    snapshot_interval_s: float = 60.0
    sqs_wait_s: int = 2
    sqs_concurrency: int = 2
    persist: bool = True
    # Run moto in a process of its own, on the other core (the soak test): nothing is persisted then,
    # since KMS key material can only be read from an in-process moto.
    moto_process: bool = False
    extra_env: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> RuntimeOptions:
        project = Path(env.get("LOCAL_PROJECT_DIR") or PROJECT_DIR)
        return cls(
            moto_port=int(env.get("MOTO_PORT") or 5000),
            api_port=int(env.get("API_PORT") or 8000),
            app_module=env.get("LOCAL_APP_MODULE") or "app",
            project_dir=project,
            state_dir=Path(env.get("LOCAL_STATE_DIR") or project / ".local"),
            frontend_dist=Path(env.get("FRONTEND_DIST") or project / "frontend" / "dist"),
            app_name=env.get("APP_NAME") or "tradebot",
            stage=env.get("STAGE") or "dev",
            region=env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or "us-east-1",
            account_id=env.get("MOTO_ACCOUNT_ID") or "123456789012",
            snapshot_interval_s=float(env.get("SNAPSHOT_INTERVAL_S") or 60),
            sqs_wait_s=int(env.get("SQS_WAIT_S") or 2),
            sqs_concurrency=int(env.get("SQS_CONCURRENCY") or 2),
            persist=(env.get("LOCAL_PERSIST") or "true").lower() not in ("0", "false", "no", "off"),
            moto_process=(env.get("MOTO_PROCESS") or "false").lower() in ("1", "true", "yes", "on"),
        )


def _chalice_config(project_dir: Path, stage: str) -> Any:
    """The stage's chalice Config, as `chalice local --stage` builds it (an empty one if there is no
    .chalice/config.json yet)."""
    from chalice.config import Config

    config_file = project_dir / ".chalice" / "config.json"
    from_disk = json.loads(config_file.read_text()) if config_file.is_file() else {}
    return Config(
        chalice_stage=stage,
        config_from_disk=from_disk,
        default_params={"project_dir": str(project_dir), "api_gateway_stage": "api", "autogen_policy": True},
    )


class LocalRuntime:
    """start() brings everything up; stop() brings it down in reverse, after a final snapshot."""

    def __init__(self, options: RuntimeOptions, environ: MutableMapping[str, str] | None = None) -> None:
        self.options = options
        self._environ = os.environ if environ is None else environ
        self._moto: Any = None
        self._moto_process: Any = None
        self.endpoint_url = ""
        self.api_url = ""
        self.outputs: dict[str, str] = {}
        self.app: Any = None
        self._server: Any = None
        self._server_thread: threading.Thread | None = None
        self._scheduler: Scheduler | None = None
        self._pollers: list[SqsPoller] = []
        self._snapshots: SnapshotStore | None = None
        self._snapshot_stop = threading.Event()
        self._snapshot_thread: threading.Thread | None = None
        self._clock: Any = None
        self._clock_settings: dict[str, str] = {}
        self._accelerated = False
        self._market_start_ms: int | None = None
        self.rewound: Rewound | None = None
        self._chalice_config: Any = None
        self._started = False

    # --- start ------------------------------------------------------------------------------------

    def start(self) -> None:
        self._start_moto()
        self._set_environment()
        self.outputs = self._provision()
        saved = self._saved_extra()
        self._pin_clock(saved)
        self._restore(saved)
        self.app = self._import_app()
        self._start_api()
        self._start_event_sources()
        self._start_snapshots()
        self._started = True
        log.info("API and web app on %s (embedded AWS on %s)", self.api_url, self.endpoint_url)

    def _start_moto(self) -> None:
        if self.options.moto_process:
            self._start_moto_process()
            return
        from moto.server import ThreadedMotoServer

        # moto's werkzeug server logs every request; the platform's own logs are what matter here.
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        from infra.local.moto_fixes import patch_moto

        patch_moto()
        self._moto = ThreadedMotoServer(ip_address=HOST, port=self.options.moto_port, verbose=False)
        self._moto.start()
        host, port = self._moto.get_host_and_port()
        self.endpoint_url = f"http://{host}:{port}"

    def _start_moto_process(self) -> None:
        import socket
        import subprocess
        import time

        if self.options.persist:
            raise ValueError("MOTO_PROCESS=true needs LOCAL_PERSIST=false (KMS key material is not readable)")
        port = self.options.moto_port
        if port == 0:
            with socket.socket() as probe:
                probe.bind((HOST, 0))
                port = int(probe.getsockname()[1])
        self._moto_process = subprocess.Popen(
            [sys.executable, "-m", "infra.local.moto_server", "-H", HOST, "-p", str(port)],
            cwd=str(self.options.project_dir),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with socket.socket() as probe:
                if probe.connect_ex((HOST, port)) == 0:
                    break
            time.sleep(0.1)
        else:
            raise RuntimeError(f"moto did not start on {HOST}:{port}")
        self.endpoint_url = f"http://{HOST}:{port}"

    def _set_environment(self) -> None:
        """Before the app is imported: everything it builds must point at the embedded AWS, never at a
        real account, whatever the shell has set."""
        config = _chalice_config(self.options.project_dir, self.options.stage)
        env = self._environ
        env.update({k: str(v) for k, v in config.environment_variables.items()})
        for var in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_DEFAULT_PROFILE"):
            env.pop(var, None)
        env.update(
            {
                "AWS_ENDPOINT_URL": self.endpoint_url,
                "AWS_ACCESS_KEY_ID": "testing",
                "AWS_SECRET_ACCESS_KEY": "testing",
                "AWS_REGION": self.options.region,
                "AWS_DEFAULT_REGION": self.options.region,
                "AWS_ACCOUNT_ID": self.options.account_id,
                "LOCAL_MODE": "true",
                "APP_NAME": self.options.app_name,
                "STAGE": self.options.stage,
                **self.options.extra_env,
            }
        )
        # Links in the local outbox's mail point at this runtime's web app, whatever port it was given.
        env.setdefault("TRADEBOT_WEB_BASE_URL", f"http://{HOST}:{self.options.api_port}")
        # Locally every tick is written, so the bot page shows each one (a stage keeps the 15-minute heartbeat).
        env.setdefault("TRADEBOT_TICK_HEARTBEAT_S", "0")
        self._chalice_config = config

    def _provision(self) -> dict[str, str]:
        with warnings.catch_warnings():
            # moto says which resource types its CloudFormation skips; provision() creates those itself.
            warnings.simplefilter("ignore")
            return provision(
                endpoint_url=self.endpoint_url,
                app_name=self.options.app_name,
                stage=self.options.stage,
                region=self.options.region,
            )

    def _saved_extra(self) -> dict[str, Any]:
        """What the last run left beside its snapshot (the market time it stopped at, its clock settings)."""
        if not self.options.persist:
            return {}
        self._snapshots = SnapshotStore(
            self.options.state_dir, self.endpoint_url, self.options.region, self.options.account_id
        )
        return self._snapshots.read_extra()

    def _restore(self, saved: Mapping[str, Any]) -> None:
        if self._snapshots is None:
            return
        stopped_at = (saved.get("clock") or {}).get("market_ms")
        if self._snapshots.restore(transform=lambda tables: self._rewind(tables, stopped_at)):
            log.info("restored the snapshot in %s", self._snapshots.path)
            self.outputs = self._provision()  # the restored KMS key id shows in the outputs
            return
        log.info("no snapshot in %s: starting empty", self.options.state_dir)

    def _rewind(self, tables: Tables, stopped_at_ms: int | None) -> Tables:
        """Nothing restored may lie after this start's market time (docs/local-runtime.md, infra/local/rewind.py)."""
        prefix = f"{self.options.app_name}-{self.options.stage}"
        tables, report = rewind(tables, prefix=prefix, now_ms=self._clock.now_ms(), stopped_at_ms=stopped_at_ms)
        self.rewound = report
        if report.went_back or report.bots:
            log.warning("%s", report.describe())
        return tables

    def _pin_clock(self, restored: Mapping[str, Any]) -> None:
        """Continue the accelerated market where the last run stopped, if it ran with the same CLOCK_START and
        CLOCK_SPEED; otherwise start at the new settings' market time (the wall clock for a normal start), and
        `_rewind` brings the restored state back to it."""
        saved = restored.get("clock") or {}
        wanted = {"start": self._environ.get("CLOCK_START", ""), "speed": self._environ.get("CLOCK_SPEED", "")}
        self._clock_settings = wanted
        self._accelerated = is_accelerated(self._environ)
        resume = saved.get("market_ms") if saved.get("settings") == wanted else None
        pin_clock_env(self._environ, resume_at_ms=resume)
        self._clock = clock_from_env(self._environ)
        self._market_start_ms = parse_instant_ms(self._environ["CLOCK_START"]) if self._accelerated else None

    def _import_app(self) -> Any:
        project = str(self.options.project_dir)
        if project not in sys.path:
            sys.path.insert(0, project)
        module = importlib.import_module(self.options.app_module)
        return module.app

    def _start_api(self) -> None:
        outbox = None
        if not self.options.moto_process:  # the outbox reads the in-process moto's SES

            def outbox() -> list[dict[str, Any]]:
                from infra.local.outbox import messages

                return messages(self.options.account_id, self.options.region)

        self._server = create_server(
            self.app,
            self._chalice_config,
            HOST,
            self.options.api_port,
            static_root=self.options.frontend_dist,
            outbox=outbox,
        )
        host, port = self._server.server.server_address[:2]
        self.api_url = f"http://{host}:{port}"
        if outbox is not None:
            # The links are credentials: they are shown on the page, never written to the log.
            log.info("e-mail the app sends (verification, password reset) is at %s/local/outbox", self.api_url)
        self._server_thread = threading.Thread(target=self._server.server.serve_forever, name="api", daemon=True)
        self._server_thread.start()

    def _start_event_sources(self) -> None:
        opts = self.options
        contexts = ContextFactory(opts.app_name, opts.stage, opts.region, opts.account_id, self._chalice_config)
        sqs = boto3.client("sqs", endpoint_url=self.endpoint_url, region_name=self.options.region)
        for source in sqs_sources(self.app):
            poller = SqsPoller(
                sqs, source, contexts, self.options.region, self.options.sqs_wait_s, self.options.sqs_concurrency
            )
            poller.start()
            self._pollers.append(poller)
            log.info("polling %s for %s", source.queue_name, source.name)
        schedules = schedule_sources(self.app)
        self._scheduler = Scheduler(
            schedules,
            self._clock,
            contexts,
            app_name=self.options.app_name,
            stage=self.options.stage,
            region=self.options.region,
            account_id=self.options.account_id,
            start_ms=self._market_start_ms,
            on_result=SkippedShardsNotice(str(self.options.state_dir)),
        )
        self._scheduler.start()
        for schedule in schedules:
            log.info("scheduling %s", schedule.name)

    def _start_snapshots(self) -> None:
        if self._snapshots is None:
            return
        self._snapshot_thread = threading.Thread(target=self._snapshot_loop, name="snapshots", daemon=True)
        self._snapshot_thread.start()

    def _snapshot_loop(self) -> None:
        while not self._snapshot_stop.wait(self.options.snapshot_interval_s):
            self.snapshot()

    # --- running --------------------------------------------------------------------------------

    def snapshot(self) -> None:
        if self._snapshots is None:
            return
        # The market time is kept for every run, accelerated or not: the next start compares its own with it.
        extra = {"clock": {"settings": self._clock_settings, "market_ms": self._clock.now_ms()}}
        try:
            self._snapshots.take(extra)
        except Exception:
            log.exception("snapshot failed; the previous one is kept")

    # --- stop -------------------------------------------------------------------------------------

    def stop(self) -> None:
        """Stop the producers of work first, then take the final snapshot, then the embedded AWS."""
        if self._scheduler is not None:
            self._scheduler.stop(timeout=30)
        for poller in self._pollers:
            poller.stop(timeout=0)  # all of them stop polling at once; then wait for each
        for poller in self._pollers:
            poller.stop(timeout=30)
        if self._server is not None:
            self._server.server.shutdown()
            self._server.server.server_close()
        self._snapshot_stop.set()
        if self._snapshot_thread is not None:
            self._snapshot_thread.join(timeout=60)
        if self._started:
            self.snapshot()
        if self._moto is not None:
            self._moto.stop()
        if self._moto_process is not None:
            self._moto_process.terminate()
            self._moto_process.wait(timeout=30)
        log.info("stopped")
