"""Blobs (backtest results and uploaded inputs) in the artifacts bucket, gzip-compressed at rest."""

from __future__ import annotations

import gzip

from botocore.exceptions import ClientError

from chalicelib.adapters.aws_clients import client
from chalicelib.adapters.aws_errors import AwsBoundary
from chalicelib.observability import logger

GZIP_MAGIC = b"\x1f\x8b"


class S3ResultStore(AwsBoundary):
    def __init__(self, bucket: str) -> None:
        self._bucket = bucket

    def put(self, key: str, data: bytes, content_type: str) -> None:
        client("s3").put_object(
            Bucket=self._bucket,
            Key=key,
            Body=gzip.compress(data, compresslevel=6),
            ContentType=content_type,
            ContentEncoding="gzip",
        )

    def get(self, key: str) -> bytes | None:
        try:
            answer = client("s3").get_object(Bucket=self._bucket, Key=key)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                return None
            raise
        body: bytes = answer["Body"].read()
        # Recognised by its content (gzip's magic bytes), not by ContentEncoding: a copy, a restore or a tool
        # may drop that header. Neither JSON nor CSV text can start with byte 0x1f.
        return gzip.decompress(body) if body[:2] == GZIP_MAGIC else body

    def delete(self, key: str) -> bool:
        """Best effort: a deployment whose policy does not grant s3:DeleteObject leaves the blob to the
        bucket's lifecycle rule (backtests/ expires after 90 days)."""
        try:
            client("s3").delete_object(Bucket=self._bucket, Key=key)
        except ClientError as exc:
            logger.warning("blob not deleted", extra={"key": key, "error": exc.response.get("Error", {}).get("Code")})
            return False
        return True

    def delete_prefix(self, prefix: str) -> int:
        """Every object under `prefix` (a user's `backtests/<user id>/`), listed and deleted 1,000 at a time.
        Unlike `delete`, a refusal raises: an account's erasure must not report success with blobs left."""
        s3 = client("s3")
        deleted = 0
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=self._bucket, Prefix=prefix):
            keys = [{"Key": o["Key"]} for o in page.get("Contents", [])]
            if not keys:
                continue
            answer = s3.delete_objects(Bucket=self._bucket, Delete={"Objects": keys, "Quiet": True})
            if answer.get("Errors"):
                codes = sorted({e.get("Code", "?") for e in answer["Errors"]})
                raise RuntimeError(f"{len(answer['Errors'])} blobs under the prefix were not deleted: {codes}")
            deleted += len(keys)
        return deleted
