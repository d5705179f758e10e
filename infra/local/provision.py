"""Create every resource of infra/stack.yaml in the embedded AWS through moto's CloudFormation, so the
local platform and the tests run on exactly what deploy creates. moto's CloudFormation skips a few
resource types and properties; `_complete` creates those from the same template definitions."""

from __future__ import annotations

import contextlib
import json
import secrets
import string
from pathlib import Path
from typing import Any

import boto3
import yaml

TEMPLATE = Path(__file__).resolve().parents[1] / "stack.yaml"


class _CfnLoader(yaml.SafeLoader):
    """Reads CloudFormation's short-form tags (!Sub, !Ref, !GetAtt) as plain values."""


def _tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        return {suffix: loader.construct_scalar(node)}
    if isinstance(node, yaml.SequenceNode):
        return {suffix: loader.construct_sequence(node)}
    return {suffix: loader.construct_mapping(node)}  # type: ignore[arg-type]


_CfnLoader.add_multi_constructor("!", _tag)


def load_template() -> dict[str, Any]:
    with TEMPLATE.open() as fh:
        return yaml.load(fh, Loader=_CfnLoader)  # noqa: S506 - SafeLoader subclass


def _sub(value: Any, params: dict[str, str]) -> str:
    text = value["Sub"] if isinstance(value, dict) else value
    for key, val in params.items():
        text = text.replace("${" + key + "}", val)
    return str(text)


def _client(service: str, endpoint_url: str | None, region: str) -> Any:
    return boto3.client(service, endpoint_url=endpoint_url, region_name=region)


def _resolve(value: Any, params: dict[str, str]) -> Any:
    if isinstance(value, dict):
        if set(value) == {"Sub"}:
            return _sub(value, params)
        return {k: _resolve(v, params) for k, v in value.items()}
    if isinstance(value, list):
        return [_resolve(v, params) for v in value]
    return value


def _complete(
    template: dict[str, Any], params: dict[str, str], endpoint_url: str | None, region: str, stack_name: str
) -> None:
    physical = {
        r.get("LogicalResourceId", ""): r.get("PhysicalResourceId")
        for r in _client("cloudformation", endpoint_url, region).describe_stack_resources(StackName=stack_name)[
            "StackResources"
        ]
    }
    params = {
        **params,
        "AWS::Partition": "aws",
        "AWS::Region": region,
        "AWS::AccountId": _client("sts", endpoint_url, region).get_caller_identity()["Account"],
    }
    for logical_id, resource in template["Resources"].items():
        props = resource.get("Properties", {})
        if resource["Type"] == "AWS::KMS::Key" and physical.get(logical_id):
            # moto's CloudFormation stores KeyPolicy as a dict, which its own KMS then cannot parse.
            _client("kms", endpoint_url, region).put_key_policy(
                KeyId=physical[logical_id],
                PolicyName="default",
                Policy=json.dumps(_resolve(props["KeyPolicy"], params)),
            )
        elif resource["Type"] == "AWS::SecretsManager::Secret":
            sm = _client("secretsmanager", endpoint_url, region)
            name = _sub(props["Name"], params)
            length = int(props.get("GenerateSecretString", {}).get("PasswordLength", 64))
            value = "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(length))
            with contextlib.suppress(sm.exceptions.ResourceExistsException):
                sm.create_secret(Name=name, SecretString=value, Description=props.get("Description", ""))
        elif resource["Type"] == "AWS::DynamoDB::Table" and "TimeToLiveSpecification" in props:
            ttl = props["TimeToLiveSpecification"]
            _client("dynamodb", endpoint_url, region).update_time_to_live(
                TableName=_sub(props["TableName"], params),
                TimeToLiveSpecification={"AttributeName": ttl["AttributeName"], "Enabled": ttl["Enabled"]},
            )


def provision(
    *, endpoint_url: str | None = None, app_name: str = "tradebot", stage: str = "dev", region: str = "us-east-1"
) -> dict[str, str]:
    """Create (or find) the stack and return its outputs. `endpoint_url=None` targets whatever boto3
    points at: an in-process `mock_aws` in tests, the moto server when AWS_ENDPOINT_URL is set."""
    cfn = _client("cloudformation", endpoint_url, region)
    stack_name = f"{app_name}-{stage}"
    existing = {s["StackName"] for s in cfn.list_stacks()["StackSummaries"] if s["StackStatus"] != "DELETE_COMPLETE"}
    if stack_name not in existing:
        cfn.create_stack(
            StackName=stack_name,
            TemplateBody=TEMPLATE.read_text(),
            Parameters=[
                {"ParameterKey": "AppName", "ParameterValue": app_name},
                {"ParameterKey": "Stage", "ParameterValue": stage},
            ],
        )
        _complete(load_template(), {"AppName": app_name, "Stage": stage}, endpoint_url, region, stack_name)
    _verify_sender(app_name, stage, endpoint_url, region)
    stack = cfn.describe_stacks(StackName=stack_name)["Stacks"][0]
    return {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}


def _verify_sender(app_name: str, stage: str, endpoint_url: str | None, region: str) -> None:
    """SES sends only from a verified identity. Deployed, the stage's sender is verified once by its owner (DNS
    or the link SES mails, docs/deploy.md); in the embedded AWS it is verified here, so the local outbox works."""
    import os

    from chalicelib.config import load_settings, mail_sender

    sender = mail_sender(load_settings({**os.environ, "APP_NAME": app_name, "STAGE": stage}))
    _client("ses", endpoint_url, region).verify_email_identity(EmailAddress=sender)
