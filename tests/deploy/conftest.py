"""Shared fixtures of the offline deploy checks: one `chalice package --stage prod` per session (the slow
part, ~20 s; Chalice caches dependency zips in .chalice/deployments), post-processed like deploy does."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from infra import package_template

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
REPORT: dict[str, Any] = {}


def clean_env(**extra: str) -> dict[str, str]:
    """A subprocess environment without the test session's stage, endpoint or local-mode settings."""
    keep = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "PIP_FIND_LINKS", "PIP_CERT", "PIP_DEFAULT_TIMEOUT")
    env = {k: os.environ[k] for k in keep if k in os.environ}
    env.update(
        {
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "PYTHONDONTWRITEBYTECODE": "1",
        }
    )
    env.update(extra)
    return env


def chalice_package(project_dir: Path, stage: str, out_dir: Path) -> None:
    result = subprocess.run(
        [str(BIN / "chalice"), "package", "--stage", stage, str(out_dir)],
        cwd=project_dir,
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, f"chalice package failed:\n{result.stdout}\n{result.stderr}"


def cfn_lint(*paths: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN / "cfn-lint"), "--format", "parseable", *map(str, paths)],
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture(scope="session")
def packaged(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, package_template.PackageSummary]]:
    """`chalice package --stage prod` of this repository, post-processed by infra/package_template.py."""
    out = tmp_path_factory.mktemp("chalice-package") / "prod"
    chalice_package(REPO, "prod", out)
    summary = package_template.process(out)
    yield out, summary


@pytest.fixture(scope="session")
def sam(packaged: tuple[Path, package_template.PackageSummary]) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((packaged[0] / package_template.SAM_TEMPLATE).read_text())
    return data


@pytest.fixture(scope="session")
def lambda_tree(
    packaged: tuple[Path, package_template.PackageSummary], tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Path]:
    """The package laid out as Lambda does: /var/task (function), /opt/python (layer), then the runtime's
    own boto3/botocore (linked from this venv, standing in for the runtime's copies)."""
    from bench.cold_start import extract_tree

    out = packaged[0]
    root = tmp_path_factory.mktemp("lambda")
    return extract_tree(out / package_template.FUNCTION_ZIP, out / package_template.LAYER_ZIP, root)


@pytest.fixture(scope="session")
def jobs_tree(
    packaged: tuple[Path, package_template.PackageSummary], tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Path]:
    """The jobs worker's layout: the shared layer with the jobs layer over it."""
    from bench.cold_start import extract_tree

    out = packaged[0]
    root = tmp_path_factory.mktemp("lambda-jobs")
    function, layer = out / package_template.FUNCTION_ZIP, out / package_template.LAYER_ZIP
    return extract_tree(function, layer, root, out / package_template.JOBS_LAYER_ZIP)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if REPORT:
        terminalreporter.section("deploy package report")
        for key, value in REPORT.items():
            terminalreporter.write_line(f"{key}: {value}")
