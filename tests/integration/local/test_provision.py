"""GIVEN infra/stack.yaml WHEN provision() runs against the embedded AWS THEN every resource exists."""

from __future__ import annotations

import warnings
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from infra.local.provision import load_template, provision, resolve_bucket_policy
from tests.integration.local.conftest import unique


def _names(template: dict[str, Any], kind: str, prop: str, app: str, stage: str) -> set[str]:
    found = set()
    for resource in template["Resources"].values():
        if resource["Type"] == kind:
            value = resource["Properties"][prop]
            text = value["Sub"] if isinstance(value, dict) else value
            found.add(
                text.replace("${AppName}", app).replace("${Stage}", stage).replace("${AWS::AccountId}", "123456789012")
            )
    return found


def test_provision_creates_every_resource_of_the_template(moto_endpoint: str) -> None:
    app, stage = unique("prov"), "t"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        outputs = provision(endpoint_url=moto_endpoint, app_name=app, stage=stage)
    template = load_template()

    def client(service: str) -> Any:
        return boto3.client(service, endpoint_url=moto_endpoint, region_name="us-east-1")

    ddb = client("dynamodb")
    tables = _names(template, "AWS::DynamoDB::Table", "TableName", app, stage)
    assert len(tables) == sum(1 for r in template["Resources"].values() if r["Type"] == "AWS::DynamoDB::Table") > 0
    assert tables <= set(ddb.list_tables(Limit=100)["TableNames"])
    bots = ddb.describe_table(TableName=f"{app}-{stage}-bots")["Table"]
    assert [i["IndexName"] for i in bots["GlobalSecondaryIndexes"]] == ["by_schedule"]
    ttl = ddb.describe_time_to_live(TableName=f"{app}-{stage}-refresh-tokens")["TimeToLiveDescription"]
    assert ttl == {"TimeToLiveStatus": "ENABLED", "AttributeName": "expires_at"}

    sqs = client("sqs")
    for queue in _names(template, "AWS::SQS::Queue", "QueueName", app, stage):
        url = sqs.get_queue_url(QueueName=queue)["QueueUrl"]
        attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        assert ("RedrivePolicy" in attrs) == (not queue.endswith("-dlq"))
    ticks = sqs.get_queue_url(QueueName=f"{app}-{stage}-ticks")["QueueUrl"]
    assert sqs.get_queue_attributes(QueueUrl=ticks, AttributeNames=["VisibilityTimeout"])["Attributes"] == {
        "VisibilityTimeout": "180"
    }

    sm = client("secretsmanager")
    for secret in _names(template, "AWS::SecretsManager::Secret", "Name", app, stage):
        assert len(sm.get_secret_value(SecretId=secret)["SecretString"]) == 64

    buckets = {b["Name"] for b in client("s3").list_buckets()["Buckets"]}
    assert _names(template, "AWS::S3::Bucket", "BucketName", app, stage) <= buckets
    assert outputs["ArtifactsBucketName"] in buckets

    key = client("kms").describe_key(KeyId=f"alias/{app}-{stage}-exchange-secrets")["KeyMetadata"]
    assert key["Arn"] == outputs["ExchangeSecretsKeyArn"]
    assert key["KeyState"] == "Enabled"


def test_provisioned_stack_carries_the_data_protections(moto_endpoint: str) -> None:
    """What moto's CloudFormation ignores (point-in-time recovery, versioning, the bucket policy, the key policy)
    is applied from the same template, so the local stack is protected like the deployed one."""
    import json

    app, stage = unique("prot"), "t"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        outputs = provision(endpoint_url=moto_endpoint, app_name=app, stage=stage)

    def client(service: str) -> Any:
        return boto3.client(service, endpoint_url=moto_endpoint, region_name="us-east-1")

    ddb = client("dynamodb")
    template = load_template()
    for table in _names(template, "AWS::DynamoDB::Table", "TableName", app, stage):
        assert ddb.describe_table(TableName=table)["Table"]["DeletionProtectionEnabled"] is True, table
        pitr = ddb.describe_continuous_backups(TableName=table)["ContinuousBackupsDescription"]
        status = pitr["PointInTimeRecoveryDescription"]["PointInTimeRecoveryStatus"]
        short = table.removeprefix(f"{app}-{stage}-")
        assert (status == "ENABLED") == (short not in {"rate-limits", "market-cache", "market-candles"}), table
    with pytest.raises(ClientError, match="DeletionProtectionEnabled"):
        ddb.delete_table(TableName=f"{app}-{stage}-users")

    s3 = client("s3")
    bucket = outputs["ArtifactsBucketName"]
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
    # The TLS-only policy is not applied locally (the embedded AWS is plain HTTP): applied, moto enforces it and
    # refuses this very request, which shows the deployed bucket refuses any request without TLS.
    with pytest.raises(ClientError, match="NoSuchBucketPolicy"):
        s3.get_bucket_policy(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="backtests/plain.json", Body=b"{}")
    policy = resolve_bucket_policy("ArtifactsBucket", {"AppName": app, "Stage": stage}, "123456789012")
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps(policy))
    try:
        with pytest.raises(ClientError, match="Forbidden|AccessDenied"):
            s3.put_object(Bucket=bucket, Key="backtests/plain.json", Body=b"{}")
        with pytest.raises(ClientError, match="Forbidden|AccessDenied"):
            s3.get_object(Bucket=bucket, Key="backtests/plain.json")
    finally:  # moto's server applies bucket policies beyond this bucket: leave the shared server as it was
        from moto.s3.models import s3_backends

        s3_backends["123456789012"]["aws"].buckets[bucket].policy = None

    kms = client("kms")
    key_policy = json.loads(kms.get_key_policy(KeyId=outputs["ExchangeSecretsKeyArn"], PolicyName="default")["Policy"])
    by_sid = {st["Sid"]: st for st in key_policy["Statement"]}
    assert "Condition" not in by_sid["KeyAdministration"]  # KeyAdminArns left empty: the !If dropped it
    assert not any(a in {"kms:*", "kms:Decrypt", "kms:Encrypt"} for a in by_sid["KeyAdministration"]["Action"])
    role = f"arn:aws:iam::123456789012:role/{app}-{stage}-"
    assert by_sid["DecryptByTheWorkersWithOwnerContext"]["Condition"]["ArnEquals"]["aws:PrincipalArn"] == [
        role + "run_ticks", role + "recheck_api_keys"]  # fmt: skip
