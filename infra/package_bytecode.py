"""Compiled bytecode in the Lambda zips.

Lambda runs the function zip from /var/task and the layers from /opt, both read-only: Python cannot write the
`__pycache__` it would normally reuse, so a package shipped as source compiles every module it imports on every
cold start (measured: the API's and the worker's cold import about twice as long, docs/cost.md). Each `.py` gets
its `__pycache__/<name>.<cache tag>.pyc`, compiled with the path it will have on Lambda (so tracebacks find the
source) and hash-based without checking (PEP 552): a timestamp pyc would be stale whenever the zip's 2-second
timestamps round the source's mtime, and nothing changes a deployed package's sources. The interpreter that runs
this is the one `chalice package` ran with, and Chalice sets the functions' runtime to its version
(tests/deploy/test_package.py: python3.11), so the bytecode is the runtime's.
"""

from __future__ import annotations

import py_compile
import sys
import tempfile
import zipfile
from pathlib import Path, PurePosixPath

FUNCTION_ROOT = "/var/task/"
LAYER_ROOT = "/opt/"


def pyc_name(source: str) -> str:
    """`a/b/c.py` -> `a/b/__pycache__/c.cpython-311.pyc` (this interpreter's cache tag), where import looks."""
    path = PurePosixPath(source)
    return str(path.parent / "__pycache__" / f"{path.stem}.{sys.implementation.cache_tag}.pyc").removeprefix("./")


def _compile(source: bytes, runtime_path: str, work: Path) -> bytes | None:
    src, out = work / "m.py", work / "m.pyc"
    src.write_bytes(source)
    try:
        py_compile.compile(
            str(src), cfile=str(out), dfile=runtime_path, doraise=True,
            invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH,
        )  # fmt: skip
    except py_compile.PyCompileError:
        return None  # not valid 3.11 source (a template, a Python 2 leftover): it would not import either
    return out.read_bytes()


def add_bytecode(zip_path: Path, root: str) -> int:
    """Rewrite `zip_path` with a compiled pyc beside each `.py` (`root`: where Lambda puts the zip's files);
    the bytes added."""
    added = 0
    out_path = zip_path.with_suffix(".compiling")
    with (
        tempfile.TemporaryDirectory() as tmp,
        zipfile.ZipFile(zip_path) as src,
        zipfile.ZipFile(out_path, "w", zipfile.ZIP_DEFLATED) as dst,
    ):
        names = set(src.namelist())
        for info in src.infolist():
            data = src.read(info)
            dst.writestr(info, data)
            if not info.filename.endswith(".py") or pyc_name(info.filename) in names:
                continue
            pyc = _compile(data, root + info.filename, Path(tmp))
            if pyc is None:
                continue
            entry = zipfile.ZipInfo(pyc_name(info.filename), date_time=info.date_time)
            entry.external_attr = info.external_attr
            entry.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(entry, pyc)
            added += len(pyc)
    out_path.replace(zip_path)
    return added
