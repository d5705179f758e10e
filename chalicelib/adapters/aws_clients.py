"""boto3 clients, created lazily once per process and pointed at the embedded AWS when configured."""

from __future__ import annotations

from functools import cache
from typing import Any

from chalicelib.config import settings


@cache
def client(service: str) -> Any:
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
