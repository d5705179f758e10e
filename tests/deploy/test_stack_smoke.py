"""infra/stack.yaml created in moto's CloudFormation (infra/local/provision.py, as `make run` does), then
smoke tests against the resources that stack created, and the app's health through chalice.test.Client."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest

from chalicelib.config import load_settings
from infra.deploy import OUTPUT_ENV, stage_environment


def test_outputs_render_a_stage_environment_the_app_reads_back(aws: dict[str, str]) -> None:
    # GIVEN the stack's outputs WHEN deploy renders the stage environment THEN the app's settings name exactly
    # the resources the stack created
    env = stage_environment(aws, account_id="123456789012", region="us-east-1")
    cfg = load_settings({"APP_NAME": "tradebot", "STAGE": "test", **env})
    assert set(OUTPUT_ENV.values()) <= set(env)
    assert (cfg.tick_queue_url, cfg.jobs_queue_url, cfg.notify_queue_url) == (
        aws["TickQueueUrl"], aws["JobsQueueUrl"], aws["NotifyQueueUrl"])  # fmt: skip
    assert cfg.artifacts_bucket == aws["ArtifactsBucketName"] and cfg.table("bots") == "tradebot-test-bots"
    assert cfg.kms_key_id == aws["ExchangeSecretsKeyArn"]


def test_kms_round_trip_is_bound_to_the_encryption_context(aws: dict[str, str]) -> None:
    kms = boto3.client("kms", region_name="us-east-1")
    context = {"user_id": "u-1", "key_id": "k-1"}
    blob = kms.encrypt(KeyId=aws["ExchangeSecretsKeyArn"], Plaintext=b"secret", EncryptionContext=context)
    assert kms.decrypt(CiphertextBlob=blob["CiphertextBlob"], EncryptionContext=context)["Plaintext"] == b"secret"
    with pytest.raises(kms.exceptions.InvalidCiphertextException):
        kms.decrypt(CiphertextBlob=blob["CiphertextBlob"], EncryptionContext={**context, "user_id": "u-2"})
    key = kms.describe_key(KeyId="alias/tradebot-test-exchange-secrets")["KeyMetadata"]
    assert key["Arn"] == aws["ExchangeSecretsKeyArn"]
    assert kms.get_key_rotation_status(KeyId=key["KeyId"])["KeyRotationEnabled"] is True


@pytest.mark.parametrize(("queue", "max_receives"), [("Tick", 3), ("Jobs", 3), ("Notify", 5)])
def test_queues_round_trip_and_redrive_to_their_dlq(aws: dict[str, str], queue: str, max_receives: int) -> None:
    sqs = boto3.client("sqs", region_name="us-east-1")
    url = aws[f"{queue}QueueUrl"]
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    redrive = json.loads(attrs["RedrivePolicy"])
    assert redrive["deadLetterTargetArn"].endswith(f"{url.rsplit('/', 1)[1]}-dlq")
    assert int(redrive["maxReceiveCount"]) == max_receives
    sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"bot_id": "b-1", "tick_at": 0}))
    received = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=1, WaitTimeSeconds=0)["Messages"]
    assert json.loads(received[0]["Body"])["bot_id"] == "b-1"
    sqs.delete_message(QueueUrl=url, ReceiptHandle=received[0]["ReceiptHandle"])


def _table(name: str) -> dict[str, Any]:
    table: dict[str, Any] = boto3.client("dynamodb", region_name="us-east-1").describe_table(TableName=name)["Table"]
    return table


def test_tables_exist_with_their_indexes_and_ttl(aws: dict[str, str]) -> None:
    prefix = aws["TablePrefix"]
    assert {i["IndexName"] for i in _table(f"{prefix}-bots")["GlobalSecondaryIndexes"]} == {"by_schedule"}
    assert {i["IndexName"] for i in _table(f"{prefix}-trades")["GlobalSecondaryIndexes"]} == {"by_bot"}
    assert {i["IndexName"] for i in _table(f"{prefix}-bot-orders")["GlobalSecondaryIndexes"]} == {"open_by_bot"}
    ddb = boto3.client("dynamodb", region_name="us-east-1")
    ttl = ddb.describe_time_to_live(TableName=f"{prefix}-refresh-tokens")["TimeToLiveDescription"]
    assert ttl["TimeToLiveStatus"] == "ENABLED" and ttl["AttributeName"] == "expires_at"
    names = set(ddb.list_tables()["TableNames"])
    for short in ("users", "user-emails", "refresh-tokens", "rate-limits", "api-keys", "bot-states", "bots", "trades",
                  "paper-accounts", "notifications", "market-cache", "market-candles", "backtests",
                  "optimizations", "bot-orders", "drift-reports"):  # fmt: skip
        assert f"{prefix}-{short}" in names


def test_health_is_up_on_the_created_resources(api: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    # The dependency probes answer only an operator (docs/deploy.md, "Health"): set the stage's token hash.
    import dataclasses
    import hashlib

    from chalicelib import bootstrap

    container = bootstrap.container()
    extra = {**container.settings.extra, "TRADEBOT_OPERATOR_TOKEN_SHA256": hashlib.sha256(b"op-token").hexdigest()}
    monkeypatch.setattr(container, "settings", dataclasses.replace(container.settings, extra=extra))
    response = api.get("/api/v1/health", headers={"X-Operator-Token": "op-token"})
    body = json.loads(response.body)
    assert response.status_code == 200, body
    assert {name: dep["status"] for name, dep in body["dependencies"].items()} == {
        "dynamodb": "up", "sqs": "up", "kms": "up", "secrets": "up", "s3": "up"}  # fmt: skip
