"""Test environment: dummy AWS credentials and stage `test`, set before anything imports chalicelib (pynamodb
models bind their table names at import). The `aws` fixture provisions infra/stack.yaml once per session in
an in-process moto; tests isolate themselves by creating their own users and ids."""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SECURITY_TOKEN": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
    "APP_NAME": "tradebot",
    "STAGE": "test",
    "LOCAL_MODE": "true",
    "POWERTOOLS_TRACE_DISABLED": "true",
    "POWERTOOLS_METRICS_DISABLED": "true",
    "POWERTOOLS_SERVICE_NAME": "tradebot",
    "POWERTOOLS_LOG_LEVEL": "WARNING",
    "LOGIN_MAX_PER_ACCOUNT": "5",
    "LOGIN_MAX_PER_IP": "50",
    # Every test signs up from the test client's one address; tests of the limit set their own.
    "TRADEBOT_REGISTER_PER_ADDRESS": "1000000",
    "TRADEBOT_LOGIN_ACCOUNT_CEILING": "1000000",
}
for _key, _value in _ENV.items():
    os.environ[_key] = _value
os.environ.pop("AWS_ENDPOINT_URL", None)
os.environ.pop("AWS_PROFILE", None)

REPO = Path(__file__).resolve().parents[1]
SHARED_MARKET = REPO.parent / "shared" / "data" / "market"

warnings.filterwarnings("ignore", message=".*Moto CloudFormation support.*")
warnings.filterwarnings("ignore", message=".*not supported by moto's CloudFormation.*")


@pytest.fixture(scope="session")
def aws() -> Iterator[dict[str, str]]:
    """The stack of infra/stack.yaml in an in-process moto, shared by the session."""
    from moto import mock_aws

    from infra.local.moto_fixes import patch_moto
    from infra.local.provision import provision

    patch_moto()
    with mock_aws():
        yield provision(stage="test")


@pytest.fixture()
def api(aws: dict[str, str]) -> Iterator[Any]:
    """A Chalice test client on the real app, services built from the moto-backed container."""
    from chalice.test import Client

    from app import app
    from chalicelib import bootstrap

    bootstrap.use(None)
    with Client(app, stage_name="dev", project_dir=str(REPO)) as client:
        # The stage's environment from .chalice/config.json must not override the test stage.
        os.environ["STAGE"] = "test"
        yield client.http
    bootstrap.use(None)
