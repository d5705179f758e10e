"""pynamodb wiring shared by every repository: table names, region and endpoint come from settings,
so the same models run against moto (tests, `make run`) and DynamoDB (Lambda)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from pynamodb.connection import Connection
from pynamodb.models import Model

from chalicelib.config import settings


def table_meta(short_name: str) -> type:
    """A pynamodb `Meta` class bound to `<prefix>-<short_name>` (see infra/stack.yaml)."""
    cfg = settings()
    attrs: dict[str, Any] = {
        "table_name": cfg.table(short_name),
        "region": cfg.region,
        # Lambda's own retries plus SQS redelivery cover throttling; keep a tick's worst case short.
        "max_retry_attempts": 3,
        "connect_timeout_seconds": 2,
        "read_timeout_seconds": 5,
        "max_pool_connections": 32,
    }
    if cfg.aws_endpoint_url:
        attrs["host"] = cfg.aws_endpoint_url
    return type("Meta", (), attrs)


@lru_cache(maxsize=1)
def connection() -> Connection:
    """One low-level connection per process for transactions: building one creates a botocore client,
    which costs about a hundred milliseconds of CPU; a warm Lambda reuses it."""
    cfg = settings()
    return Connection(region=cfg.region, host=cfg.aws_endpoint_url, max_retry_attempts=3, max_pool_connections=32)


__all__ = ["Model", "connection", "table_meta"]
