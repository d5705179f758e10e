"""GIVEN result blobs in the artifacts bucket WHEN they are read back THEN a gzip body is recognised by its
magic bytes whether or not the object still carries `ContentEncoding: gzip` (a local snapshot/restore, a copy
or a tool may drop that header), and an uncompressed body is returned as it is."""

from __future__ import annotations

import gzip

import boto3

from chalicelib.adapters.s3_results import S3ResultStore


def test_gzip_blobs_are_recognised_by_their_content_not_their_headers(aws: dict[str, str]) -> None:
    bucket = aws["ArtifactsBucketName"]
    s3 = boto3.client("s3", region_name="us-east-1")
    store = S3ResultStore(bucket)
    payload = '{"trades": [], "metrics": {"final_equity": 10000.0}, "note": "é"}'.encode()

    store.put("backtests/u/with-header.json", payload, "application/json")
    assert s3.get_object(Bucket=bucket, Key="backtests/u/with-header.json")["ContentEncoding"] == "gzip"
    s3.put_object(Bucket=bucket, Key="backtests/u/no-header.json", Body=gzip.compress(payload))
    s3.put_object(Bucket=bucket, Key="backtests/u/plain.csv", Body=b"1,2,3\n")

    assert store.get("backtests/u/with-header.json") == payload
    assert store.get("backtests/u/no-header.json") == payload
    assert store.get("backtests/u/plain.csv") == b"1,2,3\n"
    assert store.get("backtests/u/missing.json") is None
