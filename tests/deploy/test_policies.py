"""Least privilege, checked on every .chalice policy file and on what deploy renders from them: no wildcard
actions, nothing outside the stage's name prefix, KMS use bound to the stage's key and an owner context; with
`--egress fixed`, the EC2 network-interface permissions on exactly the exchange-calling functions, bound to the
stage's VPC."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from infra.deploy import Network, render_policies, render_policy
from tests.deploy.conftest import REPO

CHALICE = REPO / ".chalice"
CONFIG = json.loads((CHALICE / "config.json").read_text())
STAGES = sorted(CONFIG["stages"])
FUNCTIONS = ("api_handler", "dispatch_ticks", "run_ticks", "run_jobs", "send_notifications", "recheck_api_keys")
POLICY_FILES = sorted(CHALICE.glob("policy-*.json"))
# Services without resource-level permissions: the only actions that may use Resource "*".
RESOURCE_STAR_ONLY = {"xray:PutTraceSegments", "xray:PutTelemetryRecords", "xray:GetSamplingRules",
                      "xray:GetSamplingTargets"}  # fmt: skip
# Fixed egress only (`deploy --egress fixed`, infra/deploy.py: vpc_policy_statements), and only when the check is
# given the stage's VPC: what Lambda needs on a role to place the function's network interfaces in that VPC.
# - Describe* have no resource-level permissions nor condition keys in EC2: Resource "*" is the only form.
ENI_DESCRIBE = {"ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets"}
# - CreateNetworkInterface authorizes the new interface, the subnet and the security group in one request, so it
#   takes Resource "*", allowed ONLY with an `ec2:Vpc` condition naming the stage's VPC (all three carry the key).
ENI_CREATE = {"ec2:CreateNetworkInterface"}
# - These act on existing interfaces: `network-interface/*` of the account, again only in the stage's VPC.
ENI_MANAGE = {"ec2:DeleteNetworkInterface", "ec2:AssignPrivateIpAddresses", "ec2:UnassignPrivateIpAddresses"}
EGRESS_FUNCTIONS = {"api_handler", "run_ticks", "recheck_api_keys"}  # call Binance with users' keys
ACCOUNT, REGION = "111122223333", "eu-west-1"
KEY = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/0a1b2c3d-0000-4000-8000-000000000000"
NETWORK = Network(vpc_id="vpc-0abc", subnet_ids=("subnet-a", "subnet-b"), security_group_id="sg-1",
                  egress_ips=("198.51.100.7", "203.0.113.10"))  # fmt: skip
VPC_ARN = NETWORK.vpc_arn(ACCOUNT, REGION)


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _stage_of(path: Path) -> str:
    match = re.match(r"policy-([a-z0-9]+)-", path.name)
    assert match, path.name
    return match.group(1)


def _in_stage(resource: str, stage: str) -> bool:
    """The resource's name part starts with the stage's prefix (`tradebot-<stage>-` or `tradebot/<stage>/`)."""
    name = resource.split(":", 5)[-1]
    name = re.sub(r"^(table/|log-group:/aws/lambda/|secret:)", "", name)
    return name.startswith((f"tradebot-{stage}-", f"tradebot/{stage}/"))


def _kms_bound_to_stage(statement: dict[str, Any], stage: str) -> bool:
    aliases = statement.get("Condition", {}).get("ForAnyValue:StringEquals", {}).get("kms:ResourceAliases")
    return _as_list(aliases) == [f"alias/tradebot-{stage}-exchange-secrets"]


def _ses_bound_to_sender(statement: dict[str, Any], resource: str, stage: str) -> bool:
    """SES: only SendEmail, only the stage's sender identity (.chalice/config.json TRADEBOT_MAIL_FROM), and only
    with that address as the From."""
    sender = CONFIG["stages"][stage]["environment_variables"]["TRADEBOT_MAIL_FROM"]
    return (
        re.fullmatch(r"arn:aws:ses:[a-z0-9*-]+:(\d{12}|\*):identity/" + re.escape(sender), resource) is not None
        and _as_list(statement.get("Action")) == ["ses:SendEmail"]
        and statement.get("Condition") == {"StringEquals": {"ses:FromAddress": sender}}
    )


def _bound_to_vpc(statement: dict[str, Any], vpc_arn: str | None) -> bool:
    return vpc_arn is not None and statement.get("Condition") == {"ArnEqualsIfExists": {"ec2:Vpc": vpc_arn}}


def _star_allowed(statement: dict[str, Any], actions: set[str], vpc_arn: str | None) -> bool:
    if actions <= RESOURCE_STAR_ONLY:
        return True
    if vpc_arn is not None and actions <= ENI_DESCRIBE:
        return True
    return actions <= ENI_CREATE and _bound_to_vpc(statement, vpc_arn)


def violations(document: dict[str, Any], stage: str, vpc_arn: str | None = None) -> list[str]:
    """`vpc_arn`: the stage's VPC when it has a fixed egress IP; without it no EC2 permission passes."""
    problems = []
    for st in document["Statement"]:
        sid = st.get("Sid", "?")
        if st.get("Effect") != "Allow" or "NotAction" in st or "NotResource" in st or "NotPrincipal" in st:
            problems.append(f"{sid}: only plain Allow statements are expected")
        actions = _as_list(st.get("Action", []))
        problems += [f"{sid}: wildcard action {a}" for a in actions if "*" in a or "?" in a]
        for resource in _as_list(st.get("Resource", [])):
            if resource == "*":
                if not _star_allowed(st, set(actions), vpc_arn):
                    problems.append(f"{sid}: Resource * for {sorted(set(actions) - RESOURCE_STAR_ONLY)}")
            elif resource.startswith("arn:aws:ec2:"):
                interfaces = re.fullmatch(r"arn:aws:ec2:[a-z0-9-]+:\d{12}:network-interface/\*", resource)
                if not (interfaces and set(actions) <= ENI_MANAGE and _bound_to_vpc(st, vpc_arn)):
                    problems.append(f"{sid}: EC2 {resource} for {sorted(actions)} not bound to the stage's VPC")
            elif resource.startswith("arn:aws:kms:"):
                if not _kms_bound_to_stage(st, stage):
                    problems.append(f"{sid}: KMS key not bound to the stage's alias")
            elif resource.startswith("arn:aws:ses:"):
                if not _ses_bound_to_sender(st, resource, stage):
                    problems.append(f"{sid}: SES {resource} is not the stage's sender, or not bound to it as From")
            elif not _in_stage(resource, stage):
                problems.append(f"{sid}: {resource} is outside tradebot-{stage}")
        uses_key = {"kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey"} & set(actions)
        if uses_key:
            cond = st.get("Condition", {})
            keys = cond.get("ForAllValues:StringEquals", {}).get("kms:EncryptionContextKeys")
            required = cond.get("Null", {})
            if sorted(_as_list(keys)) != ["key_id", "user_id"] or required != {
                "kms:EncryptionContext:user_id": "false",
                "kms:EncryptionContext:key_id": "false",
            }:
                problems.append(f"{sid}: {sorted(uses_key)} without the user_id/key_id encryption context")
    return problems


def test_every_function_of_every_stage_has_its_own_policy_file() -> None:
    for stage in STAGES:
        stage_cfg = CONFIG["stages"][stage]
        assert stage_cfg.get("autogen_policy", CONFIG.get("autogen_policy")) is False
        for fn in FUNCTIONS:
            policy_file = stage_cfg["lambda_functions"][fn]["iam_policy_file"]
            assert policy_file == f"policy-{stage}-{fn}.json"
            assert (CHALICE / policy_file).is_file()
    assert {p.name for p in POLICY_FILES} == {f"policy-{s}-{f}.json" for s in STAGES for f in FUNCTIONS}


@pytest.mark.parametrize("path", POLICY_FILES, ids=lambda p: p.name)
def test_committed_policy_is_least_privilege(path: Path) -> None:
    assert violations(json.loads(path.read_text()), _stage_of(path)) == []


@pytest.mark.parametrize("path", POLICY_FILES, ids=lambda p: p.name)
def test_rendered_policy_is_pinned_to_account_region_and_key(path: Path) -> None:
    # GIVEN a committed policy WHEN deploy renders it for an account THEN no region/account wildcard remains
    stage = _stage_of(path)
    key = "arn:aws:kms:eu-west-1:111122223333:key/0a1b2c3d-0000-4000-8000-000000000000"
    rendered = render_policy(json.loads(path.read_text()), "111122223333", "eu-west-1", key)
    assert violations(rendered, stage) == []
    for st in rendered["Statement"]:
        for resource in _as_list(st["Resource"]):
            if resource != "*":
                assert ":*:" not in resource and "artifacts-*" not in resource, resource
            if resource.startswith("arn:aws:kms:"):
                assert resource == key


def test_the_checker_catches_what_it_must() -> None:
    def allow(sid: str, action: str, resource: str) -> dict[str, str]:
        return {"Sid": sid, "Effect": "Allow", "Action": action, "Resource": resource}

    bad = {
        "Statement": [
            allow("A", "dynamodb:*", "arn:aws:dynamodb:*:*:table/tradebot-prod-x"),
            allow("B", "sqs:SendMessage", "arn:aws:sqs:*:*:tradebot-dev-ticks"),
            allow("C", "s3:GetObject", "*"),
            allow("D", "kms:Decrypt", "arn:aws:kms:*:*:key/*"),
        ]
    }
    found = "\n".join(violations(bad, "prod"))
    for expected in ("wildcard action dynamodb:*", "outside tradebot-prod", "Resource * for", "not bound", "context"):
        assert expected in found


def test_the_checker_allows_ses_only_for_the_stages_sender_as_from() -> None:
    sender = CONFIG["stages"]["prod"]["environment_variables"]["TRADEBOT_MAIL_FROM"]
    good = {
        "Sid": "M",
        "Effect": "Allow",
        "Action": ["ses:SendEmail"],
        "Resource": f"arn:aws:ses:*:*:identity/{sender}",
        "Condition": {"StringEquals": {"ses:FromAddress": sender}},
    }
    assert violations({"Statement": [good]}, "prod") == []
    for change in (
        {"Resource": "arn:aws:ses:*:*:identity/*"},
        {"Resource": "arn:aws:ses:*:*:identity/example.com"},
        {"Resource": f"arn:aws:ses:*:*:identity/{sender.replace('prod', 'dev')}"},
        {"Action": ["ses:SendEmail", "ses:SendBulkEmail"]},
        {"Condition": {}},
    ):
        assert violations({"Statement": [{**good, **change}]}, "prod"), change


def test_the_checker_allows_network_interface_permissions_only_bound_to_the_stages_vpc() -> None:
    def allow(action: str, resource: str, condition: dict[str, Any] | None = None) -> dict[str, Any]:
        return {"Sid": action, "Effect": "Allow", "Action": action, "Resource": resource,
                **({"Condition": condition} if condition else {})}  # fmt: skip

    interfaces = f"arn:aws:ec2:{REGION}:{ACCOUNT}:network-interface/*"
    in_vpc = {"ArnEqualsIfExists": {"ec2:Vpc": VPC_ARN}}
    other_vpc = VPC_ARN.replace("0abc", "other")
    good = {"Statement": [allow("ec2:CreateNetworkInterface", "*", in_vpc),
                          allow("ec2:DeleteNetworkInterface", interfaces, in_vpc),
                          allow("ec2:DescribeNetworkInterfaces", "*")]}  # fmt: skip
    assert violations(good, "prod", VPC_ARN) == []
    # a stage without a fixed egress IP gets no EC2 permission at all
    assert len(violations(good, "prod")) == 3
    bad = {
        "Statement": [
            allow("ec2:CreateNetworkInterface", "*"),  # no VPC condition
            allow("ec2:CreateNetworkInterface", "*", {"ArnEqualsIfExists": {"ec2:Vpc": other_vpc}}),
            allow("ec2:DeleteNetworkInterface", "*", in_vpc),  # acts on interfaces: needs their ARN
            allow("ec2:DeleteNetworkInterface", f"arn:aws:ec2:{REGION}:{ACCOUNT}:subnet/*", in_vpc),
            allow("ec2:RunInstances", "*", in_vpc),
            allow("ec2:TerminateInstances", interfaces, in_vpc),
        ]
    }
    found = violations(bad, "prod", VPC_ARN)
    assert [p.split(":")[0] + ":" + p.split(":")[1] for p in found] == [
        "ec2:CreateNetworkInterface", "ec2:CreateNetworkInterface", "ec2:DeleteNetworkInterface",
        "ec2:DeleteNetworkInterface", "ec2:RunInstances", "ec2:TerminateInstances"]  # fmt: skip


@pytest.mark.parametrize("stage", STAGES)
def test_fixed_egress_adds_vpc_permissions_to_exactly_the_exchange_calling_functions(stage: str) -> None:
    # GIVEN the policies deploy renders with and without a fixed egress IP
    default = render_policies(stage, ACCOUNT, REGION, KEY)
    fixed = render_policies(stage, ACCOUNT, REGION, KEY, NETWORK)
    assert set(default) == set(fixed) == {f"policy-{stage}-{fn}.json" for fn in FUNCTIONS}
    for fn in FUNCTIONS:
        name = f"policy-{stage}-{fn}.json"
        ec2 = [st for st in fixed[name]["Statement"] if any(a.startswith("ec2:") for a in _as_list(st["Action"]))]
        # THEN the default is exactly the committed policy rendered, with no EC2 permission anywhere
        assert default[name] == render_policy(json.loads((CHALICE / name).read_text()), ACCOUNT, REGION, KEY)
        assert violations(default[name], stage) == []
        # AND with the network, only the exchange-calling functions gain the EC2 statements, nothing else changes
        assert fixed[name]["Statement"][: len(default[name]["Statement"])] == default[name]["Statement"]
        if fn in EGRESS_FUNCTIONS:
            actions = {a for st in ec2 for a in _as_list(st["Action"])}
            assert actions == ENI_DESCRIBE | ENI_CREATE | ENI_MANAGE
            assert violations(fixed[name], stage, VPC_ARN) == []
            assert violations(fixed[name], stage) != []  # the same statements fail for a stage without the VPC
        else:
            assert ec2 == [] and fixed[name] == default[name]


@pytest.mark.parametrize("stage", STAGES)
def test_s3_statements_are_narrowed_to_the_exact_artifacts_bucket(stage: str) -> None:
    # GIVEN the bucket name the infra stack reports WHEN deploy renders the policies
    bucket = f"tradebot-{stage}-artifacts-{ACCOUNT}"
    rendered = render_policies(stage, ACCOUNT, REGION, KEY, bucket=bucket)
    s3 = [r for doc in rendered.values() for st in doc["Statement"] for r in _as_list(st["Resource"])
          if r.startswith("arn:aws:s3:")]  # fmt: skip
    # THEN every S3 resource is that bucket or its backtests/ prefix, with no wildcard in the name
    assert s3 and set(s3) <= {f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/backtests/*"}
    # AND a bucket outside the stage's name is refused rather than granted
    with pytest.raises(ValueError, match="not the stage's"):
        render_policies(stage, ACCOUNT, REGION, KEY, bucket="someone-elses-bucket")
    other = "prod" if stage == "dev" else "dev"
    with pytest.raises(ValueError, match="not the stage's"):
        render_policies(stage, ACCOUNT, REGION, KEY, bucket=f"tradebot-{other}-artifacts-{ACCOUNT}")
