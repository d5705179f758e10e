"""The house rules of issue 13, held by a test: small modules and functions, AWS only in adapters, adapters
import ports not services, and one home for each shared concept."""

from __future__ import annotations

import ast
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2] / "chalicelib"
MAX_MODULE_LINES = 300
MAX_FUNCTION_LINES = 40
AWS_LIBRARIES = ("boto3", "botocore", "pynamodb")
# What an adapter may import from the service layer: the interfaces it implements and the queue bodies.
ADAPTER_MAY_IMPORT = ("chalicelib.services.ports", "chalicelib.services.messages")


def _modules() -> list[pathlib.Path]:
    return sorted(ROOT.rglob("*.py"))


def _tree(path: pathlib.Path) -> ast.Module:
    return ast.parse(path.read_text(), filename=str(path))


def _imports(tree: ast.Module) -> list[str]:
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
    return names


def _rel(path: pathlib.Path) -> str:
    return path.relative_to(ROOT.parent).as_posix()


def test_the_layout_is_found() -> None:
    assert len(_modules()) > 100


def test_no_module_is_over_300_lines() -> None:
    long = {_rel(p): n for p in _modules() if (n := len(p.read_text().splitlines())) > MAX_MODULE_LINES}
    assert long == {}


def test_no_function_is_over_40_lines() -> None:
    long = {}
    for path in _modules():
        for node in ast.walk(_tree(path)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                lines = (node.end_lineno or node.lineno) - node.lineno + 1
                if lines > MAX_FUNCTION_LINES:
                    long[f"{_rel(path)}:{node.name}"] = lines
    assert long == {}


def test_only_adapters_import_aws_libraries() -> None:
    offenders = [
        f"{_rel(p)}: {name}"
        for p in _modules()
        if "adapters" not in p.relative_to(ROOT).parts
        for name in _imports(_tree(p))
        if name.split(".")[0] in AWS_LIBRARIES
    ]
    assert offenders == []


def test_adapters_import_no_service_module() -> None:
    offenders = [
        f"{_rel(p)}: {name}"
        for p in (ROOT / "adapters").rglob("*.py")
        for name in _imports(_tree(p))
        if name.startswith("chalicelib.services") and not name.startswith(ADAPTER_MAY_IMPORT)
    ]
    assert offenders == []


@pytest.mark.parametrize("name", ["Side", "Fill", "MarketData", "iso_utc"])
def test_one_definition_of_each_shared_concept(name: str) -> None:
    homes = [
        _rel(p)
        for p in _modules()
        for node in _tree(p).body
        if isinstance(node, ast.ClassDef | ast.FunctionDef) and node.name == name
    ]
    assert len(homes) == 1, homes


def test_the_domain_imports_no_outer_layer_and_no_io_library() -> None:
    forbidden = ("chalicelib.services", "chalicelib.adapters", "chalicelib.api", "chalicelib.bootstrap", "binance")
    forbidden += ("urllib", "http", "requests", "chalice", *AWS_LIBRARIES)
    offenders = [
        f"{_rel(p)}: {name}"
        for p in (ROOT / "domain").rglob("*.py")
        for name in _imports(_tree(p))
        if name in forbidden or name.startswith(tuple(f"{f}." for f in forbidden))
    ]
    assert offenders == []
