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


_NO_VALUE = object()


def _condition(template: dict[str, Any], name: str, params: dict[str, str]) -> bool:
    return bool(_resolve(template.get("Conditions", {})[name], params, template))


def _resolve(value: Any, params: dict[str, str], template: dict[str, Any] | None = None) -> Any:
    """The intrinsic functions the template uses outside resource names: Sub, Ref (parameters, with their
    defaults, and AWS::NoValue), If, Not, Equals and Join."""
    template = template or {}
    if isinstance(value, dict):
        if set(value) == {"Sub"}:
            return _sub(value, params)
        if set(value) == {"Ref"}:
            ref = value["Ref"]
            if ref == "AWS::NoValue":
                return _NO_VALUE
            if ref in params:
                return params[ref]
            declared = template.get("Parameters", {}).get(ref, {})
            default = str(declared.get("Default", ""))
            return [p for p in default.split(",") if p] if declared.get("Type") == "CommaDelimitedList" else default
        if set(value) == {"GetAtt"}:
            attribute = value["GetAtt"]
            return params[attribute if isinstance(attribute, str) else ".".join(attribute)]
        if set(value) == {"If"}:
            name, then, otherwise = value["If"]
            return _resolve(then if _condition(template, name, params) else otherwise, params, template)
        if set(value) == {"Not"}:
            return not _resolve(value["Not"][0], params, template)
        if set(value) == {"Equals"}:
            left, right = (_resolve(v, params, template) for v in value["Equals"])
            return left == right
        if set(value) == {"Join"}:
            separator, parts = value["Join"]
            return separator.join(_resolve(parts, params, template))
        resolved = {k: _resolve(v, params, template) for k, v in value.items()}
        return {k: v for k, v in resolved.items() if v is not _NO_VALUE}
    if isinstance(value, list):
        return [v for v in (_resolve(v, params, template) for v in value) if v is not _NO_VALUE]
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
    # Not applied locally: the artifacts bucket's TLS-only policy (AWS::S3::BucketPolicy, which moto's
    # CloudFormation skips). moto enforces bucket policies and the embedded AWS is plain HTTP on 127.0.0.1, so
    # it would refuse every request (tests/integration/local/test_provision.py shows that it does).
    for logical_id, resource in template["Resources"].items():
        if resource["Type"] == "AWS::S3::Bucket":  # for the Ref and GetAtt of resolve_bucket_policy
            params[logical_id] = _sub(resource["Properties"]["BucketName"], params)
            params[f"{logical_id}.Arn"] = f"arn:aws:s3:::{params[logical_id]}"
    for logical_id, resource in template["Resources"].items():
        props = resource.get("Properties", {})
        if resource["Type"] == "AWS::KMS::Key" and physical.get(logical_id):
            # moto's CloudFormation stores KeyPolicy as a dict, which its own KMS then cannot parse.
            _client("kms", endpoint_url, region).put_key_policy(
                KeyId=physical[logical_id],
                PolicyName="default",
                Policy=json.dumps(_resolve(props["KeyPolicy"], params, template)),
            )
        elif resource["Type"] == "AWS::SecretsManager::Secret":
            sm = _client("secretsmanager", endpoint_url, region)
            name = _sub(props["Name"], params)
            length = int(props.get("GenerateSecretString", {}).get("PasswordLength", 64))
            value = "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(length))
            with contextlib.suppress(sm.exceptions.ResourceExistsException):
                sm.create_secret(Name=name, SecretString=value, Description=props.get("Description", ""))
        elif resource["Type"] == "AWS::DynamoDB::Table":
            ddb = _client("dynamodb", endpoint_url, region)
            table = _sub(props["TableName"], params)
            if "TimeToLiveSpecification" in props:
                ttl = props["TimeToLiveSpecification"]
                ddb.update_time_to_live(
                    TableName=table,
                    TimeToLiveSpecification={"AttributeName": ttl["AttributeName"], "Enabled": ttl["Enabled"]},
                )
            # moto's CloudFormation ignores point-in-time recovery (it does apply DeletionProtectionEnabled).
            if props.get("PointInTimeRecoverySpecification", {}).get("PointInTimeRecoveryEnabled"):
                ddb.update_continuous_backups(
                    TableName=table, PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True}
                )
        elif resource["Type"] == "AWS::S3::Bucket" and "VersioningConfiguration" in props:
            # moto's CloudFormation ignores the bucket's versioning.
            _client("s3", endpoint_url, region).put_bucket_versioning(
                Bucket=_sub(props["BucketName"], params),
                VersioningConfiguration={"Status": props["VersioningConfiguration"]["Status"]},
            )


def resolve_bucket_policy(logical_id: str, params: dict[str, str], account_id: str) -> dict[str, Any]:
    """The template's policy document for bucket `logical_id`, resolved for these parameters."""
    template = load_template()
    params = {**params, "AWS::Partition": "aws", "AWS::AccountId": account_id}
    name = _sub(template["Resources"][logical_id]["Properties"]["BucketName"], params)
    params.update({logical_id: name, f"{logical_id}.Arn": f"arn:aws:s3:::{name}"})
    for resource in template["Resources"].values():
        if resource["Type"] == "AWS::S3::BucketPolicy" and resource["Properties"]["Bucket"] == {"Ref": logical_id}:
            document: dict[str, Any] = _resolve(resource["Properties"]["PolicyDocument"], params, template)
            return document
    raise KeyError(f"no bucket policy for {logical_id}")


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
