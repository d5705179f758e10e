"""GIVEN state written to the embedded AWS WHEN it is snapshotted, the resources are recreated empty (as a new
moto server would have them) and the snapshot restored THEN items, objects, the secret value and the
decryptability of old KMS ciphertexts are back."""

from __future__ import annotations

import gzip
import stat
import warnings
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from infra.local.provision import provision
from infra.local.snapshot import SnapshotStore
from tests.integration.local.conftest import unique


def _provision(endpoint: str, app: str) -> dict[str, str]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return provision(endpoint_url=endpoint, app_name=app, stage="t")


def _forget_everything(endpoint: str, app: str, client: Any) -> None:
    """What a fresh moto server starts with for this app: nothing (the backends are shared by the test
    process, so this removes only this app's resources instead of resetting moto)."""
    from moto.kms.models import kms_backends

    prefix = f"{app}-t"
    # The stack retains its key (DeletionPolicy: Retain) but drops the alias: note the key while it has one.
    key_id = client("kms").describe_key(KeyId=f"alias/{prefix}-exchange-secrets")["KeyMetadata"]["KeyId"]
    client("cloudformation").delete_stack(StackName=prefix)
    ddb = client("dynamodb")
    for table in ddb.list_tables(Limit=100)["TableNames"]:
        if table.startswith(prefix + "-"):
            ddb.update_table(TableName=table, DeletionProtectionEnabled=False)  # the template turns it on
            ddb.delete_table(TableName=table)
    s3 = client("s3")
    for bucket in s3.list_buckets()["Buckets"]:
        if bucket["Name"].startswith(prefix + "-"):
            listing = s3.list_object_versions(Bucket=bucket["Name"])  # the artifacts bucket is versioned
            for obj in listing.get("Versions", []) + listing.get("DeleteMarkers", []):
                s3.delete_object(Bucket=bucket["Name"], Key=obj["Key"], VersionId=obj["VersionId"])
            s3.delete_bucket(Bucket=bucket["Name"])
    client("secretsmanager").delete_secret(SecretId=f"{app}/t/jwt-signing-key", ForceDeleteWithoutRecovery=True)
    backend = kms_backends["123456789012"]["us-east-1"]
    del backend.keys[key_id]


def test_restore_brings_back_items_objects_secret_and_kms_decryptability(moto_endpoint: str, tmp_path: Path) -> None:
    app = unique("snap")

    def client(service: str) -> Any:
        return boto3.client(service, endpoint_url=moto_endpoint, region_name="us-east-1")

    # GIVEN
    outputs = _provision(moto_endpoint, app)
    alias = f"alias/{app}-t-exchange-secrets"
    context = {"user_id": "u-1", "key_id": "k-1"}
    cipher = client("kms").encrypt(KeyId=alias, Plaintext=b"binance-secret", EncryptionContext=context)
    old_key_id = cipher["KeyId"].rsplit("/", 1)[-1]
    items = [
        {
            "user_id": {"S": f"u-{i}"},
            "key_id": {"S": "k-1"},
            "secret": {"B": cipher["CiphertextBlob"]},
            "n": {"N": str(i)},
            "tags": {"SS": ["a", "b"]},
            "blobs": {"BS": [b"\x00\x01"]},
            "nested": {"M": {"l": {"L": [{"BOOL": True}, {"NULL": True}]}}},
        }
        for i in range(30)  # more than one BatchWriteItem
    ]
    ddb = client("dynamodb")
    for item in items:
        ddb.put_item(TableName=f"{app}-t-api-keys", Item=item)
    bucket = outputs["ArtifactsBucketName"]
    client("s3").put_object(
        Bucket=bucket, Key="backtests/b1.json", Body=b'{"ok": 1}', ContentType="application/json", Metadata={"m": "v"}
    )
    compressed = gzip.compress(b'{"trades": []}')
    client("s3").put_object(
        Bucket=bucket,
        Key="backtests/b2.json",
        Body=compressed,
        ContentType="application/json",
        ContentEncoding="gzip",
        CacheControl="no-store",
    )
    jwt_key = client("secretsmanager").get_secret_value(SecretId=f"{app}/t/jwt-signing-key")["SecretString"]
    store = SnapshotStore(tmp_path, moto_endpoint)

    # WHEN
    store.take({"clock": {"market_ms": 42}})
    _forget_everything(moto_endpoint, app, client)
    new_outputs = _provision(moto_endpoint, app)
    assert new_outputs["ExchangeSecretsKeyArn"] != outputs["ExchangeSecretsKeyArn"]
    assert store.restore()

    # THEN
    restored = client("dynamodb").scan(TableName=f"{app}-t-api-keys")["Items"]
    assert sorted(restored, key=lambda i: int(i["n"]["N"])) == items
    obj = client("s3").get_object(Bucket=bucket, Key="backtests/b1.json")
    assert (obj["Body"].read(), obj["ContentType"], obj["Metadata"]) == (b'{"ok": 1}', "application/json", {"m": "v"})
    gz = client("s3").get_object(Bucket=bucket, Key="backtests/b2.json")
    assert gz["Body"].read() == compressed  # the bytes as stored, and the headers they were stored with
    assert (gz["ContentType"], gz["ContentEncoding"], gz["CacheControl"]) == ("application/json", "gzip", "no-store")
    assert client("secretsmanager").get_secret_value(SecretId=f"{app}/t/jwt-signing-key")["SecretString"] == jwt_key
    kms = client("kms")
    plain = kms.decrypt(CiphertextBlob=restored[0]["secret"]["B"], EncryptionContext=context)
    assert plain["Plaintext"] == b"binance-secret"
    with pytest.raises(ClientError):
        kms.decrypt(CiphertextBlob=restored[0]["secret"]["B"], EncryptionContext={"user_id": "someone-else"})
    assert kms.describe_key(KeyId=alias)["KeyMetadata"]["KeyId"] == old_key_id
    assert _provision(moto_endpoint, app)["ExchangeSecretsKeyArn"].endswith("/" + old_key_id)
    fresh = kms.encrypt(KeyId=alias, Plaintext=b"new", EncryptionContext=context)["CiphertextBlob"]
    assert kms.decrypt(CiphertextBlob=fresh, EncryptionContext=context)["Plaintext"] == b"new"
    assert store.read_extra() == {"clock": {"market_ms": 42}}


def test_snapshot_files_are_private_and_replaced_whole(moto_endpoint: str, tmp_path: Path) -> None:
    store = SnapshotStore(tmp_path, moto_endpoint)
    store.take({"n": 1})
    store.take({"n": 2})
    state = tmp_path / "snapshot" / "state.json"
    assert stat.S_IMODE(state.stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "snapshot").stat().st_mode) == 0o700
    assert sorted(p.name for p in tmp_path.iterdir()) == ["snapshot"]
    assert store.read_extra() == {"n": 2}


def test_no_snapshot_restores_nothing(moto_endpoint: str, tmp_path: Path) -> None:
    assert SnapshotStore(tmp_path / "empty", moto_endpoint).restore() is False
