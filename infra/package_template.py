"""Post-processing of `chalice package` output, importable so the offline tests run exactly what deploy runs.

Two jobs:
1. The template: Chalice emits SQS event sources without `FunctionResponseTypes`, so a batch would fail or
   succeed as a whole even though the handlers report per-record failures. `add_report_batch_item_failures`
   adds `ReportBatchItemFailures` to every SQS event source (SAM `Events` and plain event source mappings);
   `fix_log_group_references` repairs the API log group Chalice points at a misspelt resource, and
   `name_functions` names each function `<app>-<stage>-<function>` as `chalice deploy` does;
   `add_gateway_responses` makes API Gateway's own answers use the API's error format: a route or method it
   does not know (its default: 403 "Missing Authentication Token") is a JSON 404, every other 4xx and 5xx it
   produces itself (throttling, a too-large body, a timeout) is `{"error": {"code", "message", "details"}}`.
2. The zips: the jobs worker's own dependencies (Optuna and what it alone needs) move to a layer only it
   loads (infra/package_layers.py); `prune_zip` (infra/package_zips.py) drops what Lambda never imports (the
   boto3/botocore the runtime already provides, test suites, type stubs, C headers, numpy's test-only extension
   modules) and strips debug symbols from shared objects, so the package stays small and cold starts stay
   short; then every module gets its compiled bytecode (infra/package_bytecode.py: Lambda's read-only /var/task
   and /opt would otherwise have each cold start compile what it imports).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from infra.package_bytecode import FUNCTION_ROOT, LAYER_ROOT, add_bytecode
from infra.package_layers import JOBS_LAYER_ZIP, add_jobs_layer, split_jobs_layer
from infra.package_zips import PruneReport, prune_zip, unzipped_bytes

REPORT_BATCH_ITEM_FAILURES = "ReportBatchItemFailures"
SAM_TEMPLATE = "sam.json"
FUNCTION_ZIP = "deployment.zip"
LAYER_ZIP = "layer-deployment.zip"
REQUIREMENTS = Path(__file__).resolve().parents[1] / "requirements.txt"


# --- template ----------------------------------------------------------------------------------------


def load_template(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text())
    return data


def save_template(template: dict[str, Any], path: Path) -> None:
    path.write_text(json.dumps(template, indent=2, sort_keys=True) + "\n")


@dataclass(frozen=True)
class SqsEventSource:
    function: str
    name: str
    properties: dict[str, Any]


def sqs_event_sources(template: dict[str, Any]) -> Iterator[SqsEventSource]:
    """Every SQS -> Lambda wiring in a SAM or plain CloudFormation template (properties are live dicts)."""
    for logical_id, resource in template.get("Resources", {}).items():
        kind = resource.get("Type")
        props = resource.setdefault("Properties", {})
        if kind == "AWS::Serverless::Function":
            for name, event in (props.get("Events") or {}).items():
                if event.get("Type") == "SQS":
                    yield SqsEventSource(logical_id, name, event.setdefault("Properties", {}))
        elif kind == "AWS::Lambda::EventSourceMapping" and ":sqs:" in json.dumps(props.get("EventSourceArn", "")):
            yield SqsEventSource(str(props.get("FunctionName", logical_id)), logical_id, props)


def add_report_batch_item_failures(template: dict[str, Any]) -> list[str]:
    """Idempotent. Returns `function/event` for each source changed."""
    changed = []
    for source in sqs_event_sources(template):
        types = source.properties.setdefault("FunctionResponseTypes", [])
        if REPORT_BATCH_ITEM_FAILURES not in types:
            types.append(REPORT_BATCH_ITEM_FAILURES)
            changed.append(f"{source.function}/{source.name}")
    return changed


GATEWAY_RESPONSES_KEY = "x-amazon-apigateway-gateway-responses"
_GATEWAY_HEADERS = {
    "gatewayresponse.header.Cache-Control": "'no-store'",
    "gatewayresponse.header.X-Content-Type-Options": "'nosniff'",
}


def _error_template(code: str, message: str) -> str:
    """A gateway response body in the API's error format. `message` is a JSON string literal or
    `$context.error.messageString` (which API Gateway renders already quoted)."""
    details = '{"request_id":"$context.requestId","gateway_response":"$context.error.responseType"}'
    return '{"error":{"code":"' + code + '","message":' + message + ',"details":' + details + "}}"


# response type -> (status code or None to keep API Gateway's, error code, message)
GATEWAY_RESPONSES: dict[str, tuple[str | None, str, str]] = {
    # An unknown path, or a method the path lacks (TRACE, PROPFIND, DELETE on /health...). API Gateway
    # cannot tell the two apart, so both are a 404; the served /api/v1/openapi.json lists what exists.
    "MISSING_AUTHENTICATION_TOKEN": (
        "404",
        "not_found",
        '"No such route or method; see /api/v1/openapi.json."',
    ),
    "THROTTLED": (None, "rate_limited", '"Too many requests; try again shortly."'),
    "REQUEST_TOO_LARGE": (None, "payload_too_large", '"The request is too large."'),
    "INTEGRATION_TIMEOUT": (None, "timeout", '"The request took too long; try again."'),
    "DEFAULT_4XX": (None, "request_rejected", "$context.error.messageString"),
    "DEFAULT_5XX": (
        None,
        "internal_error",
        '"An internal error occurred. Quote the request id $context.requestId when you report it."',
    ),
}


def gateway_responses() -> dict[str, dict[str, Any]]:
    responses: dict[str, dict[str, Any]] = {}
    for response_type, (status, code, message) in GATEWAY_RESPONSES.items():
        response: dict[str, Any] = {
            "responseParameters": dict(_GATEWAY_HEADERS),
            "responseTemplates": {"application/json": _error_template(code, message)},
        }
        if status is not None:
            response["statusCode"] = status
        responses[response_type] = response
    return responses


def add_gateway_responses(template: dict[str, Any]) -> list[str]:
    """Put the gateway responses into each REST API's OpenAPI body (so a change redeploys the stage).
    Idempotent; returns the APIs changed."""
    changed = []
    for logical_id, resource in template.get("Resources", {}).items():
        if resource.get("Type") not in ("AWS::Serverless::Api", "AWS::ApiGateway::RestApi"):
            continue
        props = resource.get("Properties", {})
        body = props.get("DefinitionBody", props.get("Body"))
        if not isinstance(body, dict):
            continue
        wanted = gateway_responses()
        if body.get(GATEWAY_RESPONSES_KEY) != wanted:
            body[GATEWAY_RESPONSES_KEY] = wanted
            changed.append(logical_id)
    return changed


def _chalice_tag(props: dict[str, Any]) -> dict[str, str]:
    """`version=1.34.0:stage=prod:app=tradebot` -> {"version": ..., "stage": "prod", "app": "tradebot"}."""
    raw = str(props.get("Tags", {}).get("aws-chalice", ""))
    return dict(part.split("=", 1) for part in raw.split(":") if "=" in part)


def name_functions(template: dict[str, Any]) -> dict[str, str]:
    """Give each function the name `<app>-<stage>-<chalice function>` that `chalice deploy` would, instead of
    a generated `<stack>-RunTicks-1A2B3C`: the IAM policies (log groups), the alarms and the runbook use it.
    Returns logical id -> name."""
    names = {}
    for logical_id, resource in template.get("Resources", {}).items():
        props = resource.get("Properties", {})
        if resource.get("Type") != "AWS::Serverless::Function" or "FunctionName" in props:
            continue
        tag = _chalice_tag(props)
        handler = str(props.get("Handler", ""))
        function = "api_handler" if handler == "app.app" else handler.removeprefix("app.")
        if tag.get("app") and tag.get("stage") and function:
            props["FunctionName"] = names[logical_id] = f"{tag['app']}-{tag['stage']}-{function}"
    return names


def name_roles(template: dict[str, Any]) -> dict[str, str]:
    """Give each function's own role the function's name `<app>-<stage>-<function>` (run after
    `name_functions`). The exchange-secrets key policy in infra/stack.yaml, created before this stack, grants
    use to exactly these role ARNs (matched with `aws:PrincipalArn`), so they must be known in advance rather
    than generated as `<stack>-RunTicksRole-1A2B3C`. A role shared by several functions keeps its generated
    name (the key policy then grants it nothing). Needs CAPABILITY_NAMED_IAM. Returns role logical id -> name."""
    resources = template.get("Resources", {})
    users: dict[str, list[str]] = {}
    for resource in resources.values():
        props = resource.get("Properties", {})
        role = props.get("Role")
        if resource.get("Type") == "AWS::Serverless::Function" and isinstance(role, dict) and "Fn::GetAtt" in role:
            users.setdefault(str(role["Fn::GetAtt"][0]), []).append(str(props.get("FunctionName", "")))
    names = {}
    for role_id, functions in users.items():
        role = resources.get(role_id, {})
        if role.get("Type") != "AWS::IAM::Role" or len(functions) != 1 or not functions[0]:
            continue
        role.setdefault("Properties", {})["RoleName"] = names[role_id] = functions[0]
    return names


def fix_log_group_references(template: dict[str, Any]) -> list[str]:
    """Chalice 1.34 names the API function `APIHandler` but its log-retention group refers to `${ApiHandler}`,
    which CloudFormation rejects. Point each such reference at the resource that exists, matched ignoring
    case. Idempotent; returns the log groups changed."""
    resources = template.get("Resources", {})
    by_lower = {name.lower(): name for name in resources}
    changed = []
    for logical_id, resource in resources.items():
        if resource.get("Type") != "AWS::Logs::LogGroup":
            continue
        name = resource.get("Properties", {}).get("LogGroupName")
        if not isinstance(name, dict) or not isinstance(name.get("Fn::Sub"), str):
            continue
        text = name["Fn::Sub"]
        for ref in re.findall(r"\$\{([A-Za-z0-9]+)\}", text):
            if ref not in resources and ref.lower() in by_lower:
                text = text.replace("${" + ref + "}", "${" + by_lower[ref.lower()] + "}")
        if text != name["Fn::Sub"]:
            name["Fn::Sub"] = text
            changed.append(logical_id)
    return changed


# --- the whole output directory --------------------------------------------------------------------------


@dataclass
class PackageSummary:
    template: Path
    sqs_sources_changed: list[str]
    zips: dict[str, PruneReport]

    @property
    def total_unzipped_mb(self) -> float:
        return round(sum(r.after_bytes + r.bytecode_bytes for r in self.zips.values()) / 1e6, 1)


def process(out_dir: Path, prune: bool = True, requirements: Path = REQUIREMENTS) -> PackageSummary:
    """Post-process a `chalice package` output directory in place (template + zips): the jobs worker's
    own dependencies go to their own layer (infra/package_layers.py), then the zips are pruned."""
    template_path = out_dir / SAM_TEMPLATE
    template = load_template(template_path)
    changed = add_report_batch_item_failures(template)
    name_functions(template)
    name_roles(template)
    fix_log_group_references(template)
    add_gateway_responses(template)
    if (out_dir / LAYER_ZIP).is_file():
        split_jobs_layer(out_dir / LAYER_ZIP, out_dir / JOBS_LAYER_ZIP, requirements)
    if (out_dir / JOBS_LAYER_ZIP).is_file():
        add_jobs_layer(template)
    save_template(template, template_path)
    reports = {}
    for name in (FUNCTION_ZIP, LAYER_ZIP, JOBS_LAYER_ZIP):
        zip_path = out_dir / name
        if zip_path.is_file():
            reports[name] = prune_zip(zip_path) if prune else PruneReport(after_bytes=unzipped_bytes(zip_path))
            reports[name].bytecode_bytes = add_bytecode(zip_path, FUNCTION_ROOT if name == FUNCTION_ZIP else LAYER_ROOT)
    return PackageSummary(template_path, changed, reports)


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("out_dir", type=Path, help="the directory `chalice package` wrote")
    parser.add_argument("--no-prune", action="store_true")
    args = parser.parse_args(argv)
    summary = process(args.out_dir, prune=not args.no_prune)
    print(f"ReportBatchItemFailures added to: {', '.join(summary.sqs_sources_changed) or 'none (already set)'}")
    for name, report in summary.zips.items():
        bytecode = report.bytecode_bytes / 1e6
        print(f"{name}: {report.before_mb} MB -> {report.after_mb} MB unzipped, + {bytecode:.1f} MB of bytecode")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
