"""Persistence of the embedded AWS across restarts of `make run`: moto keeps nothing by itself.

What a snapshot holds, and how it is taken:
- DynamoDB: every item of every table, read with Scan and written back with BatchWriteItem into the tables
  provisioning has just created from infra/stack.yaml (so a changed schema in the template applies on the
  next start; items of a table the template no longer has are reported and dropped).
- S3: every object of every bucket (body, content type, content encoding, the other system headers and
  user metadata).
- Secrets Manager: the current value of every secret (the JWT signing key: sessions survive a restart).
- KMS: the id and key material of every enabled symmetric customer key, read from moto's in-process backend
  (the API never reveals material). On restore the key provisioning created under the same alias takes back
  its old id and material, so ciphertexts written before the restart still decrypt.
- `extra`: small runtime state (the market time the run stopped at, and the clock settings it ran with).
Not kept: SQS messages (the dispatcher sends the next minute's ticks again), CloudFormation stack
events, KMS grants and asymmetric keys.

The files are plain JSON plus one file per S3 object under `<state_dir>/snapshot/`, replaced atomically
(written beside, then renamed), readable only by the owner: they hold local secrets in the clear.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import os
import shutil
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3

log = logging.getLogger("infra.local.snapshot")

FORMAT_VERSION = 1
Tables = dict[str, list[dict[str, Any]]]  # DynamoDB: table name -> items
_BATCH_WRITE = 25


# --- JSON with bytes ------------------------------------------------------------------------------


def _encode(value: Any) -> Any:
    if isinstance(value, bytes | bytearray):
        return {"__b64__": base64.b64encode(value).decode("ascii")}
    if isinstance(value, dict):
        return {k: _encode(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_encode(v) for v in value]
    return value


def _decode(value: Any) -> Any:
    if isinstance(value, dict):
        if set(value) == {"__b64__"} and isinstance(value["__b64__"], str):
            return base64.b64decode(value["__b64__"])
        return {k: _decode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_decode(v) for v in value]
    return value


# --- the embedded AWS ----------------------------------------------------------------------------


class _Aws:
    def __init__(self, endpoint_url: str | None, region: str, account_id: str, kms_in_process: bool) -> None:
        self.endpoint_url = endpoint_url
        self.region = region
        self.account_id = account_id
        self.kms_in_process = kms_in_process

    def client(self, service: str) -> Any:
        return boto3.client(service, endpoint_url=self.endpoint_url, region_name=self.region)


def _dump_dynamodb(aws: _Aws) -> dict[str, list[dict[str, Any]]]:
    ddb = aws.client("dynamodb")
    tables: dict[str, list[dict[str, Any]]] = {}
    for page in ddb.get_paginator("list_tables").paginate():
        for name in page["TableNames"]:
            items: list[dict[str, Any]] = []
            for scan in ddb.get_paginator("scan").paginate(TableName=name, ConsistentRead=True):
                items.extend(scan["Items"])
            tables[name] = items
    return tables


def _load_dynamodb(aws: _Aws, tables: dict[str, list[dict[str, Any]]]) -> None:
    ddb = aws.client("dynamodb")
    existing = set()
    for page in ddb.get_paginator("list_tables").paginate():
        existing.update(page["TableNames"])
    for name, items in tables.items():
        if name not in existing:
            log.warning("table %s is no longer in the stack: its %d item(s) are dropped", name, len(items))
            continue
        for start in range(0, len(items), _BATCH_WRITE):
            requests = {name: [{"PutRequest": {"Item": item}} for item in items[start : start + _BATCH_WRITE]]}
            while requests:
                requests = ddb.batch_write_item(RequestItems=requests).get("UnprocessedItems") or {}


# The system metadata an object is stored with besides its content type (which older snapshots keep apart).
_S3_HEADERS = ("ContentEncoding", "ContentLanguage", "ContentDisposition", "CacheControl")


def _dump_s3(aws: _Aws, blobs: Path) -> dict[str, list[dict[str, Any]]]:
    s3 = aws.client("s3")
    buckets: dict[str, list[dict[str, Any]]] = {}
    for bucket in s3.list_buckets().get("Buckets", []):
        objects = []
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket["Name"]):
            for summary in page.get("Contents", []):
                obj = s3.get_object(Bucket=bucket["Name"], Key=summary["Key"])
                body = obj["Body"].read()
                digest = hashlib.sha256(body).hexdigest()
                (blobs / digest).write_bytes(body)
                objects.append(
                    {
                        "key": summary["Key"],
                        "blob": digest,
                        "content_type": obj.get("ContentType"),
                        "metadata": obj.get("Metadata", {}),
                        "headers": {h: obj[h] for h in _S3_HEADERS if obj.get(h)},
                    }
                )
        buckets[bucket["Name"]] = objects
    return buckets


def _load_s3(aws: _Aws, buckets: dict[str, list[dict[str, Any]]], blobs: Path) -> None:
    s3 = aws.client("s3")
    existing = {b["Name"] for b in s3.list_buckets().get("Buckets", [])}
    for name, objects in buckets.items():
        if name not in existing:
            location = {"CreateBucketConfiguration": {"LocationConstraint": aws.region}}
            s3.create_bucket(Bucket=name, **({} if aws.region == "us-east-1" else location))
        for obj in objects:
            extra = {"ContentType": obj["content_type"]} if obj.get("content_type") else {}
            extra.update({h: v for h, v in (obj.get("headers") or {}).items() if h in _S3_HEADERS})
            body = (blobs / obj["blob"]).read_bytes()
            s3.put_object(Bucket=name, Key=obj["key"], Body=body, Metadata=obj.get("metadata") or {}, **extra)


def _dump_secrets(aws: _Aws) -> dict[str, dict[str, Any]]:
    sm = aws.client("secretsmanager")
    secrets: dict[str, dict[str, Any]] = {}
    for page in sm.get_paginator("list_secrets").paginate():
        for entry in page["SecretList"]:
            if entry.get("DeletedDate"):
                continue
            try:
                value = sm.get_secret_value(SecretId=entry["ARN"])
            except sm.exceptions.ResourceNotFoundException:
                continue  # a secret without a value yet
            kept = {k: value[k] for k in ("SecretString", "SecretBinary") if k in value}
            secrets[entry["Name"]] = {"description": entry.get("Description", ""), **kept}
    return secrets


def _load_secrets(aws: _Aws, secrets: dict[str, dict[str, Any]]) -> None:
    sm = aws.client("secretsmanager")
    for name, saved in secrets.items():
        value = {k: saved[k] for k in ("SecretString", "SecretBinary") if k in saved}
        try:
            sm.put_secret_value(SecretId=name, **value)
        except sm.exceptions.ResourceNotFoundException:
            sm.create_secret(Name=name, Description=saved.get("description", ""), **value)


def _kms_backend(aws: _Aws) -> Any | None:
    """moto's in-process KMS backend, or None when the embedded AWS runs in another process."""
    if not aws.kms_in_process:
        return None
    try:
        from moto.kms.models import kms_backends
    except ImportError:  # pragma: no cover - moto is a dev dependency
        return None
    return kms_backends[aws.account_id][aws.region]


def _dump_kms(aws: _Aws) -> list[dict[str, Any]]:
    backend = _kms_backend(aws)
    if backend is None:
        return []
    return [
        {
            "id": key.id,
            "material": key.key_material,
            "aliases": sorted(key.aliases),
            "description": key.description,
        }
        for key in list(backend.keys.values())
        if key.key_manager == "CUSTOMER" and key.key_state == "Enabled" and key.key_spec == "SYMMETRIC_DEFAULT"
    ]


def _rename_key(backend: Any, key: Any, new_id: str) -> None:
    """Give a moto key another id, moving what is indexed by it (the backend's map, aliases, tags)."""
    old_id = key.id
    tags = backend.tagger.list_tags_for_resource(old_id).get("Tags", [])
    backend.tagger.delete_all_tags_for_resource(old_id)
    del backend.keys[old_id]
    key.id = new_id
    key.arn = key.arn.rsplit("/", 1)[0] + "/" + new_id
    for alias in key.aliases.values():
        alias.target_key_id = new_id
    backend.keys[new_id] = key
    if tags:
        backend.tagger.tag_resource(new_id, tags)


def _load_kms(aws: _Aws, keys: list[dict[str, Any]]) -> None:
    backend = _kms_backend(aws)
    if backend is None:
        if keys:
            log.warning("KMS keys are not restored: the embedded AWS is not in this process")
        return
    saved_ids = {saved["id"] for saved in keys}
    for saved in keys:
        key = backend.keys.get(saved["id"])
        if key is None:
            key = _key_holding(backend, saved["aliases"], saved_ids)
        if key is None:
            key = backend.create_key(None, "ENCRYPT_DECRYPT", "SYMMETRIC_DEFAULT", saved["description"], None)
        if key.id != saved["id"]:
            _rename_key(backend, key, saved["id"])
        key.key_material = saved["material"]
        for alias in saved["aliases"]:
            if alias not in key.aliases:
                if backend.alias_exists(alias):
                    backend.update_alias(key.id, alias)
                else:
                    backend.create_alias(key.id, alias)
    _forget_parsed_stack_outputs(aws)


def _key_holding(backend: Any, aliases: list[str], saved_ids: set[str]) -> Any | None:
    """The fresh key (not itself a restored one) that provisioning created under one of these aliases."""
    for key in backend.keys.values():
        if key.id not in saved_ids and any(alias in key.aliases for alias in aliases):
            return key
    return None


def _forget_parsed_stack_outputs(aws: _Aws) -> None:
    """moto caches a stack's outputs once read; a restored key id must show in ExchangeSecretsKeyArn."""
    try:
        from moto.cloudformation.models import cloudformation_backends

        for stack in cloudformation_backends[aws.account_id][aws.region].stacks.values():
            stack.output_map._parsed_outputs.clear()
    except Exception:  # best effort: only the outputs' display depends on it
        log.debug("could not refresh CloudFormation outputs", exc_info=True)


# --- the snapshot on disk ------------------------------------------------------------------------


class SnapshotStore:
    """Takes and restores snapshots of the embedded AWS under `state_dir/snapshot/`. KMS key material is
    only reachable when moto runs in this process (`kms_in_process`, as `python -m infra.local` does)."""

    def __init__(
        self,
        state_dir: Path,
        endpoint_url: str | None,
        region: str = "us-east-1",
        account_id: str = "123456789012",
        kms_in_process: bool = True,
    ) -> None:
        self.state_dir = Path(state_dir)
        self.path = self.state_dir / "snapshot"
        self._aws = _Aws(endpoint_url, region, account_id, kms_in_process)
        self._lock = threading.Lock()

    def take(self, extra: dict[str, Any] | None = None) -> Path:
        with self._lock:
            self.state_dir.mkdir(parents=True, exist_ok=True)
            staging = self.state_dir / f"snapshot.tmp-{os.getpid()}"
            shutil.rmtree(staging, ignore_errors=True)
            (staging / "s3").mkdir(parents=True)
            os.chmod(staging, 0o700)
            state = {
                "format": FORMAT_VERSION,
                "dynamodb": _dump_dynamodb(self._aws),
                "s3": _dump_s3(self._aws, staging / "s3"),
                "secrets": _dump_secrets(self._aws),
                "kms": _dump_kms(self._aws),
                "extra": extra or {},
            }
            state_file = staging / "state.json"
            state_file.write_text(json.dumps(_encode(state)))
            os.chmod(state_file, 0o600)
            self._replace(staging)
            return self.path

    def _replace(self, staging: Path) -> None:
        previous = self.state_dir / "snapshot.old"
        shutil.rmtree(previous, ignore_errors=True)
        if self.path.exists():
            self.path.rename(previous)
        staging.rename(self.path)
        shutil.rmtree(previous, ignore_errors=True)

    def _readable(self) -> Path | None:
        # A crash between the two renames of `_replace` leaves only snapshot.old behind.
        for candidate in (self.path, self.state_dir / "snapshot.old"):
            if (candidate / "state.json").is_file():
                return candidate
        return None

    def read_extra(self) -> dict[str, Any]:
        found = self._readable()
        if found is None:
            return {}
        return dict(_decode(json.loads((found / "state.json").read_text())).get("extra", {}))

    def restore(self, transform: Callable[[Tables], Tables] | None = None) -> bool:
        """Load the last snapshot into the (freshly provisioned) embedded AWS. False if there is none.
        `transform` may rewrite the DynamoDB items (table name -> items) before they are written back."""
        with self._lock:
            found = self._readable()
            if found is None:
                return False
            state = _decode(json.loads((found / "state.json").read_text()))
            if state.get("format") != FORMAT_VERSION:
                log.warning("snapshot format %s is not %s: not restored", state.get("format"), FORMAT_VERSION)
                return False
            _load_kms(self._aws, state.get("kms", []))
            _load_secrets(self._aws, state.get("secrets", {}))
            _load_s3(self._aws, state.get("s3", {}), found / "s3")
            tables = state.get("dynamodb", {})
            _load_dynamodb(self._aws, transform(tables) if transform is not None else tables)
            return True
