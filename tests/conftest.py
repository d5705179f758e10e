"""Test environment: dummy AWS credentials and stage `test`, set before anything imports chalicelib (pynamodb
models bind their table names at import). The `aws` fixture provisions infra/stack.yaml once per session in
an in-process moto; tests isolate themselves by creating their own users and ids."""

from __future__ import annotations

import os
import sys
import warnings
from collections import Counter
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
        outputs = provision(stage="test")
        _AWS_UP.append(True)
        yield outputs
    _AWS_UP.clear()


_AWS_UP: list[bool] = []  # the session's moto is up: there may be bots running in it


@pytest.fixture(scope="module", autouse=True)
def _retire_other_files_bots(request: pytest.FixtureRequest) -> None:
    """A test file starts with no bot of another file still scheduled. The session's moto outlives each file, and
    a test's dispatch takes every due bot in it: an earlier file's running bots would tick on under this file's
    clock and fakes, and their failures, fills and notifications land in its queues and counts. Which files share
    a process depends on the run (one process, or xdist's workers), so every file retires them on arrival."""
    if not _AWS_UP or "/tests/unit/" in str(request.path):
        return
    from chalicelib.adapters.dynamo.bots import BotModel

    for bot in BotModel.scan(BotModel.sched_shard.exists()):
        bot.update(actions=[BotModel.sched_shard.remove(), BotModel.status.set("stopped")])


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


# `make test` runs pytest on every core (pytest-xdist: `-n auto --dist loadfile`). Each worker is a process of
# its own, with its own in-process moto (the `aws` fixture) and free ports, so workers share no AWS state. The
# unit of work is a test file, as with xdist's loadfile (module fixtures and the order within a file stay), but:
# - a directory whose files share one expensive session fixture runs on one worker, once: tests/e2e (the one
#   platform every browser flow runs on) and tests/deploy (one `chalice package` of this repository, which
#   also writes Chalice's cache under .chalice/deployments: two at once would race on it);
# - the longest units start first, so no worker is left with a long one at the end while the other idles.
_ONE_WORKER_DIRS = ("tests/e2e/", "tests/deploy/")
_LONGEST_FIRST = (  # measured with --durations: the browser flows wait on the accelerated market clock
    "tests/e2e/",
    "tests/integration/local/test_drift_scheduler.py",
    "tests/integration/bots/test_drift_api.py",
    "tests/integration/bots/test_drift_jobs_api.py",
    "tests/integration/bots/test_drift_faults.py",
    "tests/security/test_fuzz_api.py",
    "tests/deploy/",
    "tests/security/test_shared_budget.py",
    "tests/integration/bots/test_trades_and_notifications.py",
    "tests/integration/local/test_clock_restart.py",
    "tests/reliability/test_tick_faults.py",
)


def _work_unit(nodeid: str) -> str:
    path = nodeid.split("::", 1)[0]
    return next((d for d in _ONE_WORKER_DIRS if path.startswith(d)), path)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """schemathesis names each operation's test `test_x[GET /path]` but gives every one of them the node id of
    the function. xdist keys tests by node id, so it would run one of them and drop the rest without a word:
    each gets the node id its name says, and a worker refuses to run any other duplicate."""
    from _pytest.nodeid import coerce_node_id  # pytest 9 keeps the id structured; no public setter

    ids = Counter(item.nodeid for item in items)
    for item in items:
        if ids[item.nodeid] > 1 and item.name != item.nodeid.rsplit("::", 1)[-1]:
            item._id = coerce_node_id(f"{item.nodeid.rsplit('::', 1)[0]}::{item.name}")  # type: ignore[attr-defined]
    duplicates = sorted(nodeid for nodeid, n in Counter(item.nodeid for item in items).items() if n > 1)
    if duplicates and hasattr(config, "workerinput"):
        raise pytest.UsageError(f"tests share a node id, xdist would run only one of each: {duplicates[:5]}")


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    if config.getvalue("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class FileScheduling(LoadScopeScheduling):  # type: ignore[misc]
        """xdist's loadfile with the directories above as one unit each, the longest units first."""

        _ordered = False

        def _split_scope(self, nodeid: str) -> str:
            return _work_unit(nodeid)

        def _assign_work_unit(self, node: Any) -> None:
            if not self._ordered:
                self._ordered = True
                for scope in reversed([s for p in _LONGEST_FIRST for s in self.workqueue if s.startswith(p)]):
                    self.workqueue.move_to_end(scope, last=False)
            super()._assign_work_unit(node)

    return FileScheduling(config, log)


# Under xdist the tests run in the workers, whose terminal-summary hooks print nowhere: the deploy checks'
# report (tests/deploy/conftest.py REPORT) is handed to the controller with the worker's output and shown there.
_WORKER_REPORTS: dict[str, str] = {}


def pytest_sessionfinish(session: pytest.Session) -> None:
    workeroutput = getattr(session.config, "workeroutput", None)
    deploy = sys.modules.get("tests.deploy.conftest")
    if workeroutput is not None and deploy is not None and deploy.REPORT:
        workeroutput["deploy_report"] = {str(k): str(v) for k, v in deploy.REPORT.items()}


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: Any) -> None:
    _WORKER_REPORTS.update(getattr(node, "workeroutput", {}).get("deploy_report", {}))


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if _WORKER_REPORTS:
        terminalreporter.section("deploy package report")
        for key, value in _WORKER_REPORTS.items():
            terminalreporter.write_line(f"{key}: {value}")
