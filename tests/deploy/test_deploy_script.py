"""infra/deploy.py in --dry-run: the commands it would run, in order, and the build copy it renders."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from infra import deploy

OUTPUTS = {
    "TablePrefix": "tradebot-prod",
    "ArtifactsBucketName": "tradebot-prod-artifacts-111122223333",
    "TickQueueUrl": "https://sqs.eu-west-1.amazonaws.com/111122223333/tradebot-prod-ticks",
    "JobsQueueUrl": "https://sqs.eu-west-1.amazonaws.com/111122223333/tradebot-prod-jobs",
    "NotifyQueueUrl": "https://sqs.eu-west-1.amazonaws.com/111122223333/tradebot-prod-notify",
    "ExchangeSecretsKeyArn": "arn:aws:kms:eu-west-1:111122223333:key/0a1b2c3d-0000-4000-8000-000000000000",
}


NETWORK_OUTPUTS = {
    "VpcId": "vpc-0a1b2c3d4e5f60718",
    "PrivateSubnetIds": "subnet-0aaa,subnet-0bbb",
    "LambdaSecurityGroupId": "sg-0ccc",
    "EgressIps": "203.0.113.10,198.51.100.7",
}
EXCHANGE_CALLING = {"api_handler", "run_ticks", "recheck_api_keys"}  # orders, key check on add, daily re-check


def _described(outputs: dict[str, str]) -> str:
    return json.dumps({"Stacks": [{"Outputs": [{"OutputKey": k, "OutputValue": v} for k, v in outputs.items()]}]})


def _runner(live_stacks: Sequence[str] = ()) -> deploy.Runner:
    return deploy.Runner(
        dry_run=True,
        canned={
            "aws sts get-caller-identity": json.dumps({"Account": "111122223333"}),
            "aws cloudformation describe-stacks": _described(OUTPUTS),
            "aws cloudformation describe-stacks --stack-name tradebot-prod-network": _described(NETWORK_OUTPUTS),
            **({"aws cloudformation list-stacks": json.dumps(list(live_stacks))} if live_stacks else {}),
        },
        env={"AWS_REGION": "eu-west-1"},
    )


def _deployed_stacks(run: deploy.Runner) -> list[str]:
    return [c[c.index("--stack-name") + 1] for c in run.log if c[:3] == ["aws", "cloudformation", "deploy"]]


def _build_copy(tmp_path: Path) -> tuple[dict[str, dict[str, Any]], dict[str, str]]:
    """(lambda_functions of the prod stage, policy file name -> text) of the rendered build copy."""
    chalice = tmp_path / "prod" / "project" / ".chalice"
    config = json.loads((chalice / "config.json").read_text())
    policies = {p.name: p.read_text() for p in chalice.glob("policy-prod-*.json")}
    return config["stages"]["prod"]["lambda_functions"], policies


def test_deploy_runs_the_stacks_in_order_and_renders_the_build_copy(tmp_path: Path) -> None:
    run = _runner()
    deploy.deploy("prod", run, tmp_path)
    assert _deployed_stacks(run) == [
        "tradebot-prod", "tradebot-prod-app", "tradebot-prod-observability", "tradebot-prod-edge"]  # fmt: skip
    assert any(c[1:3] == ["package", "--stage"] for c in run.log)  # chalice package
    assert run.log[-1][:3] == ["aws", "cloudfront", "create-invalidation"]
    config = json.loads((tmp_path / "prod" / "project" / ".chalice" / "config.json").read_text())
    env = config["stages"]["prod"]["environment_variables"]
    assert env["TICK_QUEUE_URL"] == OUTPUTS["TickQueueUrl"] and env["AWS_ACCOUNT_ID"] == "111122223333"
    policy = (tmp_path / "prod" / "project" / ".chalice" / "policy-prod-run_ticks.json").read_text()
    assert ":*:*:" not in policy and OUTPUTS["ExchangeSecretsKeyArn"] in policy


def test_default_deploy_has_no_network(tmp_path: Path) -> None:
    # GIVEN no EGRESS WHEN deploying THEN no network stack, no VPC settings, no EGRESS_ID, no EC2 permission
    run = _runner()
    deploy.deploy("prod", run, tmp_path)
    assert not any("network" in arg for c in run.log for arg in c if arg.startswith("tradebot-"))
    functions, policies = _build_copy(tmp_path)
    assert len(functions) == 6 and len(policies) == 6
    for name, fn in functions.items():
        assert not {"subnet_ids", "security_group_ids"} & set(fn), name
        assert "EGRESS_ID" not in fn.get("environment_variables", {}), name
    assert not any('"ec2:' in text for text in policies.values())
    committed = json.loads((deploy.REPO / ".chalice" / "config.json").read_text())["stages"]["prod"]
    assert functions == committed["lambda_functions"]


def test_fixed_egress_deploys_the_network_first_and_attaches_exactly_the_exchange_calling_functions(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN EGRESS=fixed WHEN deploying
    run = _runner()
    deploy.deploy("prod", run, tmp_path, egress="fixed")
    # THEN the network stack comes first, with two zones unless told otherwise
    assert _deployed_stacks(run) == ["tradebot-prod-network", "tradebot-prod", "tradebot-prod-app",
                                     "tradebot-prod-observability", "tradebot-prod-edge"]  # fmt: skip
    (network_deploy,) = [c for c in run.log if "tradebot-prod-network" in c and c[2] == "deploy"]
    assert network_deploy[network_deploy.index("--template-file") + 1].endswith("infra/network.yaml")
    assert {"AppName=tradebot", "Stage=prod", "AzCount=2"} <= set(network_deploy)
    # AND subnets, security group and EGRESS_ID sit on exactly the exchange-calling functions
    functions, policies = _build_copy(tmp_path)
    attached = {name for name, fn in functions.items() if "subnet_ids" in fn or "security_group_ids" in fn}
    assert attached == EXCHANGE_CALLING
    for name in EXCHANGE_CALLING:
        assert functions[name]["subnet_ids"] == ["subnet-0aaa", "subnet-0bbb"]
        assert functions[name]["security_group_ids"] == ["sg-0ccc"]
        assert functions[name]["environment_variables"] == {"EGRESS_ID": "eip-198.51.100.7+203.0.113.10"}
    others = [fn for name, fn in functions.items() if name not in EXCHANGE_CALLING]
    assert len(others) == 3 and not any("EGRESS_ID" in fn.get("environment_variables", {}) for fn in others)
    # AND only their policies carry the EC2 permissions, bound to this VPC
    with_ec2 = {name.removeprefix("policy-prod-").removesuffix(".json") for name, text in policies.items()
                if '"ec2:' in text}  # fmt: skip
    assert with_ec2 == EXCHANGE_CALLING
    assert "arn:aws:ec2:eu-west-1:111122223333:vpc/vpc-0a1b2c3d4e5f60718" in policies["policy-prod-run_ticks.json"]
    # AND the operator is told which IPs to publish
    out = capsys.readouterr().out
    assert "198.51.100.7, 203.0.113.10" in out and "EGRESS_ID=eip-198.51.100.7+203.0.113.10" in out


def test_the_cli_passes_egress_and_zones_from_flags_or_make_variables(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runs: list[deploy.Runner] = []

    def factory(dry_run: bool) -> deploy.Runner:
        assert dry_run
        runs.append(_runner())
        return runs[-1]

    base = ["deploy", "--stage", "prod", "--dry-run", "--skip-frontend", "--build-dir", str(tmp_path)]
    assert deploy.main([*base, "--egress", "fixed", "--egress-azs", "1"], runner_factory=factory) == 0
    monkeypatch.setenv("EGRESS", "fixed")  # `make deploy EGRESS=fixed EGRESS_AZS=1` exports these
    monkeypatch.setenv("EGRESS_AZS", "1")
    assert deploy.main(base, runner_factory=factory) == 0
    for run in runs:
        (network_deploy,) = [c for c in run.log if "tradebot-prod-network" in c and c[2] == "deploy"]
        assert "AzCount=1" in network_deploy
    monkeypatch.delenv("EGRESS")
    assert deploy.main(base, runner_factory=factory) == 0
    assert "tradebot-prod-network" not in _deployed_stacks(runs[-1])


def test_a_stage_with_a_fixed_ip_is_not_moved_off_it_by_a_deploy_that_forgot_egress(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN a stage whose network stack exists
    live = ["tradebot-prod", "tradebot-prod-network", "tradebot-dev-network"]
    # WHEN deploying without EGRESS THEN deploy refuses before changing anything
    run = _runner(live)
    with pytest.raises(SystemExit, match="EGRESS=fixed to keep it, or EGRESS=default"):
        deploy.deploy("prod", run, tmp_path)
    assert _deployed_stacks(run) == []
    # AND an explicit EGRESS=default deploys without the VPC and says the network stack is still billed
    run = _runner(live)
    deploy.deploy("prod", run, tmp_path, egress="default", skip_frontend=True)
    assert "tradebot-prod-network" not in _deployed_stacks(run)
    functions, _ = _build_copy(tmp_path)
    assert not any("subnet_ids" in fn for fn in functions.values())
    out = capsys.readouterr().out
    assert "tradebot-prod-network (NAT gateways, Elastic IPs) is no longer used but still billed" in out
    # AND another stage's network stack does not block this one
    run = _runner(["tradebot-dev-network"])
    deploy.deploy("prod", run, tmp_path, skip_frontend=True)
    assert _deployed_stacks(run)[0] == "tradebot-prod"


def test_committed_config_stays_account_free() -> None:
    # `make run` and the tests read the committed dev stage: it must never point at a real account.
    config = json.loads((deploy.REPO / ".chalice" / "config.json").read_text())
    for stage in config["stages"].values():
        assert not set(stage["environment_variables"]) & (set(deploy.OUTPUT_ENV.values()) | {"AWS_ACCOUNT_ID"})
        assert "MARKET_SOURCE" not in config["stages"]["dev"]["environment_variables"]


def test_destroy_needs_the_stage_name_confirmed() -> None:
    with pytest.raises(SystemExit, match="--confirm prod"):
        deploy.destroy("prod", _runner(), confirm="", backup=True)
    run = _runner()
    deploy.destroy("prod", run, confirm="prod", backup=True)
    deleted = [c[4] for c in run.log if c[:3] == ["aws", "cloudformation", "delete-stack"]]
    # the network stack (a no-op if the stage never had one) after the app, whose functions hold its subnets
    assert deleted == ["tradebot-prod-edge", "tradebot-prod-waf", "tradebot-prod-observability", "tradebot-prod-app",
                       "tradebot-prod-network", "tradebot-prod"]  # fmt: skip


class _NetworkStillInUse(deploy.Runner):
    """Fails the first `wait stack-delete-complete` of the network stack, as when Lambda still holds ENIs."""

    def __call__(self, args: Sequence[str], cwd: Path | None = None, capture: bool = False) -> str:
        failed = getattr(self, "failed", False)
        if list(args[:3]) == ["aws", "cloudformation", "wait"] and args[-1].endswith("-network") and not failed:
            self.failed = True
            self.log.append(list(args))
            raise subprocess.CalledProcessError(255, list(args))
        return super().__call__(args, cwd, capture)


def test_destroy_deletes_the_network_stack_again_while_lambda_releases_its_interfaces() -> None:
    base = _runner()
    run = _NetworkStillInUse(dry_run=True, canned=base.canned, env=base.env)
    deploy.destroy("prod", run, confirm="prod", backup=False)
    deleted = [c[4] for c in run.log if c[:3] == ["aws", "cloudformation", "delete-stack"]]
    assert deleted == ["tradebot-prod-edge", "tradebot-prod-waf", "tradebot-prod-observability", "tradebot-prod-app",
                       "tradebot-prod-network", "tradebot-prod-network", "tradebot-prod"]  # fmt: skip


TABLES = ["tradebot-prod-users", "tradebot-prod-api-keys", "tradebot-dev-users"]
VERSIONS = {"Versions": [{"Key": "backtests/b.json", "VersionId": "v1"}],
            "DeleteMarkers": [{"Key": "backtests/a.json", "VersionId": "v2"}]}  # fmt: skip


def _destroy_runner() -> deploy.Runner:
    run = _runner()
    run.canned.update(
        {
            "aws cloudformation describe-stacks": _described({**OUTPUTS, "JwtSecretArn": "arn:secret:jwt-AbCdEf"}),
            "aws dynamodb list-tables": json.dumps({"TableNames": TABLES}),
            "aws s3api list-object-versions": json.dumps(VERSIONS),
            "aws cloudformation describe-stacks --stack-name tradebot-prod-edge": _described(
                {"WebBucketName": "tradebot-prod-web-111122223333"}
            ),
        }
    )
    return run


def _after(log: list[list[str]], command: list[str]) -> list[list[str]]:
    return log[log.index(command) + 1 :]


def test_destroy_backs_up_then_purges_what_the_infra_stack_retains() -> None:
    # GIVEN a prod stage whose infra stack retains its tables (deletion-protected), bucket, key and secret
    run = _destroy_runner()
    deploy.destroy("prod", run, confirm="prod", backup=True)
    infra_deleted = ["aws", "cloudformation", "wait", "stack-delete-complete", "--stack-name", "tradebot-prod"]
    before, after = run.log[: run.log.index(infra_deleted)], _after(run.log, infra_deleted)
    # THEN the backups are taken before the stack goes, of this stage's tables only
    backups = [c[c.index("--table-name") + 1] for c in before if c[:3] == ["aws", "dynamodb", "create-backup"]]
    assert backups == ["tradebot-prod-users", "tradebot-prod-api-keys"]
    # AND afterwards each table has its deletion protection turned off before it is deleted
    ddb = [(c[2], c[4]) for c in after if c[:2] == ["aws", "dynamodb"]]
    assert ddb == [("update-table", "tradebot-prod-users"), ("delete-table", "tradebot-prod-users"),
                   ("update-table", "tradebot-prod-api-keys"), ("delete-table", "tradebot-prod-api-keys")]  # fmt: skip
    assert all(c[-1] == "--no-deletion-protection-enabled" for c in after if c[2:3] == ["update-table"])
    # AND the versioned bucket loses every version and delete marker, then is deleted
    bucket = OUTPUTS["ArtifactsBucketName"]
    (purge,) = [c for c in after if c[:3] == ["aws", "s3api", "delete-objects"] and bucket in c]
    assert json.loads(purge[purge.index("--delete") + 1])["Objects"] == [
        {"Key": "backtests/b.json", "VersionId": "v1"}, {"Key": "backtests/a.json", "VersionId": "v2"}]  # fmt: skip
    assert after.index(purge) < after.index(["aws", "s3api", "delete-bucket", "--bucket", bucket])
    # AND the key is scheduled for deletion and the secret deleted, both recoverable for 30 days
    assert ["aws", "kms", "schedule-key-deletion", "--key-id", OUTPUTS["ExchangeSecretsKeyArn"],
            "--pending-window-in-days", "30"] in after  # fmt: skip
    assert ["aws", "secretsmanager", "delete-secret", "--secret-id", "arn:secret:jwt-AbCdEf",
            "--recovery-window-in-days", "30"] in after  # fmt: skip
    # AND the web bucket (versioned too) is emptied of every version before the edge stack is deleted
    edge_deleted = ["aws", "cloudformation", "delete-stack", "--stack-name", "tradebot-prod-edge"]
    web_purge = [c for c in run.log[: run.log.index(edge_deleted)] if c[:3] == ["aws", "s3api", "delete-objects"]]
    assert [c[c.index("--bucket") + 1] for c in web_purge] == ["tradebot-prod-web-111122223333"]


def test_destroy_with_keep_data_leaves_the_retained_resources_and_says_so(capsys: pytest.CaptureFixture[str]) -> None:
    run = _destroy_runner()
    deploy.destroy("prod", run, confirm="prod", backup=False, keep_data=True)
    infra_deleted = ["aws", "cloudformation", "wait", "stack-delete-complete", "--stack-name", "tradebot-prod"]
    assert _after(run.log, infra_deleted) == []
    assert not any(c[:2] in (["aws", "kms"], ["aws", "secretsmanager"]) or "delete-table" in c for c in run.log)
    out = capsys.readouterr().out
    assert "kept (retained by the infra stack): 2 tables" in out and OUTPUTS["ArtifactsBucketName"] in out
    # AND the CLI takes it from `make destroy KEEP_DATA=1` as well as the flag
    runs: list[deploy.Runner] = []

    def factory(dry_run: bool) -> deploy.Runner:
        runs.append(_destroy_runner())
        return runs[-1]

    assert deploy.main(["destroy", "--stage", "prod", "--confirm", "prod", "--dry-run", "--keep-data"], factory) == 0
    assert not any("delete-table" in c for c in runs[-1].log)


CERT = "arn:aws:acm:us-east-1:111122223333:certificate/0a1b2c3d"


def _edge_deploy(run: deploy.Runner) -> list[str]:
    (edge,) = [c for c in run.log if c[:3] == ["aws", "cloudformation", "deploy"] and "tradebot-prod-edge" in c]
    return edge


def test_waf_is_deployed_in_us_east_1_and_its_acl_passed_to_the_edge(tmp_path: Path) -> None:
    # GIVEN WAF=on and a custom domain WHEN deploying a stage in eu-west-1
    run = _runner()
    acl = "arn:aws:wafv2:us-east-1:111122223333:global/webacl/tradebot-prod-edge/abc"
    run.canned["aws cloudformation describe-stacks --stack-name tradebot-prod-waf"] = _described({"WebAclArn": acl})
    cert = "arn:aws:acm:us-east-1:111122223333:certificate/0a1b2c3d-0000-4000-8000-000000000000"
    options = deploy.EdgeOptions(certificate_arn=cert, aliases=("app.example.com", "www.example.com"), waf=True)
    deploy.deploy("prod", run, tmp_path, skip_frontend=True, edge_opts=options)
    # THEN the WAF stack is created in us-east-1 (CloudFront's web ACLs live there) before the edge
    assert _deployed_stacks(run) == ["tradebot-prod", "tradebot-prod-app", "tradebot-prod-observability",
                                     "tradebot-prod-waf", "tradebot-prod-edge"]  # fmt: skip
    (waf,) = [c for c in run.log if c[:3] == ["aws", "cloudformation", "deploy"] and "tradebot-prod-waf" in c]
    assert waf[waf.index("--template-file") + 1].endswith("infra/waf.yaml") and waf[-2:] == ["--region", "us-east-1"]
    # AND the edge gets the ACL, the certificate and the aliases
    edge = _edge_deploy(run)
    assert {f"WebAclArn={acl}", f"CertificateArn={cert}", "Aliases=app.example.com,www.example.com"} <= set(edge)


def test_default_edge_has_no_certificate_nor_waf_and_a_dropped_waf_stack_is_deleted(tmp_path: Path) -> None:
    run = _runner(["tradebot-prod-waf"])
    deploy.deploy("prod", run, tmp_path, skip_frontend=True, egress="default")
    assert {"WebAclArn=", "CertificateArn=", "Aliases="} <= set(_edge_deploy(run))
    assert "tradebot-prod-waf" not in _deployed_stacks(run)
    assert [
        "aws",
        "cloudformation",
        "delete-stack",
        "--stack-name",
        "tradebot-prod-waf",
        "--region",
        "us-east-1",
    ] in run.log


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (deploy.EdgeOptions(aliases=("app.example.com",)), "need CERTIFICATE_ARN"),
        (deploy.EdgeOptions(certificate_arn=CERT), "needs DOMAIN_ALIASES"),
        (deploy.EdgeOptions(certificate_arn=CERT.replace("us-east-1", "eu-west-1"), aliases=("a.example",)),
         "in us-east-1"),
    ],
)  # fmt: skip
def test_custom_domain_options_are_checked_before_anything_is_deployed(
    tmp_path: Path, options: deploy.EdgeOptions, message: str
) -> None:
    run = _runner()
    with pytest.raises(SystemExit, match=message):
        deploy.deploy("prod", run, tmp_path, skip_frontend=True, edge_opts=options)
    assert _deployed_stacks(run) == []


def test_the_cli_passes_certificate_aliases_waf_and_key_admins_from_make_variables(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run = _runner()
    cert = "arn:aws:acm:us-east-1:111122223333:certificate/0a1b2c3d"
    monkeypatch.setenv("CERTIFICATE_ARN", cert)
    monkeypatch.setenv("DOMAIN_ALIASES", "app.example.com")
    monkeypatch.setenv("WAF", "on")
    monkeypatch.setenv("KEY_ADMIN_ARNS", "arn:aws:iam::111122223333:role/ops-*")
    base = ["deploy", "--stage", "prod", "--dry-run", "--skip-frontend", "--build-dir", str(tmp_path)]
    assert deploy.main(base, runner_factory=lambda _dry: run) == 0
    assert "tradebot-prod-waf" in _deployed_stacks(run)
    assert {f"CertificateArn={cert}", "Aliases=app.example.com"} <= set(_edge_deploy(run))
    (infra,) = [c for c in run.log if c[:3] == ["aws", "cloudformation", "deploy"] and c[4] == "tradebot-prod"]
    assert "KeyAdminArns=arn:aws:iam::111122223333:role/ops-*" in infra


def test_the_app_stack_may_name_its_roles(tmp_path: Path) -> None:
    # The key policy grants the roles by name (infra/package_template.py names them): that needs NAMED_IAM.
    run = _runner()
    deploy.deploy("prod", run, tmp_path, skip_frontend=True)
    (app,) = [c for c in run.log if c[:3] == ["aws", "cloudformation", "deploy"] and c[4] == "tradebot-prod-app"]
    assert "CAPABILITY_NAMED_IAM" in app


def test_rendered_s3_statements_name_the_stacks_exact_bucket(tmp_path: Path) -> None:
    run = _runner()
    deploy.deploy("prod", run, tmp_path, skip_frontend=True)
    _, policies = _build_copy(tmp_path)
    text = policies["policy-prod-api_handler.json"] + policies["policy-prod-run_jobs.json"]
    assert f"arn:aws:s3:::{OUTPUTS['ArtifactsBucketName']}/backtests/*" in text and "artifacts-*" not in text


def test_the_api_trusts_the_viewers_address_only_with_the_secret_cloudfront_adds(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import hashlib

    # WHEN deploying
    run = _runner()
    deploy.deploy("prod", run, tmp_path)
    # THEN the edge gets a fresh secret to send as X-Origin-Verify, and the API only its SHA-256
    edge = next(c for c in run.log if c[:3] == ["aws", "cloudformation", "deploy"] and "tradebot-prod-edge" in c)
    secret = next(a.removeprefix("OriginVerifySecret=") for a in edge if a.startswith("OriginVerifySecret="))
    assert len(secret) >= 40
    config = json.loads((tmp_path / "prod" / "project" / ".chalice" / "config.json").read_text())
    env = config["stages"]["prod"]["environment_variables"]
    assert env["TRADEBOT_ORIGIN_VERIFY_SHA256"] == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in json.dumps(config)
    # AND the secret is never printed
    assert secret not in capsys.readouterr().out
    # AND a second deploy makes a new one
    again = _runner()
    deploy.deploy("prod", again, tmp_path)
    edge2 = next(c for c in again.log if c[:3] == ["aws", "cloudformation", "deploy"] and "tradebot-prod-edge" in c)
    assert f"OriginVerifySecret={secret}" not in edge2
