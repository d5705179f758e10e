"""cfn-lint on every CloudFormation template in infra/ (no errors; warnings are shown, not fatal)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.deploy.conftest import REPO, cfn_lint

TEMPLATES = sorted((REPO / "infra").glob("*.yaml"))


def test_every_expected_template_exists() -> None:
    names = {p.name for p in TEMPLATES}
    assert {"stack.yaml", "edge.yaml", "observability.yaml", "network.yaml"} <= names


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: p.name)
def test_template_has_no_cfn_lint_errors(template: Path) -> None:
    # GIVEN a template WHEN cfn-lint reads it THEN it reports no errors (E-rules); warnings don't fail
    result = cfn_lint(template)
    errors = [line for line in result.stdout.splitlines() if ":E" in line]
    assert not errors, "\n".join(errors)
    assert result.returncode in (0, 4, 8), result.stderr  # 4 = warnings, 8 = informational only
