"""`make deploy STAGE=prod` / `make destroy STAGE=prod`: one stage of the platform in an AWS account.

deploy (every step is idempotent; rerunning converges):
  0. only with `--egress fixed` (`make deploy EGRESS=fixed`): network stack `tradebot-<stage>-network` from
     infra/network.yaml (VPC, NAT gateways with Elastic IPs); the exchange-calling functions are put in its
     private subnets, get the EC2 network-interface permissions and EGRESS_ID, and the IPs are printed
  1. infra stack `tradebot-<stage>` from infra/stack.yaml (tables, KMS key, queues, secret, artifacts bucket)
  2. a build copy of the Chalice project whose stage environment and IAM policies are rendered from that
     stack's outputs (the committed .chalice/ stays account-free, so tests and `make run` never see it)
  3. `chalice package` -> infra/package_template.py (ReportBatchItemFailures, pruned zips) ->
     `aws cloudformation package` (zips to the artifacts bucket) -> `aws cloudformation deploy`
     as stack `tradebot-<stage>-app`
  4. observability stack `tradebot-<stage>-observability` (alarms, dashboard)
  5. edge stack `tradebot-<stage>-edge` (CloudFront + private web bucket; `/api/*` -> the API)
  6. build the SPA, `aws s3 sync` it, invalidate CloudFront
destroy removes 5, 4, 3, then 0 (if any: the functions' network interfaces must be gone first), then 1
(emptying buckets first; on-demand table backups first for prod).

`--dry-run` prints every command instead of running it (the offline tests use it).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from infra import package_template

REPO = Path(__file__).resolve().parents[1]
INFRA = REPO / "infra"
APP_NAME = "tradebot"
STAGES = ("dev", "prod")
# Stack outputs -> the environment variables chalicelib/config.py reads.
OUTPUT_ENV = {
    "TablePrefix": "TABLE_PREFIX",
    "ArtifactsBucketName": "ARTIFACTS_BUCKET",
    "TickQueueUrl": "TICK_QUEUE_URL",
    "JobsQueueUrl": "JOBS_QUEUE_URL",
    "NotifyQueueUrl": "NOTIFY_QUEUE_URL",
    "ExchangeSecretsKeyArn": "KMS_KEY_ID",
}
# JWT_SECRET_NAME is left to its derived default `<app>/<stage>/jwt-signing-key`: the secret's name is fixed by
# infra/stack.yaml, and its ARN (with a random suffix) is matched by the policies as `...-??????`.
# Set on every deployed stage, never locally (`make run` reads the committed dev stage and must stay offline).
DEPLOYED_ENV = {"MARKET_SOURCE": "binance", "POWERTOOLS_TRACE_DISABLED": "false"}
PROJECT_FILES = ("app.py", "requirements.txt")
PROJECT_DIRS = ("chalicelib",)
# `--egress fixed`: the functions that call Binance with a user's key (run_ticks: the bots' orders;
# api_handler: the key check when a key is added; recheck_api_keys: the daily re-check of every key) run in
# the network stack's private subnets, so their calls
# leave from its Elastic IPs, which users whitelist on their keys. run_jobs (backtests) reads only public
# market data and stays on Lambda's shared egress with EGRESS_ID `default`.
EGRESS_FUNCTIONS = ("api_handler", "run_ticks", "recheck_api_keys")
EGRESS_MODES = ("default", "fixed")
NETWORK_OUTPUTS = ("VpcId", "PrivateSubnetIds", "LambdaSecurityGroupId", "EgressIps")


def stack_names(stage: str) -> dict[str, str]:
    base = f"{APP_NAME}-{stage}"
    return {
        "infra": base, "app": f"{base}-app", "observability": f"{base}-observability", "edge": f"{base}-edge",
        "network": f"{base}-network",
    }  # fmt: skip


# --- rendering (pure, tested offline) ---------------------------------------------------------------------


def stage_environment(outputs: Mapping[str, str], account_id: str, region: str) -> dict[str, str]:
    """The account-specific part of a stage's environment, from the infra stack's outputs."""
    missing = sorted(k for k in OUTPUT_ENV if k not in outputs)
    if missing:
        raise ValueError(f"infra stack outputs are missing {missing}; was infra/stack.yaml deployed?")
    env = {var: outputs[key] for key, var in OUTPUT_ENV.items()}
    env.update({"AWS_ACCOUNT_ID": account_id, **DEPLOYED_ENV})
    return env


def render_policy(document: dict[str, Any], account_id: str, region: str, key_arn: str) -> dict[str, Any]:
    """Narrow a committed policy (any region/account, the stage's name prefix) to this account and region,
    and the KMS statements to the stage's key ARN. Conditions stay as committed."""
    text = json.dumps(document)
    services = "dynamodb|sqs|logs|secretsmanager|ses"
    text = re.sub(rf'"arn:aws:({services}):\*:\*:', rf'"arn:aws:\1:{region}:{account_id}:', text)
    text = text.replace('"arn:aws:kms:*:*:key/*"', json.dumps(key_arn))
    text = re.sub(r"-artifacts-\*", f"-artifacts-{account_id}", text)
    rendered: dict[str, Any] = json.loads(text)
    return rendered


@dataclass(frozen=True)
class Network:
    """What the app needs from the network stack (infra/network.yaml) of `--egress fixed`."""

    vpc_id: str
    subnet_ids: tuple[str, ...]
    security_group_id: str
    egress_ips: tuple[str, ...]

    @property
    def egress_id(self) -> str:
        """EGRESS_ID of the functions behind the NAT gateways: the key of their shared Binance weight budget.
        With two zones the two IPs share one budget, so together they stay within what one IP may use."""
        return "eip-" + "+".join(self.egress_ips)

    def vpc_arn(self, account_id: str, region: str) -> str:
        return f"arn:aws:ec2:{region}:{account_id}:vpc/{self.vpc_id}"


def _split(value: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in value.split(",") if part.strip())


def network_from_outputs(outputs: Mapping[str, str]) -> Network:
    missing = sorted(k for k in NETWORK_OUTPUTS if not outputs.get(k))
    if missing:
        raise ValueError(f"network stack outputs are missing {missing}; was infra/network.yaml deployed?")
    network = Network(
        vpc_id=outputs["VpcId"],
        subnet_ids=_split(outputs["PrivateSubnetIds"]),
        security_group_id=outputs["LambdaSecurityGroupId"],
        egress_ips=tuple(sorted(_split(outputs["EgressIps"]))),
    )
    if not network.subnet_ids or len(network.egress_ips) != len(network.subnet_ids):
        raise ValueError(f"network stack: expected one Elastic IP per private subnet, got {outputs}")
    return network


def vpc_policy_statements(network: Network, account_id: str, region: str) -> list[dict[str, Any]]:
    """What Lambda needs on a function's role to attach it to the VPC (the statements of AWS's managed
    AWSLambdaVPCAccessExecutionRole), bound to the stage's VPC wherever EC2 evaluates `ec2:Vpc`.
    CreateNetworkInterface authorizes the new interface, the subnet and the security group in one request,
    so its Resource is "*" and the condition (which all three carry) does the scoping. The Describe calls
    have no resource-level permissions and no condition keys: "*" is the only form. IfExists: Lambda checks
    the role when the function is created or updated, and that check may not carry `ec2:Vpc`; every real
    CreateNetworkInterface does (the interface, subnet and security group all carry it), so it stays bound."""
    in_vpc = {"ArnEqualsIfExists": {"ec2:Vpc": network.vpc_arn(account_id, region)}}
    return [
        {
            "Sid": "VpcCreateNetworkInterfaces",
            "Effect": "Allow",
            "Action": ["ec2:CreateNetworkInterface"],
            "Resource": "*",
            "Condition": in_vpc,
        },
        {
            "Sid": "VpcManageNetworkInterfaces",
            "Effect": "Allow",
            "Action": ["ec2:DeleteNetworkInterface", "ec2:AssignPrivateIpAddresses", "ec2:UnassignPrivateIpAddresses"],
            "Resource": f"arn:aws:ec2:{region}:{account_id}:network-interface/*",
            "Condition": in_vpc,
        },
        {
            "Sid": "VpcDescribeNetwork",
            "Effect": "Allow",
            "Action": ["ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets"],
            "Resource": "*",
        },
    ]


def render_config(
    config: dict[str, Any], stage: str, env: Mapping[str, str], network: Network | None = None
) -> dict[str, Any]:
    rendered: dict[str, Any] = json.loads(json.dumps(config))
    stage_cfg = rendered["stages"][stage]
    stage_cfg["environment_variables"] = {**stage_cfg.get("environment_variables", {}), **env}
    if network is not None:
        functions = stage_cfg.get("lambda_functions", {})
        missing = [fn for fn in EGRESS_FUNCTIONS if fn not in functions]
        if missing:
            raise ValueError(f"stage {stage} of .chalice/config.json has no {missing} to give a fixed egress IP")
        for fn in EGRESS_FUNCTIONS:
            fn_cfg = functions[fn]
            fn_cfg["subnet_ids"] = list(network.subnet_ids)
            fn_cfg["security_group_ids"] = [network.security_group_id]
            env_vars = fn_cfg.get("environment_variables", {})
            fn_cfg["environment_variables"] = {**env_vars, "EGRESS_ID": network.egress_id}
    return rendered


def render_policies(
    stage: str, account_id: str, region: str, key_arn: str, network: Network | None = None
) -> dict[str, dict[str, Any]]:
    """Every committed `.chalice/policy-<stage>-<function>.json`, rendered (file name -> document); with a
    `network`, EGRESS_FUNCTIONS' policies also get `vpc_policy_statements` and no other policy does."""
    rendered = {}
    for policy in sorted((REPO / ".chalice").glob(f"policy-{stage}-*.json")):
        document = render_policy(json.loads(policy.read_text()), account_id, region, key_arn)
        function = policy.name.removeprefix(f"policy-{stage}-").removesuffix(".json")
        if network is not None and function in EGRESS_FUNCTIONS:
            document["Statement"] += vpc_policy_statements(network, account_id, region)
        rendered[policy.name] = document
    return rendered


def build_project(
    stage: str, outputs: Mapping[str, str], account_id: str, region: str, dest: Path, network: Network | None = None
) -> Path:
    """A copy of the Chalice project with the stage's config and policies rendered for this account; with a
    `network`, EGRESS_FUNCTIONS are attached to it (subnets, security group, EGRESS_ID, EC2 permissions)."""
    if dest.exists():
        shutil.rmtree(dest)
    (dest / ".chalice").mkdir(parents=True)
    for name in PROJECT_FILES:
        shutil.copy2(REPO / name, dest / name)
    for name in PROJECT_DIRS:
        shutil.copytree(REPO / name, dest / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    config = json.loads((REPO / ".chalice" / "config.json").read_text())
    env = stage_environment(outputs, account_id, region)
    rendered = render_config(config, stage, env, network)
    (dest / ".chalice" / "config.json").write_text(json.dumps(rendered, indent=2))
    policies = render_policies(stage, account_id, region, outputs["ExchangeSecretsKeyArn"], network)
    for name, document in policies.items():
        (dest / ".chalice" / name).write_text(json.dumps(document, indent=2))
    # Reuse Chalice's dependency cache between deploys (wheels are downloaded once per requirements hash).
    cache = REPO / ".chalice" / "deployments"
    if cache.is_dir():
        shutil.copytree(cache, dest / ".chalice" / "deployments")
    return dest


# --- running commands ---------------------------------------------------------------------------------


@dataclass
class Runner:
    """Runs commands, or records them (`dry_run`) and answers queries from `canned`: the answer of the longest
    key the command starts with (`aws cloudformation describe-stacks` answers every stack,
    `aws cloudformation describe-stacks --stack-name tradebot-prod-network` only that one)."""

    dry_run: bool = False
    canned: dict[str, str] = field(default_factory=dict)
    log: list[list[str]] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=lambda: dict(os.environ))

    def __call__(self, args: Sequence[str], cwd: Path | None = None, capture: bool = False) -> str:
        self.log.append(list(args))
        print("+", " ".join(args), flush=True)
        if self.dry_run:
            command = " ".join(args)
            keys = [k for k in self.canned if command == k or command.startswith(k + " ")]
            return self.canned[max(keys, key=len)] if keys else ""
        result = subprocess.run(  # noqa: S603 - argument lists built here, no shell
            list(args), cwd=cwd, env=self.env, check=True, text=True, capture_output=capture
        )
        return result.stdout if capture else ""


def _stack_outputs(run: Runner, stack: str) -> dict[str, str]:
    raw = run(["aws", "cloudformation", "describe-stacks", "--stack-name", stack, "--output", "json"], capture=True)
    if not raw:
        return {}
    stacks = json.loads(raw)["Stacks"]
    return {o["OutputKey"]: o["OutputValue"] for o in stacks[0].get("Outputs", [])}


def _cfn_deploy(run: Runner, stack: str, template: Path, params: Mapping[str, str], *extra: str) -> None:
    overrides = [f"{k}={v}" for k, v in params.items()]
    run(
        [
            "aws", "cloudformation", "deploy", "--stack-name", stack, "--template-file", str(template),
            "--no-fail-on-empty-changeset", "--tags", f"app={APP_NAME}",
            *(["--parameter-overrides", *overrides] if overrides else []), *extra,
        ]
    )  # fmt: skip


def check_prerequisites(run: Runner, need_frontend: bool = True) -> tuple[str, str]:
    """Fails with what to install or set; returns (account id, region)."""
    tools = ["aws"] + (["npm"] if need_frontend else [])
    missing = [tool for tool in tools if shutil.which(tool) is None]
    if missing and not run.dry_run:
        raise SystemExit(f"missing on PATH: {', '.join(missing)} (see docs/deploy.md, Prerequisites)")
    region = run.env.get("AWS_REGION") or run.env.get("AWS_DEFAULT_REGION")
    if not region:
        raise SystemExit("set AWS_REGION (or AWS_DEFAULT_REGION) to the region to deploy to")
    identity = run(["aws", "sts", "get-caller-identity", "--output", "json"], capture=True)
    account = json.loads(identity)["Account"] if identity else "123456789012"
    return account, region


# --- deploy / destroy ---------------------------------------------------------------------------------


def network_parameters(stage: str, azs: int) -> dict[str, str]:
    if azs not in (1, 2):
        raise ValueError(f"the network stack spans 1 or 2 availability zones, not {azs}")
    return {"AppName": APP_NAME, "Stage": stage, "AzCount": str(azs)}


def deploy_network(run: Runner, stage: str, azs: int) -> Network:
    """Step 0 of `--egress fixed`: the network stack, and what the app needs from its outputs."""
    stack = stack_names(stage)["network"]
    _cfn_deploy(run, stack, INFRA / "network.yaml", network_parameters(stage, azs))
    return network_from_outputs(_stack_outputs(run, stack))


def _live_stacks(run: Runner) -> set[str]:
    # A stack whose creation rolled back holds nothing, so it does not count as the stage having it.
    live = "StackSummaries[?StackStatus!='DELETE_COMPLETE' && StackStatus!='ROLLBACK_COMPLETE'].StackName"
    raw = run(["aws", "cloudformation", "list-stacks", "--query", live, "--output", "json"], capture=True)
    return set(json.loads(raw)) if raw else set()


def deploy(
    stage: str,
    run: Runner,
    build_root: Path,
    skip_frontend: bool = False,
    alarm_email: str = "",
    egress: str | None = None,
    egress_azs: int = 2,
) -> None:
    """`egress`: "fixed" puts EGRESS_FUNCTIONS behind the network stack's Elastic IPs; "default" (or None) keeps
    every function on Lambda's shared egress. None also refuses to run if the stage has a network stack: a
    deploy that forgot EGRESS=fixed would move the functions off the IPs users whitelisted."""
    if egress not in (None, *EGRESS_MODES):
        raise SystemExit(f"--egress {egress}: use one of {', '.join(EGRESS_MODES)}")
    names = stack_names(stage)
    account, region = check_prerequisites(run, need_frontend=not skip_frontend)
    run.env.setdefault("AWS_DEFAULT_REGION", region)

    network = None
    if egress == "fixed":
        network = deploy_network(run, stage, egress_azs)
    elif egress is None and names["network"] in _live_stacks(run):
        raise SystemExit(
            f"stage {stage} has a fixed egress IP (stack {names['network']}): deploy with EGRESS=fixed to keep it, "
            f"or EGRESS=default to move the functions back to Lambda's shared IPs (keys whitelisted to the "
            f"Elastic IPs then stop working; see docs/deploy.md)"
        )

    _cfn_deploy(run, names["infra"], INFRA / "stack.yaml", {"AppName": APP_NAME, "Stage": stage})
    outputs = _stack_outputs(run, names["infra"])

    project = build_project(stage, outputs, account, region, build_root / stage / "project", network)
    package_dir = build_root / stage / "package"
    shutil.rmtree(package_dir, ignore_errors=True)
    chalice = str(Path(sys.executable).with_name("chalice"))
    run([chalice, "package", "--stage", stage, str(package_dir)], cwd=project)
    if not run.dry_run:
        summary = package_template.process(package_dir)
        print(f"package: {summary.total_unzipped_mb} MB unzipped; SQS sources fixed: {summary.sqs_sources_changed}")
    packaged = package_dir / "packaged.yaml"
    run(
        [
            "aws", "cloudformation", "package", "--template-file", str(package_dir / package_template.SAM_TEMPLATE),
            "--s3-bucket", outputs.get("ArtifactsBucketName", ""), "--s3-prefix", f"deploy/{stage}/app",
            "--output-template-file", str(packaged),
        ]
    )  # fmt: skip
    _cfn_deploy(run, names["app"], packaged, {}, "--capabilities", "CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND")
    app_outputs = _stack_outputs(run, names["app"])

    obs_params = {"AppName": APP_NAME, "Stage": stage, "AlarmEmail": alarm_email}
    _cfn_deploy(run, names["observability"], INFRA / "observability.yaml", obs_params)

    api_domain = f"{app_outputs.get('RestAPIId', 'RESTAPIID')}.execute-api.{region}.amazonaws.com"
    edge_params = {"AppName": APP_NAME, "Stage": stage, "ApiDomainName": api_domain, "ApiStage": "api"}
    _cfn_deploy(run, names["edge"], INFRA / "edge.yaml", edge_params)
    edge = _stack_outputs(run, names["edge"])

    if not skip_frontend:
        publish_frontend(run, edge.get("WebBucketName", ""), edge.get("DistributionId", ""))
    print(f"done: https://{edge.get('DistributionDomainName', '<distribution>')} (API also at {api_domain}/api/)")
    if network is not None:
        print(
            f"fixed egress: {', '.join(EGRESS_FUNCTIONS)} call Binance from {', '.join(network.egress_ips)} "
            f"(EGRESS_ID={network.egress_id}). Publish these IPs: users whitelist them on their API keys. "
            f"Deploy this stage with EGRESS=fixed from now on."
        )
    elif egress == "default" and names["network"] in _live_stacks(run):
        print(
            f"stack {names['network']} (NAT gateways, Elastic IPs) is no longer used but still billed: delete it "
            f"once Lambda has released its network interfaces (docs/deploy.md, turning it off)"
        )


def publish_frontend(run: Runner, bucket: str, distribution_id: str) -> None:
    frontend = REPO / "frontend"
    run.env["VITE_APP_API_URL"] = "/api/v1"  # same origin through CloudFront: no CORS
    run(["npm", "ci", "--no-audit", "--no-fund"], cwd=frontend)
    run(["npm", "run", "build"], cwd=frontend)
    dist = frontend / "dist"
    # Hashed assets are immutable; index.html must be revalidated so a deploy shows up at once.
    run(
        [
            "aws", "s3", "sync", str(dist), f"s3://{bucket}", "--delete", "--exclude", "index.html",
            "--cache-control", "public,max-age=31536000,immutable",
        ]
    )  # fmt: skip
    run(["aws", "s3", "cp", str(dist / "index.html"), f"s3://{bucket}/index.html", "--cache-control", "no-cache"])
    run(["aws", "cloudfront", "create-invalidation", "--distribution-id", distribution_id, "--paths", "/*"])


def destroy(stage: str, run: Runner, confirm: str, backup: bool) -> None:
    if confirm != stage:
        raise SystemExit(f"refusing to destroy: pass --confirm {stage} (this deletes the stage's tables and data)")
    names = stack_names(stage)
    _account, region = check_prerequisites(run, need_frontend=False)
    run.env.setdefault("AWS_DEFAULT_REGION", region)
    edge = _stack_outputs(run, names["edge"])
    if edge.get("WebBucketName"):
        run(["aws", "s3", "rm", f"s3://{edge['WebBucketName']}", "--recursive"])
    for key in ("edge", "observability", "app"):
        _delete_stack(run, names[key])
    # After the app: the subnets and security group stay in use until Lambda has released the functions'
    # network interfaces. A no-op when the stage never had a fixed egress IP.
    _delete_network_stack(run, names["network"])
    infra = _stack_outputs(run, names["infra"])
    if backup and infra.get("TablePrefix"):
        _backup_tables(run, infra["TablePrefix"])
    if infra.get("ArtifactsBucketName"):
        run(["aws", "s3", "rm", f"s3://{infra['ArtifactsBucketName']}", "--recursive"])
    _delete_stack(run, names["infra"])
    print(f"{stage} removed. The KMS key is pending deletion (7-30 days); the JWT secret is recoverable for 30 days.")


def _delete_stack(run: Runner, stack: str) -> None:
    run(["aws", "cloudformation", "delete-stack", "--stack-name", stack])
    run(["aws", "cloudformation", "wait", "stack-delete-complete", "--stack-name", stack])


def _delete_network_stack(run: Runner, stack: str, attempts: int = 3) -> None:
    """Lambda releases a deleted function's network interfaces asynchronously (usually minutes, occasionally
    longer than one wait); until then the subnets and the security group cannot be deleted and the stack ends
    DELETE_FAILED. Deleting it again resumes with what is left."""
    for attempt in range(1, attempts + 1):
        try:
            _delete_stack(run, stack)
            return
        except subprocess.CalledProcessError:
            if attempt == attempts:
                raise
            print(f"{stack}: not deleted yet (Lambda's network interfaces still in the subnets); deleting again")


def _backup_tables(run: Runner, prefix: str) -> None:
    raw = run(["aws", "dynamodb", "list-tables", "--output", "json"], capture=True)
    tables = [t for t in (json.loads(raw)["TableNames"] if raw else []) if t.startswith(prefix + "-")]
    for table in tables:
        run(["aws", "dynamodb", "create-backup", "--table-name", table, "--backup-name", f"{table}-before-destroy"])


def main(argv: list[str] | None = None, runner_factory: Callable[[bool], Runner] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Deploy or destroy one stage of the platform.")
    parser.add_argument("action", choices=("deploy", "destroy"))
    parser.add_argument("--stage", required=True, choices=STAGES)
    parser.add_argument("--dry-run", action="store_true", help="print the commands, run nothing")
    parser.add_argument("--skip-frontend", action="store_true")
    parser.add_argument("--alarm-email", default=os.environ.get("ALARM_EMAIL", ""))
    parser.add_argument(
        "--egress", choices=EGRESS_MODES, default=os.environ.get("EGRESS") or None,
        help="deploy: `fixed` runs api_handler and run_ticks behind NAT gateways with Elastic IPs (infra/network.yaml)",
    )  # fmt: skip
    parser.add_argument("--egress-azs", type=int, choices=(1, 2), default=int(os.environ.get("EGRESS_AZS") or 2))
    parser.add_argument("--confirm", default="", help="destroy: the stage name again")
    parser.add_argument("--no-backup", action="store_true", help="destroy: skip on-demand table backups")
    parser.add_argument("--build-dir", type=Path, default=REPO / "build" / "deploy")
    args = parser.parse_args(argv)
    run = runner_factory(args.dry_run) if runner_factory else Runner(dry_run=args.dry_run)
    if args.action == "deploy":
        deploy(
            args.stage, run, args.build_dir, skip_frontend=args.skip_frontend, alarm_email=args.alarm_email,
            egress=args.egress, egress_azs=args.egress_azs,
        )  # fmt: skip
    else:
        destroy(args.stage, run, args.confirm, backup=not args.no_backup and args.stage == "prod")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
