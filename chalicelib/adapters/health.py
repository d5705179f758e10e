"""Probes each AWS dependency with the cheapest read it offers."""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from chalicelib.adapters.aws_clients import client
from chalicelib.config import Settings


def _probes(cfg: Settings) -> dict[str, Callable[[], Any]]:
    return {
        "dynamodb": lambda: client("dynamodb").get_item(
            TableName=cfg.table("users"), Key={"user_id": {"S": "health-probe"}}
        ),
        "sqs": lambda: client("sqs").get_queue_attributes(QueueUrl=cfg.tick_queue_url, AttributeNames=["QueueArn"]),
        "kms": lambda: client("kms").describe_key(KeyId=cfg.kms_key_id),
        "secrets": lambda: client("secretsmanager").describe_secret(SecretId=cfg.jwt_secret_name),
        "s3": lambda: client("s3").head_bucket(Bucket=cfg.artifacts_bucket),
    }


class AwsHealth:
    def __init__(self, cfg: Settings, extra: dict[str, Callable[[], Any]] | None = None) -> None:
        self._probes = {**_probes(cfg), **(extra or {})}

    def check(self) -> dict[str, dict[str, Any]]:
        def run(item: tuple[str, Callable[[], Any]]) -> tuple[str, dict[str, Any]]:
            name, probe = item
            started = time.perf_counter()
            try:
                probe()
                status, error = "up", None
            except Exception as exc:  # any failure means "down"; the type is enough to diagnose
                status, error = "down", type(exc).__name__
            result: dict[str, Any] = {"status": status, "latency_ms": round((time.perf_counter() - started) * 1000, 1)}
            if error:
                result["error"] = error
            return name, result

        with ThreadPoolExecutor(max_workers=len(self._probes)) as pool:
            return dict(pool.map(run, self._probes.items()))
