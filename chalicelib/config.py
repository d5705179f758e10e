"""Settings, read once from an injectable environment. Every AWS name derives from APP_NAME and STAGE
(the names infra/stack.yaml gives its resources) unless set explicitly from the stack's outputs."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache


class ConfigError(RuntimeError):
    pass


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be an integer, got {raw!r}") from None


def _bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    if raw.lower() in ("1", "true", "yes", "on"):
        return True
    if raw.lower() in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"{name} must be true or false, got {raw!r}")


@dataclass(frozen=True)
class Settings:
    app_name: str
    stage: str
    region: str
    account_id: str
    # Set locally to the embedded AWS (moto server); unset on Lambda.
    aws_endpoint_url: str | None
    local_mode: bool
    table_prefix: str
    artifacts_bucket: str
    tick_queue_url: str
    jobs_queue_url: str
    notify_queue_url: str
    kms_key_id: str
    jwt_secret_name: str
    jwt_issuer: str
    jwt_audience: str
    access_token_ttl_s: int
    refresh_token_ttl_s: int
    cors_origin: str | None
    # Offline by default: "synthetic" | "replay" | "binance".
    market_source: str
    # "paper-only" refuses live bots; "testnet" / "mainnet" / a custom base URL select Binance.
    binance_env: str
    binance_base_url: str | None
    egress_id: str
    login_max_per_account: int
    login_max_per_ip: int
    login_window_s: int
    schedule_shards: int
    extra: Mapping[str, str] = field(default_factory=dict)

    def table(self, name: str) -> str:
        return f"{self.table_prefix}-{name}"


def _queue_url(env: Mapping[str, str], var: str, region: str, account: str, name: str, endpoint: str | None) -> str:
    if env.get(var):
        return env[var]
    base = endpoint.rstrip("/") if endpoint else f"https://sqs.{region}.amazonaws.com"
    return f"{base}/{account}/{name}"


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    env = os.environ if env is None else env
    app = env.get("APP_NAME", "tradebot")
    stage = env.get("STAGE", "dev")
    region = env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or "us-east-1"
    account = env.get("AWS_ACCOUNT_ID", "123456789012")
    endpoint = env.get("AWS_ENDPOINT_URL") or None
    prefix = env.get("TABLE_PREFIX", f"{app}-{stage}")
    return Settings(
        app_name=app,
        stage=stage,
        region=region,
        account_id=account,
        aws_endpoint_url=endpoint,
        local_mode=_bool(env, "LOCAL_MODE", endpoint is not None),
        table_prefix=prefix,
        artifacts_bucket=env.get("ARTIFACTS_BUCKET", f"{app}-{stage}-artifacts-{account}"),
        tick_queue_url=_queue_url(env, "TICK_QUEUE_URL", region, account, f"{app}-{stage}-ticks", endpoint),
        jobs_queue_url=_queue_url(env, "JOBS_QUEUE_URL", region, account, f"{app}-{stage}-jobs", endpoint),
        notify_queue_url=_queue_url(env, "NOTIFY_QUEUE_URL", region, account, f"{app}-{stage}-notify", endpoint),
        kms_key_id=env.get("KMS_KEY_ID", f"alias/{app}-{stage}-exchange-secrets"),
        jwt_secret_name=env.get("JWT_SECRET_NAME", f"{app}/{stage}/jwt-signing-key"),
        jwt_issuer=env.get("JWT_ISSUER", f"{app}-{stage}"),
        jwt_audience=env.get("JWT_AUDIENCE", f"{app}-api"),
        access_token_ttl_s=_int(env, "ACCESS_TOKEN_TTL_S", 900),
        refresh_token_ttl_s=_int(env, "REFRESH_TOKEN_TTL_S", 30 * 24 * 3600),
        cors_origin=env.get("CORS_ORIGIN") or None,
        market_source=env.get("MARKET_SOURCE", "synthetic"),
        binance_env=env.get("BINANCE_ENV", "testnet"),
        binance_base_url=env.get("BINANCE_BASE_URL") or None,
        egress_id=env.get("EGRESS_ID", "default"),
        login_max_per_account=_int(env, "LOGIN_MAX_PER_ACCOUNT", 5),
        login_max_per_ip=_int(env, "LOGIN_MAX_PER_IP", 20),
        login_window_s=_int(env, "LOGIN_WINDOW_S", 300),
        schedule_shards=_int(env, "SCHEDULE_SHARDS", 16),
        extra={k: v for k, v in env.items() if k.startswith("TRADEBOT_")},
    )


def mail_sender(cfg: Settings) -> str:
    """The stage's sender address: an SES identity, the only one the API's IAM policy may send from
    (.chalice/config.json sets TRADEBOT_MAIL_FROM per stage; locally provisioning verifies it in moto)."""
    return cfg.extra.get("TRADEBOT_MAIL_FROM") or f"no-reply@{cfg.app_name}-{cfg.stage}.example.com"


@lru_cache(maxsize=1)
def settings() -> Settings:
    return load_settings()
