"""infra/deploy.py in --dry-run: the commands it would run, in order, and the build copy it renders."""

from __future__ import annotations

import json
from pathlib import Path

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


def _runner() -> deploy.Runner:
    described = {"Stacks": [{"Outputs": [{"OutputKey": k, "OutputValue": v} for k, v in OUTPUTS.items()]}]}
    return deploy.Runner(
        dry_run=True,
        canned={
            "aws sts get-caller-identity": json.dumps({"Account": "111122223333"}),
            "aws cloudformation describe-stacks": json.dumps(described),
        },
        env={"AWS_REGION": "eu-west-1"},
    )


def test_deploy_runs_the_stacks_in_order_and_renders_the_build_copy(tmp_path: Path) -> None:
    run = _runner()
    deploy.deploy("prod", run, tmp_path)
    deployed = [c[c.index("--stack-name") + 1] for c in run.log if c[:3] == ["aws", "cloudformation", "deploy"]]
    assert deployed == ["tradebot-prod", "tradebot-prod-app", "tradebot-prod-observability", "tradebot-prod-edge"]
    assert any(c[1:3] == ["package", "--stage"] for c in run.log)  # chalice package
    assert run.log[-1][:3] == ["aws", "cloudfront", "create-invalidation"]
    config = json.loads((tmp_path / "prod" / "project" / ".chalice" / "config.json").read_text())
    env = config["stages"]["prod"]["environment_variables"]
    assert env["TICK_QUEUE_URL"] == OUTPUTS["TickQueueUrl"] and env["AWS_ACCOUNT_ID"] == "111122223333"
    policy = (tmp_path / "prod" / "project" / ".chalice" / "policy-prod-run_ticks.json").read_text()
    assert ":*:*:" not in policy and OUTPUTS["ExchangeSecretsKeyArn"] in policy


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
    deleted = [c[-1] for c in run.log if c[:3] == ["aws", "cloudformation", "delete-stack"]]
    assert deleted == ["tradebot-prod-edge", "tradebot-prod-observability", "tradebot-prod-app", "tradebot-prod"]
