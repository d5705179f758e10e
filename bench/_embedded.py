"""Shared set-up for the pipeline benchmarks: the embedded AWS (moto's server on 127.0.0.1, as `make run`
uses it) with the stack of infra/stack.yaml, and a botocore hook that counts every AWS call by operation."""

from __future__ import annotations

import atexit
import os
import socket
import subprocess
import sys
import threading
import time
import warnings
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start(stage: str = "bench") -> dict[str, str]:
    """Start moto's server, point the environment at it and provision the stack. Call before importing app."""
    warnings.filterwarnings("ignore")
    import logging

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    # moto runs in its own process, so the CPU time measured here is the platform's alone.
    port = _free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "infra.local.moto_server",
            "-H",
            "127.0.0.1",
            "-p",
            str(port),
        ],
        cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    atexit.register(server.terminate)
    deadline = time.time() + 30
    while time.time() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                break
        time.sleep(0.1)
    os.environ.update(
        AWS_ENDPOINT_URL=f"http://127.0.0.1:{port}",
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_DEFAULT_REGION="us-east-1",
        AWS_REGION="us-east-1",
        STAGE=stage,
        APP_NAME="tradebot",
        LOCAL_MODE="true",
        POWERTOOLS_TRACE_DISABLED="true",
        POWERTOOLS_METRICS_DISABLED="true",
        POWERTOOLS_LOG_LEVEL="ERROR",
    )
    _quiet_metrics()
    from infra.local.provision import provision

    return provision(endpoint_url=os.environ["AWS_ENDPOINT_URL"], stage=stage)


def _quiet_metrics() -> None:
    """Powertools publishes a metric set by itself once a metric holds 100 values, printing its EMF blob to
    stdout even with POWERTOOLS_METRICS_DISABLED (its flush_metrics honours the setting, that path does not):
    in a benchmark that prints tables, a disabled metric prints nothing."""
    from aws_lambda_powertools.metrics.functions import is_metrics_disabled
    from aws_lambda_powertools.metrics.provider.cloudwatch_emf import cloudwatch

    def emf_print(*args: Any, **kwargs: Any) -> None:
        if not is_metrics_disabled():
            print(*args, **kwargs)

    cloudwatch.print = emf_print  # type: ignore[attr-defined]


class CallCounter:
    """Counts AWS API calls made through botocore (boto3 and pynamodb alike), per thread-safe Counter."""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self.tables: Counter[str] = Counter()
        self._lock = threading.Lock()

    @contextmanager
    def counting(self) -> Iterator[Counter[str]]:
        import botocore.client

        real = botocore.client.BaseClient._make_api_call
        counter = self

        def wrapped(client: Any, operation: str, params: dict[str, Any]) -> Any:
            service = client.meta.service_model.service_name
            table = str(params.get("TableName", "")).rsplit("-", 2)[-2:] if "TableName" in params else None
            with counter._lock:
                counter.calls[f"{service}:{operation}"] += 1
                if table:
                    counter.tables["-".join(table)] += 1
            return real(client, operation, params)

        botocore.client.BaseClient._make_api_call = wrapped  # type: ignore[method-assign]
        try:
            yield self.calls
        finally:
            botocore.client.BaseClient._make_api_call = real  # type: ignore[method-assign]

    def total(self, service: str) -> int:
        return sum(n for key, n in self.calls.items() if key.startswith(service + ":"))
