"""The Lambda zips carry compiled bytecode (infra/package_bytecode.py): Lambda's /var/task and /opt are read-only,
so what is not compiled in the package is compiled again at every cold start."""

from __future__ import annotations

import marshal
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

from infra import package_template
from infra.package_bytecode import LAYER_ROOT, add_bytecode, pyc_name
from infra.package_layers import JOBS_LAYER_ZIP

SITE = "python/lib/python3.11/site-packages"
UNCHECKED_HASH = 0b01  # PEP 552 flags: hash-based, source not checked
TAG = sys.implementation.cache_tag  # "cpython-311" here, as on the functions' python3.11


def _flags(pyc: bytes) -> int:
    return int.from_bytes(pyc[4:8], "little")


def test_each_module_gets_an_unchecked_hash_pyc_named_for_where_lambda_puts_it(tmp_path: Path) -> None:
    path = tmp_path / "layer.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(f"{SITE}/pkg/__init__.py", "")
        zf.writestr(f"{SITE}/pkg/mod.py", "def answer():\n    return 42\n")
        zf.writestr(f"{SITE}/pkg/template.py", "{% if x %}not python{% endif %}\n")  # ships, never imported
        zf.writestr(f"{SITE}/pkg/data.json", "{}")
    added = add_bytecode(path, LAYER_ROOT)
    with zipfile.ZipFile(path) as zf:
        names = set(zf.namelist())
        pyc = zf.read(f"{SITE}/pkg/__pycache__/mod.{TAG}.pyc")
    assert added > 0 and pyc_name(f"{SITE}/pkg/mod.py") == f"{SITE}/pkg/__pycache__/mod.{TAG}.pyc"
    assert {n for n in names if n.endswith(".pyc")} == {
        f"{SITE}/pkg/__pycache__/__init__.{TAG}.pyc", f"{SITE}/pkg/__pycache__/mod.{TAG}.pyc"
    }  # the template is not Python: left as source
    assert f"{SITE}/pkg/data.json" in names and f"{SITE}/pkg/mod.py" in names  # nothing else changes
    assert _flags(pyc) == UNCHECKED_HASH
    code = marshal.loads(pyc[16:])
    assert code.co_filename == f"/opt/{SITE}/pkg/mod.py"  # tracebacks name the file Lambda has
    assert add_bytecode(path, LAYER_ROOT) == 0  # a second run adds nothing


def test_the_import_uses_the_shipped_pyc_and_compiles_nothing(tmp_path: Path) -> None:
    """`-B` and a read-only tree, as on Lambda: the module's source is never compiled (a source that no longer
    matches its unchecked pyc is not even read)."""
    path = tmp_path / "function.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("handler.py", "VALUE = 'compiled'\n")
    add_bytecode(path, "/var/task/")
    task = tmp_path / "task"
    with zipfile.ZipFile(path) as zf:
        zf.extractall(task)
    (task / "handler.py").write_text("VALUE = 'source'\n")
    result = subprocess.run(
        [sys.executable, "-S", "-E", "-B", "-c", f"import sys; sys.path[:0] = [{str(task)!r}]; "
         "import handler; print(handler.VALUE)"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert result.stdout.strip() == "compiled"


def test_every_packaged_module_is_compiled(packaged: tuple[Path, Any]) -> None:
    out, summary = packaged
    for name in (package_template.FUNCTION_ZIP, package_template.LAYER_ZIP, JOBS_LAYER_ZIP):
        with zipfile.ZipFile(out / name) as zf:
            names = set(zf.namelist())
            missing = {n for n in names if n.endswith(".py") and pyc_name(n) not in names}
            assert not missing, (name, sorted(missing)[:20])
            compiled = [n for n in names if n.endswith(".pyc")]
            assert all(_flags(zf.read(n)) == UNCHECKED_HASH for n in compiled)
        assert summary.zips[name].bytecode_bytes > 0
    assert summary.total_unzipped_mb > sum(r.after_bytes for r in summary.zips.values()) / 1e6
