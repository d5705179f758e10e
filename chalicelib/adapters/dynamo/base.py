"""pynamodb wiring shared by every repository: table names, region and endpoint come from settings,
so the same models run against moto (tests, `make run`) and DynamoDB (Lambda)."""

from __future__ import annotations

import logging
import threading
from functools import lru_cache
from typing import Any

from pynamodb.connection import Connection, TableConnection
from pynamodb.models import Model as PynamoModel

from chalicelib.adapters.aws_clients import AWS_RETRIES, CONNECT_TIMEOUT_S, POOL_CONNECTIONS, READ_TIMEOUT_S
from chalicelib.config import settings

_first_use = threading.Lock()

# pynamodb logs every request's arguments at DEBUG, item values included (a webhook signing secret is stored
# in the users table in the clear, as HMAC needs it): its wire log stays off even when the root logger is
# at DEBUG, as botocore's must (SECURITY.md, "What is logged"). Every model is built on this module, so the
# level is set before pynamodb's first request.
logging.getLogger("pynamodb").setLevel(logging.INFO)


class Model(PynamoModel):
    """pynamodb's Model, whose botocore client is built once. pynamodb builds it lazily on first use, and
    threads that use a model at the same moment (the dispatcher's sixteen shards) each built their own:
    about a hundred milliseconds of CPU apiece, all under the GIL, which made a cold dispatch 1.5 s slower."""

    @classmethod
    def _get_connection(cls) -> TableConnection:
        ready = cls._connection is not None and cls._connection.connection._client is not None
        if ready:
            return super()._get_connection()
        with _first_use:
            table = super()._get_connection()
            table.connection.client  # noqa: B018 - builds and caches the client
            return table


def table_meta(short_name: str) -> type:
    """A pynamodb `Meta` class bound to `<prefix>-<short_name>` (see infra/stack.yaml)."""
    cfg = settings()
    attrs: dict[str, Any] = {
        "table_name": cfg.table(short_name),
        "region": cfg.region,
        # The AWS retry policy (adapters/aws_clients.py): pynamodb turns it into the same botocore config.
        "max_retry_attempts": AWS_RETRIES,
        "connect_timeout_seconds": CONNECT_TIMEOUT_S,
        "read_timeout_seconds": READ_TIMEOUT_S,
        "max_pool_connections": POOL_CONNECTIONS,
    }
    if cfg.aws_endpoint_url:
        attrs["host"] = cfg.aws_endpoint_url
    return type("Meta", (), attrs)


@lru_cache(maxsize=1)
def connection() -> Connection:
    """One low-level connection per process for transactions: building one creates a botocore client,
    which costs about a hundred milliseconds of CPU; a warm Lambda reuses it."""
    cfg = settings()
    return Connection(
        region=cfg.region,
        host=cfg.aws_endpoint_url,
        max_retry_attempts=AWS_RETRIES,
        max_pool_connections=POOL_CONNECTIONS,
    )


__all__ = ["Model", "connection", "table_meta"]
