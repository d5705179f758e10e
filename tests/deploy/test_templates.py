"""cfn-lint on every CloudFormation template in infra/ (no errors; warnings are shown, not fatal)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from infra.local.provision import _CfnLoader
from tests.deploy.conftest import REPO, cfn_lint

TEMPLATES = sorted((REPO / "infra").glob("*.yaml"))


def test_every_expected_template_exists() -> None:
    names = {p.name for p in TEMPLATES}
    assert {"stack.yaml", "edge.yaml", "observability.yaml", "network.yaml", "waf.yaml"} <= names


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: p.name)
def test_template_has_no_cfn_lint_errors(template: Path) -> None:
    # GIVEN a template WHEN cfn-lint reads it THEN it reports no errors (E-rules); warnings don't fail
    result = cfn_lint(template)
    errors = [line for line in result.stdout.splitlines() if ":E" in line]
    assert not errors, "\n".join(errors)
    assert result.returncode in (0, 4, 8), result.stderr  # 4 = warnings, 8 = informational only


# --- data protection, key policy, edge TLS and WAF, read from the templates ------------------------------------

STATEFUL = {"AWS::DynamoDB::Table", "AWS::KMS::Key", "AWS::SecretsManager::Secret", "AWS::S3::Bucket"}
# Tables without point-in-time recovery hold no user data: counters with a TTL, and public market data that
# is fetched again from the exchange.
NOT_USER_DATA = {"rate-limits", "market-cache", "market-candles"}


def _load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = yaml.load((REPO / "infra" / name).read_text(), Loader=_CfnLoader)  # noqa: S506
    return data


STACK = _load("stack.yaml")


def _of_type(kind: str) -> dict[str, dict[str, Any]]:
    return {k: r for k, r in STACK["Resources"].items() if r["Type"] == kind}


def test_every_stateful_resource_is_retained_and_every_table_deletion_protected() -> None:
    stateful = {k: r for k, r in STACK["Resources"].items() if r["Type"] in STATEFUL}
    # 20 tables (optimizations: #19, bot-orders: #14, bot-config-history and drift-reports: #17), the key, two
    # secrets (JWT, Telegram bot), the artifacts bucket
    assert len(stateful) == 24
    for logical_id, resource in stateful.items():
        assert resource.get("DeletionPolicy") == "Retain", logical_id
        assert resource.get("UpdateReplacePolicy") == "Retain", logical_id
    for logical_id, table in _of_type("AWS::DynamoDB::Table").items():
        assert table["Properties"]["DeletionProtectionEnabled"] is True, logical_id
    (key,) = _of_type("AWS::KMS::Key").values()
    assert key["Properties"]["PendingWindowInDays"] == 30


def test_every_table_holding_user_data_has_point_in_time_recovery() -> None:
    without = set()
    for table in _of_type("AWS::DynamoDB::Table").values():
        short = table["Properties"]["TableName"]["Sub"].removeprefix("${AppName}-${Stage}-")
        spec = table["Properties"].get("PointInTimeRecoverySpecification", {})
        if spec.get("PointInTimeRecoveryEnabled") is not True:
            without.add(short)
    assert without == NOT_USER_DATA


def test_artifacts_bucket_is_versioned_tls_only_and_frees_noncurrent_versions() -> None:
    bucket = STACK["Resources"]["ArtifactsBucket"]["Properties"]
    assert bucket["VersioningConfiguration"] == {"Status": "Enabled"}
    rules = {r["Id"]: r for r in bucket["LifecycleConfiguration"]["Rules"]}
    backtests = rules["expire-backtest-results"]
    assert (backtests["Prefix"], backtests["ExpirationInDays"]) == ("backtests/", 90)
    # a result expired at 90 days becomes noncurrent; it must not linger as a paid-for old version
    assert backtests["NoncurrentVersionExpiration"]["NoncurrentDays"] <= 30
    assert rules["expire-noncurrent-versions"]["NoncurrentVersionExpiration"]["NoncurrentDays"] <= 30
    assert rules["remove-expired-delete-markers"]["ExpiredObjectDeleteMarker"] is True
    assert all(r["Status"] == "Enabled" for r in rules.values())
    (policy,) = _of_type("AWS::S3::BucketPolicy").values()
    assert policy["Properties"]["Bucket"] == {"Ref": "ArtifactsBucket"}
    (deny,) = policy["Properties"]["PolicyDocument"]["Statement"]
    assert (deny["Effect"], deny["Principal"], deny["Action"]) == ("Deny", "*", "s3:*")
    assert deny["Resource"] == [{"GetAtt": "ArtifactsBucket.Arn"}, {"Sub": "${ArtifactsBucket.Arn}/*"}]
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def _committed_kms_use(stage: str) -> dict[str, set[str]]:
    """function -> the KMS actions its committed IAM policy allows."""
    uses: dict[str, set[str]] = {}
    for path in sorted((REPO / ".chalice").glob(f"policy-{stage}-*.json")):
        function = path.name.removeprefix(f"policy-{stage}-").removesuffix(".json")
        for st in json.loads(path.read_text())["Statement"]:
            actions = st["Action"] if isinstance(st["Action"], list) else [st["Action"]]
            kms = {a for a in actions if a.startswith("kms:")}
            if kms:
                uses.setdefault(function, set()).update(kms)
    return uses


def test_key_policy_separates_administration_from_use_and_grants_use_only_to_the_functions_that_need_it() -> None:
    statements = STACK["Resources"]["ExchangeSecretsKey"]["Properties"]["KeyPolicy"]["Statement"]
    crypto = {"kms:Encrypt", "kms:Decrypt", "kms:ReEncryptFrom", "kms:ReEncryptTo", "kms:GenerateDataKey"}
    granted: dict[str, set[str]] = {}
    for st in statements:
        assert st["Effect"] == "Allow" and "NotAction" not in st and "NotPrincipal" not in st, st["Sid"]
        actions = st["Action"] if isinstance(st["Action"], list) else [st["Action"]]
        assert "kms:*" not in actions, st["Sid"]
        if st["Sid"] == "KeyAdministration":
            # no wildcard that could match a cryptographic operation (kms:Re*, kms:Generate*, kms:*crypt*)
            assert not any(re.fullmatch(a.replace("*", ".*"), op) for a in actions for op in crypto), actions
            continue
        condition = st["Condition"]
        principals = condition["ArnEquals"]["aws:PrincipalArn"]
        for principal in principals if isinstance(principals, list) else [principals]:
            function = principal["Sub"].rsplit("role/${AppName}-${Stage}-", 1)[1]
            granted.setdefault(function, set()).update(actions)
        if {"kms:Encrypt", "kms:Decrypt"} & set(actions):
            assert condition["ForAllValues:StringEquals"] == {"kms:EncryptionContextKeys": ["user_id", "key_id"]}
            required = {"kms:EncryptionContext:user_id": "false", "kms:EncryptionContext:key_id": "false"}
            assert condition["Null"] == required
    # the key policy grants each function exactly what its IAM policy asks for, in every stage
    for stage in ("dev", "prod"):
        assert granted == _committed_kms_use(stage), stage
    assert granted == {"api_handler": {"kms:Encrypt", "kms:Decrypt", "kms:DescribeKey"},
                       "run_ticks": {"kms:Decrypt"}, "recheck_api_keys": {"kms:Decrypt"}}  # fmt: skip


def test_edge_takes_a_certificate_with_tls_1_2_minimum_and_an_optional_web_acl() -> None:
    edge = _load("edge.yaml")
    config = edge["Resources"]["Distribution"]["Properties"]["DistributionConfig"]
    condition, custom, default = config["ViewerCertificate"]["If"]
    assert condition == "HasCertificate" and edge["Conditions"]["HasCertificate"] == {
        "Not": [{"Equals": [{"Ref": "CertificateArn"}, ""]}]}  # fmt: skip
    assert custom == {"AcmCertificateArn": {"Ref": "CertificateArn"}, "SslSupportMethod": "sni-only",
                      "MinimumProtocolVersion": "TLSv1.2_2021"}  # fmt: skip
    assert default == {"CloudFrontDefaultCertificate": True}
    assert config["Aliases"] == {"If": ["HasCertificate", {"Ref": "Aliases"}, {"Ref": "AWS::NoValue"}]}
    assert config["WebACLId"] == {"If": ["HasWebAcl", {"Ref": "WebAclArn"}, {"Ref": "AWS::NoValue"}]}
    pattern = edge["Parameters"]["CertificateArn"]["AllowedPattern"]
    assert re.fullmatch(pattern, "arn:aws:acm:us-east-1:111122223333:certificate/0a1b-2c3d")
    assert not re.fullmatch(pattern, "arn:aws:acm:eu-west-1:111122223333:certificate/0a1b-2c3d")
    assert re.fullmatch(pattern, "")


def test_waf_has_rate_based_rules_and_the_common_rule_set_and_only_lives_in_us_east_1() -> None:
    waf = _load("waf.yaml")
    (assertion,) = waf["Rules"]["CloudFrontWebAclsLiveInUsEast1"]["Assertions"]
    assert assertion["Assert"] == {"Equals": [{"Ref": "AWS::Region"}, "us-east-1"]}
    acl = waf["Resources"]["WebAcl"]["Properties"]
    assert acl["Scope"] == "CLOUDFRONT" and acl["DefaultAction"] == {"Allow": {}}
    rules = {r["Name"]: r for r in acl["Rules"]}
    rate = [r for r in rules.values() if "RateBasedStatement" in r["Statement"]]
    assert len(rate) == 2 and all(r["Action"] == {"Block": {}} for r in rate)
    assert all(r["Statement"]["RateBasedStatement"]["AggregateKeyType"] == "IP" for r in rate)
    auth = rules["rate-limit-auth-per-ip"]["Statement"]["RateBasedStatement"]["ScopeDownStatement"]
    assert auth["ByteMatchStatement"]["SearchString"] == "/api/v1/auth/"
    managed = rules["aws-common-rule-set"]["Statement"]["ManagedRuleGroupStatement"]
    assert (managed["VendorName"], managed["Name"]) == ("AWS", "AWSManagedRulesCommonRuleSet")
    assert len({r["Priority"] for r in rules.values()}) == len(rules)
    assert waf["Outputs"]["WebAclArn"]["Value"] == {"GetAtt": "WebAcl.Arn"}


def test_edge_passes_the_viewers_address_to_the_api_with_the_origin_secret() -> None:
    edge = _load("edge.yaml")
    function = edge["Resources"]["ViewerAddressFunction"]["Properties"]
    # The viewer's IP replaces whatever X-Viewer-Address the client sent.
    assert "request.headers['x-viewer-address'] = { value: event.viewer.ip }" in function["FunctionCode"]
    config = edge["Resources"]["Distribution"]["Properties"]["DistributionConfig"]
    (api_behavior,) = [b for b in config["CacheBehaviors"] if b["PathPattern"] == "/api/*"]
    assert api_behavior["FunctionAssociations"] == [
        {"EventType": "viewer-request", "FunctionARN": {"GetAtt": "ViewerAddressFunction.FunctionMetadata.FunctionARN"}}
    ]
    (api_origin,) = [o for o in config["Origins"] if o["Id"] == "api"]
    condition, headers, _ = api_origin["OriginCustomHeaders"]["If"]
    assert condition == "HasOriginVerify"
    assert headers == [{"HeaderName": "X-Origin-Verify", "HeaderValue": {"Ref": "OriginVerifySecret"}}]
    assert edge["Parameters"]["OriginVerifySecret"]["NoEcho"] is True
