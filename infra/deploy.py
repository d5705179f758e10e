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
  5. only with `--waf on`: WAF stack `tradebot-<stage>-waf` in us-east-1 (CloudFront's web ACLs live there)
  6. edge stack `tradebot-<stage>-edge` (CloudFront + private web bucket; `/api/*` -> the API), with an optional
     certificate (TLS 1.2 minimum), the web ACL, and a new X-Origin-Verify secret whose SHA-256 the API holds
  7. build the SPA, `aws s3 sync` it, invalidate CloudFront
destroy removes the edge, WAF, observability and app stacks, then the network (if any: the functions' network
interfaces must be gone first), then the infra stack; the resources it retains (tables, bucket, key, secret)
are then backed up (prod), their deletion protection turned off and purged, unless `--keep-data`.

`--dry-run` prints every command instead of running it (the offline tests use it).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import secrets
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
        "network": f"{base}-network", "waf": f"{base}-waf",
    }  # fmt: skip


# A CLOUDFRONT-scope WAF web ACL can only be created in us-east-1, whatever the stage's region (infra/waf.yaml).
WAF_REGION = "us-east-1"


# --- rendering (pure, tested offline) ---------------------------------------------------------------------


def stage_environment(outputs: Mapping[str, str], account_id: str, region: str) -> dict[str, str]:
    """The account-specific part of a stage's environment, from the infra stack's outputs."""
    missing = sorted(k for k in OUTPUT_ENV if k not in outputs)
    if missing:
        raise ValueError(f"infra stack outputs are missing {missing}; was infra/stack.yaml deployed?")
    env = {var: outputs[key] for key, var in OUTPUT_ENV.items()}
    env.update({"AWS_ACCOUNT_ID": account_id, **DEPLOYED_ENV})
    return env


_ARTIFACTS_ARN = re.compile(r"arn:aws:s3:::([a-z0-9-]+)-artifacts-\*")


def render_policy(
    document: dict[str, Any], account_id: str, region: str, key_arn: str, bucket: str | None = None
) -> dict[str, Any]:
    """Narrow a committed policy (any region/account, the stage's name prefix) to this account and region,
    the KMS statements to the stage's key ARN, and the artifacts bucket ARNs (`<app>-<stage>-artifacts-*`)
    to `bucket`, the exact name the infra stack created (its ArtifactsBucketName output; without it, the name
    infra/stack.yaml gives it in this account). Conditions stay as committed."""
    text = json.dumps(document)
    services = "dynamodb|sqs|logs|secretsmanager|ses"
    text = re.sub(rf'"arn:aws:({services}):\*:\*:', rf'"arn:aws:\1:{region}:{account_id}:', text)
    text = text.replace('"arn:aws:kms:*:*:key/*"', json.dumps(key_arn))

    def exact_bucket(match: re.Match[str]) -> str:
        prefix = f"{match.group(1)}-artifacts-"
        name = bucket if bucket is not None else prefix + account_id
        if not re.fullmatch(re.escape(prefix) + r"[a-z0-9-]+", name):
            raise ValueError(f"artifacts bucket {name!r} is not the stage's ({prefix}...): refusing to grant it")
        return f"arn:aws:s3:::{name}"

    text = _ARTIFACTS_ARN.sub(exact_bucket, text)
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
        # The IPs users whitelist on their keys: the key check warns about a key without a restriction.
        stage_cfg["environment_variables"]["TRADEBOT_EGRESS_IPS"] = ",".join(network.egress_ips)
    return rendered


def render_policies(
    stage: str, account_id: str, region: str, key_arn: str, network: Network | None = None, bucket: str | None = None
) -> dict[str, dict[str, Any]]:
    """Every committed `.chalice/policy-<stage>-<function>.json`, rendered (file name -> document); with a
    `network`, EGRESS_FUNCTIONS' policies also get `vpc_policy_statements` and no other policy does."""
    rendered = {}
    for policy in sorted((REPO / ".chalice").glob(f"policy-{stage}-*.json")):
        document = render_policy(json.loads(policy.read_text()), account_id, region, key_arn, bucket)
        function = policy.name.removeprefix(f"policy-{stage}-").removesuffix(".json")
        if network is not None and function in EGRESS_FUNCTIONS:
            document["Statement"] += vpc_policy_statements(network, account_id, region)
        rendered[policy.name] = document
    return rendered


def build_project(
    stage: str,
    outputs: Mapping[str, str],
    account_id: str,
    region: str,
    dest: Path,
    network: Network | None = None,
    extra_env: Mapping[str, str] | None = None,
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
    env = {**stage_environment(outputs, account_id, region), **(extra_env or {})}
    rendered = render_config(config, stage, env, network)
    (dest / ".chalice" / "config.json").write_text(json.dumps(rendered, indent=2))
    policies = render_policies(
        stage, account_id, region, outputs["ExchangeSecretsKeyArn"], network, outputs["ArtifactsBucketName"]
    )
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

    # Values never printed (the origin-verify secret passed to the edge stack).
    hidden: set[str] = field(default_factory=set)

    def __call__(self, args: Sequence[str], cwd: Path | None = None, capture: bool = False) -> str:
        self.log.append(list(args))
        shown = " ".join(args)
        for value in self.hidden:
            shown = shown.replace(value, "***")
        print("+", shown, flush=True)
        if self.dry_run:
            command = " ".join(args)
            keys = [k for k in self.canned if command == k or command.startswith(k + " ")]
            return self.canned[max(keys, key=len)] if keys else ""
        result = subprocess.run(  # noqa: S603 - argument lists built here, no shell
            list(args), cwd=cwd, env=self.env, check=True, text=True, capture_output=capture
        )
        return result.stdout if capture else ""


def _region_args(region: str | None) -> list[str]:
    return ["--region", region] if region else []


def _stack_outputs(run: Runner, stack: str, region: str | None = None) -> dict[str, str]:
    raw = run(
        ["aws", "cloudformation", "describe-stacks", "--stack-name", stack, "--output", "json", *_region_args(region)],
        capture=True,
    )
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


def _live_stacks(run: Runner, region: str | None = None) -> set[str]:
    # A stack whose creation rolled back holds nothing, so it does not count as the stage having it.
    live = "StackSummaries[?StackStatus!='DELETE_COMPLETE' && StackStatus!='ROLLBACK_COMPLETE'].StackName"
    raw = run(
        ["aws", "cloudformation", "list-stacks", "--query", live, "--output", "json", *_region_args(region)],
        capture=True,
    )
    return set(json.loads(raw)) if raw else set()


@dataclass(frozen=True)
class EdgeOptions:
    """CloudFront options of the edge stack: a custom domain with its ACM certificate (TLS 1.2 minimum for
    viewers) and the optional WAF (infra/waf.yaml, always in us-east-1)."""

    certificate_arn: str = ""
    aliases: tuple[str, ...] = ()
    waf: bool = False

    def validate(self) -> None:
        if self.aliases and not self.certificate_arn:
            raise SystemExit("DOMAIN_ALIASES need CERTIFICATE_ARN (an ACM certificate in us-east-1 covering them)")
        if self.certificate_arn and not self.aliases:
            raise SystemExit("CERTIFICATE_ARN needs DOMAIN_ALIASES: the domain names the certificate is for")
        if self.certificate_arn and not re.fullmatch(
            r"arn:aws[a-z-]*:acm:us-east-1:\d{12}:certificate/[0-9a-f-]+", self.certificate_arn
        ):
            raise SystemExit("CERTIFICATE_ARN must be an ACM certificate in us-east-1 (CloudFront uses only those)")


def deploy(
    stage: str,
    run: Runner,
    build_root: Path,
    skip_frontend: bool = False,
    alarm_email: str = "",
    egress: str | None = None,
    egress_azs: int = 2,
    edge_opts: EdgeOptions | None = None,
    key_admins: str = "",
) -> None:
    """`egress`: "fixed" puts EGRESS_FUNCTIONS behind the network stack's Elastic IPs; "default" (or None) keeps
    every function on Lambda's shared egress. None also refuses to run if the stage has a network stack: a
    deploy that forgot EGRESS=fixed would move the functions off the IPs users whitelisted."""
    if egress not in (None, *EGRESS_MODES):
        raise SystemExit(f"--egress {egress}: use one of {', '.join(EGRESS_MODES)}")
    edge_options = edge_opts or EdgeOptions()
    edge_options.validate()
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

    infra_params = {"AppName": APP_NAME, "Stage": stage, **({"KeyAdminArns": key_admins} if key_admins else {})}
    _cfn_deploy(run, names["infra"], INFRA / "stack.yaml", infra_params)
    outputs = _stack_outputs(run, names["infra"])

    # CloudFront sends this with every API request; the API trusts the viewer's address only next to it.
    origin_secret = secrets.token_urlsafe(32)
    run.hidden.add(origin_secret)
    origin_env = {"TRADEBOT_ORIGIN_VERIFY_SHA256": hashlib.sha256(origin_secret.encode()).hexdigest()}
    project = build_project(stage, outputs, account, region, build_root / stage / "project", network, origin_env)
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
    _cfn_deploy(run, names["app"], packaged, {}, "--capabilities", "CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND")
    app_outputs = _stack_outputs(run, names["app"])

    obs_params = {"AppName": APP_NAME, "Stage": stage, "AlarmEmail": alarm_email}
    _cfn_deploy(run, names["observability"], INFRA / "observability.yaml", obs_params)

    api_domain = f"{app_outputs.get('RestAPIId', 'RESTAPIID')}.execute-api.{region}.amazonaws.com"
    web_acl = ""
    if edge_options.waf:
        waf_params = {"AppName": APP_NAME, "Stage": stage}
        _cfn_deploy(run, names["waf"], INFRA / "waf.yaml", waf_params, *_region_args(WAF_REGION))
        web_acl = _stack_outputs(run, names["waf"], WAF_REGION).get("WebAclArn", "")
        if not web_acl and not run.dry_run:
            raise SystemExit(f"stack {names['waf']} in {WAF_REGION} has no WebAclArn output")
    edge_params = {
        "AppName": APP_NAME, "Stage": stage, "ApiDomainName": api_domain, "ApiStage": "api",
        # Always passed, so turning an option off on a later deploy removes it from the distribution.
        "CertificateArn": edge_options.certificate_arn, "Aliases": ",".join(edge_options.aliases),
        "WebAclArn": web_acl, "OriginVerifySecret": origin_secret,
    }  # fmt: skip
    _cfn_deploy(run, names["edge"], INFRA / "edge.yaml", edge_params)
    edge = _stack_outputs(run, names["edge"])
    if not edge_options.waf and names["waf"] in _live_stacks(run, WAF_REGION):
        _delete_stack(run, names["waf"], WAF_REGION)  # no longer associated: stop paying for it

    if not skip_frontend:
        publish_frontend(run, edge.get("WebBucketName", ""), edge.get("DistributionId", ""))
    print(f"done: {edge.get('WebUrl', '<distribution>')} (API also at {api_domain}/api/)")
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


def destroy(stage: str, run: Runner, confirm: str, backup: bool, keep_data: bool = False) -> None:
    """The infra stack retains its tables, key, secret and artifacts bucket (DeletionPolicy: Retain, tables
    with deletion protection), so deleting the stack alone deletes no data. Unless `keep_data`, they are
    then purged here: deletion protection off and each table deleted (after the prod backups), the bucket
    emptied of every version and deleted, the key scheduled for deletion (30 days), the secret deleted
    (recoverable for 30 days). With `keep_data` they stay, and what is left is printed."""
    if confirm != stage:
        raise SystemExit(f"refusing to destroy: pass --confirm {stage} (this deletes the stage's tables and data)")
    names = stack_names(stage)
    _account, region = check_prerequisites(run, need_frontend=False)
    run.env.setdefault("AWS_DEFAULT_REGION", region)
    edge = _stack_outputs(run, names["edge"])
    if edge.get("WebBucketName"):
        _empty_bucket(run, edge["WebBucketName"])  # versioned: every version, or the stack cannot delete it
    _delete_stack(run, names["edge"])
    _delete_stack(run, names["waf"], WAF_REGION)  # a no-op when the stage never had the WAF
    for key in ("observability", "app"):
        _delete_stack(run, names[key])
    # After the app: the subnets and security group stay in use until Lambda has released the functions'
    # network interfaces. A no-op when the stage never had a fixed egress IP.
    _delete_network_stack(run, names["network"])
    infra = _stack_outputs(run, names["infra"])
    tables = _stage_tables(run, infra["TablePrefix"]) if infra.get("TablePrefix") else []
    if backup:
        _backup_tables(run, tables)
    _delete_stack(run, names["infra"])
    retained = {
        "tables": tables,
        "bucket": infra.get("ArtifactsBucketName", ""),
        "key": infra.get("ExchangeSecretsKeyArn", ""),
        "secret": infra.get("JwtSecretArn", ""),
    }
    if keep_data:
        print(
            f"{stage}: stacks removed; kept (retained by the infra stack): {len(tables)} tables "
            f"({', '.join(tables)}), bucket {retained['bucket']}, key {retained['key']}, secret {retained['secret']}. "
            f"A new deploy of {stage} fails on their names until they are purged (destroy again without "
            f"--keep-data) or imported into the stack (docs/deploy.md, Back down)."
        )
        return
    _purge_retained(run, tables, str(retained["bucket"]), str(retained["key"]), str(retained["secret"]))
    print(f"{stage} removed. The KMS key is pending deletion (30 days); the JWT secret is recoverable for 30 days.")


def _purge_retained(run: Runner, tables: Sequence[str], bucket: str, key_arn: str, secret: str) -> None:
    for table in tables:
        run(["aws", "dynamodb", "update-table", "--table-name", table, "--no-deletion-protection-enabled"])
        run(["aws", "dynamodb", "delete-table", "--table-name", table])
    if bucket:
        _empty_bucket(run, bucket)
        run(["aws", "s3api", "delete-bucket", "--bucket", bucket])
    if key_arn:
        run(["aws", "kms", "schedule-key-deletion", "--key-id", key_arn, "--pending-window-in-days", "30"])
    if secret:
        run(["aws", "secretsmanager", "delete-secret", "--secret-id", secret, "--recovery-window-in-days", "30"])


def _empty_bucket(run: Runner, bucket: str) -> None:
    """Delete every object version and delete marker (`aws s3 rm` leaves them in a versioned bucket, and a
    bucket holding any cannot be deleted), 1000 at a time."""
    while True:
        raw = run(
            ["aws", "s3api", "list-object-versions", "--bucket", bucket, "--max-items", "1000", "--output", "json"],
            capture=True,
        )
        listing = json.loads(raw) if raw else {}
        objects = [
            {"Key": o["Key"], "VersionId": o["VersionId"]}
            for o in (listing.get("Versions") or []) + (listing.get("DeleteMarkers") or [])
        ]
        if not objects:
            return
        batch = json.dumps({"Objects": objects, "Quiet": True})
        run(["aws", "s3api", "delete-objects", "--bucket", bucket, "--delete", batch])
        if run.dry_run:  # the canned listing would never shrink
            return


def _delete_stack(run: Runner, stack: str, region: str | None = None) -> None:
    run(["aws", "cloudformation", "delete-stack", "--stack-name", stack, *_region_args(region)])
    run(["aws", "cloudformation", "wait", "stack-delete-complete", "--stack-name", stack, *_region_args(region)])


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


def _stage_tables(run: Runner, prefix: str) -> list[str]:
    raw = run(["aws", "dynamodb", "list-tables", "--output", "json"], capture=True)
    return [t for t in (json.loads(raw)["TableNames"] if raw else []) if t.startswith(prefix + "-")]


def _backup_tables(run: Runner, tables: Sequence[str]) -> None:
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
    parser.add_argument(
        "--certificate-arn", default=os.environ.get("CERTIFICATE_ARN", ""),
        help="deploy: ACM certificate (us-east-1) for the custom domain; viewers then need TLS 1.2+",
    )  # fmt: skip
    parser.add_argument(
        "--aliases", default=os.environ.get("DOMAIN_ALIASES", ""),
        help="deploy: the certificate's domain names, comma-separated",
    )  # fmt: skip
    parser.add_argument(
        "--waf", choices=("on", "off"), default=os.environ.get("WAF") or "off",
        help="deploy: WAF web ACL (rate limits + AWS common rule set) on CloudFront, created in us-east-1",
    )  # fmt: skip
    parser.add_argument(
        "--key-admins", default=os.environ.get("KEY_ADMIN_ARNS", ""),
        help="deploy: IAM ARNs (comma-separated, wildcards allowed) that alone may administer the KMS key",
    )  # fmt: skip
    parser.add_argument("--confirm", default="", help="destroy: the stage name again")
    parser.add_argument(
        "--keep-data", action="store_true", default=bool(os.environ.get("KEEP_DATA")),
        help="destroy: keep the retained tables, bucket, key and secret instead of purging them",
    )  # fmt: skip
    parser.add_argument("--no-backup", action="store_true", help="destroy: skip on-demand table backups")
    parser.add_argument("--build-dir", type=Path, default=REPO / "build" / "deploy")
    args = parser.parse_args(argv)
    run = runner_factory(args.dry_run) if runner_factory else Runner(dry_run=args.dry_run)
    if args.action == "deploy":
        deploy(
            args.stage, run, args.build_dir, skip_frontend=args.skip_frontend, alarm_email=args.alarm_email,
            egress=args.egress, egress_azs=args.egress_azs, key_admins=args.key_admins,
            edge_opts=EdgeOptions(args.certificate_arn, _split(args.aliases), waf=args.waf == "on"),
        )  # fmt: skip
    else:
        destroy(
            args.stage, run, args.confirm, backup=not args.no_backup and args.stage == "prod", keep_data=args.keep_data
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
