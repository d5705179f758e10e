"""AWS list prices, us-east-1, on-demand, without free tiers, as published on the services' pricing pages on
PRICES_DATE (docs/cost.md holds the same table with its sources; tests/deploy/test_cost_model.py keeps the
two equal). Lambda on x86_64, as .chalice/config.json deploys it (no `architecture` setting)."""

from __future__ import annotations

from dataclasses import dataclass

PRICES_DATE = "2026-11-30"
MINUTES_PER_MONTH = 30 * 24 * 60  # a 30-day month: 43,200 one-minute ticks
HOURS_PER_MONTH = 30 * 24

PRICES: dict[str, float] = {
    "dynamodb_per_million_read_units": 0.125,
    "dynamodb_per_million_write_units": 0.625,
    "dynamodb_storage_gb_month": 0.25,
    "sqs_per_million_requests": 0.40,
    "lambda_per_gb_second": 0.0000166667,
    "lambda_per_million_requests": 0.20,
    "kms_key_month": 1.00,
    "kms_per_10k_requests": 0.03,
    "secrets_manager_secret_month": 0.40,
    "secrets_manager_per_10k_calls": 0.05,
    "s3_per_1k_put_requests": 0.005,
    "s3_per_1k_get_requests": 0.0004,
    "cloudwatch_alarm_month": 0.10,
    "cloudwatch_dashboard_month": 3.00,
    "cloudwatch_custom_metric_month": 0.30,
    "cloudwatch_logs_ingest_per_gb": 0.50,
    "xray_per_million_traces": 5.00,
    "waf_web_acl_month": 5.00,
    "waf_rule_month": 1.00,
    "nat_gateway_hour": 0.045,
    "public_ipv4_hour": 0.005,
}

# Lambda's SQS event source polls each queue with 5 long-polling connections (20 s waits) while it is empty.
SQS_EVENT_SOURCE_POLLERS = 5
SQS_LONG_POLL_SECONDS = 20
# X-Ray's default sampling rule: the first request each second, then 5%; at platform scale about 5%.
XRAY_SAMPLED_SHARE = 0.05


@dataclass(frozen=True)
class TickUsage:
    """One tick's billable usage, averaged over the ticks measured."""

    read_units: float = 0.0
    write_units: float = 0.0
    sqs_requests: float = 0.0
    lambda_gb_seconds: float = 0.0
    lambda_requests: float = 0.0
    kms_requests: float = 0.0
    s3_put_requests: float = 0.0
    s3_get_requests: float = 0.0
    log_bytes: float = 0.0
    traces: float = 0.0


def usage_cost(u: TickUsage, prices: dict[str, float] = PRICES) -> dict[str, float]:
    """US$ of one unit of usage, per line of the cost table."""
    return {
        "DynamoDB reads": u.read_units * prices["dynamodb_per_million_read_units"] / 1e6,
        "DynamoDB writes": u.write_units * prices["dynamodb_per_million_write_units"] / 1e6,
        "SQS requests": u.sqs_requests * prices["sqs_per_million_requests"] / 1e6,
        "Lambda compute": u.lambda_gb_seconds * prices["lambda_per_gb_second"],
        "Lambda requests": u.lambda_requests * prices["lambda_per_million_requests"] / 1e6,
        "KMS requests": u.kms_requests * prices["kms_per_10k_requests"] / 1e4,
        "S3 requests": u.s3_put_requests * prices["s3_per_1k_put_requests"] / 1e3
        + u.s3_get_requests * prices["s3_per_1k_get_requests"] / 1e3,
        "CloudWatch Logs": u.log_bytes * prices["cloudwatch_logs_ingest_per_gb"] / 1e9,
        "X-Ray traces": u.traces * prices["xray_per_million_traces"] / 1e6,
    }


def ticks_per_month(interval_minutes: int) -> int:
    return MINUTES_PER_MONTH // interval_minutes


def bot_month(
    quiet: TickUsage, trading: TickUsage, dispatch: TickUsage, interval_minutes: int, trading_share: float
) -> dict[str, float]:
    """US$ per bot-month by line: its ticks (a `trading_share` of them trade) plus its share of each dispatch."""
    ticks = ticks_per_month(interval_minutes)
    lines: dict[str, float] = {}
    for usage, count in ((quiet, ticks * (1 - trading_share)), (trading, ticks * trading_share), (dispatch, ticks)):
        for name, dollars in usage_cost(usage).items():
            lines[name] = lines.get(name, 0.0) + dollars * count
    return lines


def sqs_idle_polling_requests(queues: int) -> int:
    """Empty receives Lambda's pollers make in a month on queues with nothing in them."""
    per_queue = SQS_EVENT_SOURCE_POLLERS * (60 // SQS_LONG_POLL_SECONDS) * MINUTES_PER_MONTH
    return queues * per_queue


def idle_stage(
    counts: dict[str, int], dispatcher_minute: TickUsage, prices: dict[str, float] = PRICES
) -> dict[str, float]:
    """US$ per month of a stage with no bot running: what exists (keys, alarms, the WAF), what runs anyway
    (the dispatcher every minute, Lambda's pollers on the queues) and, optionally, fixed egress."""
    dispatcher = sum(usage_cost(dispatcher_minute, prices).values()) * MINUTES_PER_MONTH
    polling = sqs_idle_polling_requests(counts["sqs_polled_queues"]) * prices["sqs_per_million_requests"] / 1e6
    return {
        "KMS key": counts["kms_keys"] * prices["kms_key_month"],
        "Secrets Manager secret": counts["secrets"] * prices["secrets_manager_secret_month"],
        "CloudWatch alarms": counts["alarms"] * prices["cloudwatch_alarm_month"],
        "CloudWatch dashboard": counts["dashboards"] * prices["cloudwatch_dashboard_month"],
        "CloudWatch metrics (dispatcher's)": counts["idle_metrics"] * prices["cloudwatch_custom_metric_month"],
        "WAF web ACL and rules": counts["web_acls"] * prices["waf_web_acl_month"]
        + counts["waf_rules"] * prices["waf_rule_month"],
        "dispatcher, every minute": dispatcher,
        "SQS pollers on empty queues": polling,
    }


def fixed_egress(nat_gateways: int, prices: dict[str, float] = PRICES) -> float:
    """`make deploy EGRESS=fixed`: NAT gateways and their Elastic IPs, per month, before data processing."""
    return nat_gateways * (prices["nat_gateway_hour"] + prices["public_ipv4_hour"]) * HOURS_PER_MONTH
