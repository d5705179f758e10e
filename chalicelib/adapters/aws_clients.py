"""boto3 clients, created lazily once per process and pointed at the embedded AWS when configured."""

from __future__ import annotations

import threading
from typing import Any

from chalicelib.config import settings
from chalicelib.domain.retry import Retry

# The retry policy of every AWS call, in one place: botocore's "standard" mode (exponential backoff with jitter
# on throttling, 5xx, timeouts and dropped connections), 1 try + 3 retries. pynamodb's models and connection
# (adapters/dynamo/base.py) build their botocore client with the same numbers. Lambda's own retries and SQS
# redelivery cover longer outages; a tick's worst case stays short.
AWS_RETRIES = 3
CONNECT_TIMEOUT_S = 2
READ_TIMEOUT_S = 5
POOL_CONNECTIONS = 32

# What botocore cannot retry: a BatchGetItem answers what it could and names the rest (UnprocessedKeys); the
# adapter asks again for those, 5 calls in all.
UNPROCESSED_KEYS = Retry(attempts=5)


def cache_poll(wait_s: float, pause_s: float = 0.1) -> Retry:
    """Polling a cache entry another worker is filling: every `pause_s`, for about `wait_s` in all."""
    return Retry(attempts=max(0, round(wait_s / pause_s)), pause_s=pause_s, pause_first=True)

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
            connect_timeout=CONNECT_TIMEOUT_S,
            read_timeout=READ_TIMEOUT_S,
            retries={"total_max_attempts": 1 + AWS_RETRIES, "mode": "standard"},
            max_pool_connections=POOL_CONNECTIONS,
        ),
    )
