"""A tiny Chalice app the local runtime serves in the end-to-end tests: it writes to every kind of state a
snapshot keeps (DynamoDB, S3, Secrets Manager, KMS) and has a schedule and an SQS handler like app.py."""

from __future__ import annotations

import base64
import functools
import json
import os
from typing import Any

import boto3
from chalice import Chalice, Rate

app = Chalice(app_name="tradebot")

_PREFIX = f"{os.environ.get('APP_NAME', 'tradebot')}-{os.environ.get('STAGE', 'dev')}"
_ACCOUNT = os.environ.get("AWS_ACCOUNT_ID", "123456789012")
TABLE = f"{_PREFIX}-users"
BUCKET = f"{_PREFIX}-artifacts-{_ACCOUNT}"
KEY_ALIAS = f"alias/{_PREFIX}-exchange-secrets"
SECRET = f"{os.environ.get('APP_NAME', 'tradebot')}/{os.environ.get('STAGE', 'dev')}/jwt-signing-key"


@functools.cache
def _client(service: str) -> Any:
    return boto3.client(service)


@app.route("/api/v1/health")
def health() -> dict[str, str]:
    return {"status": "ok"}


@app.route("/api/v1/things/{thing_id}", methods=["PUT"])
def put_thing(thing_id: str) -> dict[str, str]:
    secret = (app.current_request.json_body or {})["secret"]
    context = {"user_id": thing_id}
    blob = _client("kms").encrypt(KeyId=KEY_ALIAS, Plaintext=secret.encode(), EncryptionContext=context)
    item = {"user_id": {"S": thing_id}, "cipher": {"B": blob["CiphertextBlob"]}}
    _client("dynamodb").put_item(TableName=TABLE, Item=item)
    _client("s3").put_object(Bucket=BUCKET, Key=f"things/{thing_id}.json", Body=json.dumps({"id": thing_id}))
    return {"id": thing_id}


@app.route("/api/v1/things/{thing_id}")
def get_thing(thing_id: str) -> dict[str, Any]:
    item = _client("dynamodb").get_item(TableName=TABLE, Key={"user_id": {"S": thing_id}})["Item"]
    plain = _client("kms").decrypt(CiphertextBlob=item["cipher"]["B"], EncryptionContext={"user_id": thing_id})
    obj = _client("s3").get_object(Bucket=BUCKET, Key=f"things/{thing_id}.json")["Body"].read()
    return {
        "secret": plain["Plaintext"].decode(),
        "object": json.loads(obj),
        "cipher": base64.b64encode(item["cipher"]["B"]).decode(),
    }


@app.route("/api/v1/jwt-key")
def jwt_key() -> dict[str, str]:
    return {"value": _client("secretsmanager").get_secret_value(SecretId=SECRET)["SecretString"]}


@app.route("/api/v1/events")
def events() -> dict[str, Any]:
    items = _client("dynamodb").scan(TableName=f"{_PREFIX}-notifications")["Items"]
    return {"events": sorted(i["notification_key"]["S"] for i in items)}


def _record(kind: str, key: str) -> None:
    item = {"user_id": {"S": kind}, "notification_key": {"S": f"{kind}#{key}"}}
    _client("dynamodb").put_item(TableName=f"{_PREFIX}-notifications", Item=item)


@app.schedule(Rate(1, unit=Rate.MINUTES))
def dispatch_ticks(event: Any) -> None:
    _record("schedule", event.time)
    _client("sqs").send_message(QueueUrl=_queue_url(), MessageBody=json.dumps({"tick_at": event.time}))


def _queue_url() -> str:
    return _client("sqs").get_queue_url(QueueName=f"{_PREFIX}-ticks")["QueueUrl"]


@app.on_sqs_message(queue=f"{_PREFIX}-ticks", batch_size=5)
def run_ticks(event: Any) -> dict[str, list[Any]]:
    for record in event:
        _record("tick", json.loads(record.body)["tick_at"])
    return {"batchItemFailures": []}
