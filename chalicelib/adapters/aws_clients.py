"""boto3 clients, created lazily once per process and pointed at the embedded AWS when configured."""

from __future__ import annotations

import threading
from typing import Any

from chalicelib.config import settings

_clients: dict[str, Any] = {}
_building = threading.Lock()


def client(service: str) -> Any:
    """One client per service and process; threads that ask first at the same moment wait for one build
    (about a hundred milliseconds of CPU) instead of each building their own."""
    found = _clients.get(service)
    if found is None:
        with _building:
            found = _clients.get(service)
            if found is None:
                found = _clients[service] = _build(service)
    return found


def _build(service: str) -> Any:
    import boto3
    from botocore.config import Config

    cfg = settings()
    return boto3.client(
        service,
        region_name=cfg.region,
        endpoint_url=cfg.aws_endpoint_url,
        # The dispatcher sends batches from 16 threads: a pool of 10 would churn connections.
        config=Config(
            connect_timeout=2,
            read_timeout=5,
            retries={"max_attempts": 3, "mode": "standard"},
            max_pool_connections=32,
        ),
    )
