"""Least privilege, checked on every .chalice policy file and on what deploy renders from them: no wildcard
actions, nothing outside the stage's name prefix, KMS use bound to the stage's key and an owner context."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from infra.deploy import render_policy
from tests.deploy.conftest import REPO

CHALICE = REPO / ".chalice"
CONFIG = json.loads((CHALICE / "config.json").read_text())
STAGES = sorted(CONFIG["stages"])
FUNCTIONS = ("api_handler", "dispatch_ticks", "run_ticks", "run_jobs", "send_notifications")
POLICY_FILES = sorted(CHALICE.glob("policy-*.json"))
# Services without resource-level permissions: the only actions that may use Resource "*".
RESOURCE_STAR_ONLY = {"xray:PutTraceSegments", "xray:PutTelemetryRecords", "xray:GetSamplingRules",
                      "xray:GetSamplingTargets"}  # fmt: skip


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


def violations(document: dict[str, Any], stage: str) -> list[str]:
    problems = []
    for st in document["Statement"]:
        sid = st.get("Sid", "?")
        if st.get("Effect") != "Allow" or "NotAction" in st or "NotResource" in st or "NotPrincipal" in st:
            problems.append(f"{sid}: only plain Allow statements are expected")
        actions = _as_list(st.get("Action", []))
        problems += [f"{sid}: wildcard action {a}" for a in actions if "*" in a or "?" in a]
        for resource in _as_list(st.get("Resource", [])):
            if resource == "*":
                if not set(actions) <= RESOURCE_STAR_ONLY:
                    problems.append(f"{sid}: Resource * for {sorted(set(actions) - RESOURCE_STAR_ONLY)}")
            elif resource.startswith("arn:aws:kms:"):
                if not _kms_bound_to_stage(st, stage):
                    problems.append(f"{sid}: KMS key not bound to the stage's alias")
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
