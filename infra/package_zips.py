"""The zips of `chalice package`, pruned: what Lambda never imports is dropped (the boto3/botocore the runtime
already provides, test suites, type stubs, C headers, numpy's test-only extension modules) and shared objects are
stripped of debug symbols, so the package stays small and cold starts stay short. Run by infra/package_template.py.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

# Provided by the Lambda Python runtime; pynamodb pulls botocore in (21 MB) but the runtime's copy is used.
RUNTIME_PROVIDED = frozenset({"boto3", "botocore", "s3transfer"})
# Whole directories Lambda never imports.
DROP_DIRS = frozenset({"tests", "__pycache__", "SelfTest"})
DROP_SUFFIXES = (".pyi", ".pyc", ".h", ".a", ".c", ".pyx", ".pxd")
# Relative to site-packages. numpy's test-only extension modules and build tooling; the swagger UI bundle
# of Powertools' own API resolver, which this Chalice app does not use.
DROP_PREFIXES = (
    "numpy/f2py/",
    "numpy/distutils/",
    "numpy/_pyinstaller/",
    "numpy/_core/include/",
    "numpy/_core/lib/",
    "numpy/_core/_simd.",
    "numpy/_core/_multiarray_tests.",
    "numpy/_core/_umath_tests.",
    "numpy/_core/_rational_tests.",
    "numpy/_core/_struct_ufunc_tests.",
    "numpy/_core/_operand_flag_tests.",
    "aws_lambda_powertools/event_handler/openapi/swagger_ui/",
)
# A Chalice layer zip keeps its packages under this prefix; the function zip has them at the root.
LAYER_SITE = "python/lib/"


def _site_relative(name: str) -> str:
    """`python/lib/python3.11/site-packages/numpy/x.py` -> `numpy/x.py`; function-zip names pass through."""
    if name.startswith(LAYER_SITE):
        parts = name.split("/", 4)
        return parts[4] if len(parts) == 5 else ""
    return name


def should_drop(name: str) -> bool:
    rel = _site_relative(name)
    if not rel:
        return False
    path = PurePosixPath(rel)
    top = path.parts[0]
    if top in RUNTIME_PROVIDED or (top.split("-")[0] in RUNTIME_PROVIDED and top.endswith(".dist-info")):
        return True
    if any(part in DROP_DIRS for part in path.parts[:-1]):
        return True
    return rel.endswith(DROP_SUFFIXES) or rel.startswith(DROP_PREFIXES)


def _is_shared_object(name: str, data: bytes) -> bool:
    base = PurePosixPath(name).name
    return (base.endswith(".so") or ".so." in base) and data[:4] == b"\x7fELF"


def _auditwheel_repaired(names: list[str]) -> set[str]:
    """Top-level names whose shared objects auditwheel rewrote with patchelf (`numpy` and `numpy.libs` when
    `numpy.libs/` exists). `strip` corrupts patchelf'd ELF files ("ELF load command address/offset not
    page-aligned" at import), so those are left as shipped."""
    libs = {PurePosixPath(_site_relative(n)).parts[0] for n in names if _site_relative(n)}
    libs = {top for top in libs if top.endswith(".libs")}
    return libs | {top.removesuffix(".libs") for top in libs}


def _strip(data: bytes, strip_bin: str) -> bytes:
    with tempfile.NamedTemporaryFile(suffix=".so") as tmp:
        tmp.write(data)
        tmp.flush()
        result = subprocess.run(  # noqa: S603 - fixed binary, our own temp file
            [strip_bin, "--strip-unneeded", tmp.name], capture_output=True, check=False
        )
        return Path(tmp.name).read_bytes() if result.returncode == 0 else data


@dataclass
class PruneReport:
    before_bytes: int = 0
    after_bytes: int = 0
    dropped_files: int = 0
    stripped_files: int = 0
    dropped_top: dict[str, int] = field(default_factory=dict)
    bytecode_bytes: int = 0  # the compiled __pycache__ added after pruning (infra/package_bytecode.py)

    @property
    def before_mb(self) -> float:
        return round(self.before_bytes / 1e6, 1)

    @property
    def after_mb(self) -> float:
        return round(self.after_bytes / 1e6, 1)


def prune_zip(path: Path, strip_symbols: bool = True) -> PruneReport:
    """Rewrite `path` in place without what `should_drop` names, shared objects stripped when `strip`
    exists. Safe to rerun (a pruned zip prunes to itself)."""
    report = PruneReport()
    strip_bin = shutil.which("strip") if strip_symbols else None
    out_path = path.with_suffix(".pruning")
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(out_path, "w", zipfile.ZIP_DEFLATED) as dst:
        repaired = _auditwheel_repaired(src.namelist())
        for info in src.infolist():
            report.before_bytes += info.file_size
            if should_drop(info.filename):
                report.dropped_files += 1
                top = PurePosixPath(_site_relative(info.filename)).parts[0]
                report.dropped_top[top] = report.dropped_top.get(top, 0) + info.file_size
                continue
            data = src.read(info)
            top = PurePosixPath(_site_relative(info.filename)).parts[0]
            if strip_bin and top not in repaired and _is_shared_object(info.filename, data):
                stripped = _strip(data, strip_bin)
                if len(stripped) < len(data):
                    report.stripped_files += 1
                data = stripped
            entry = zipfile.ZipInfo(info.filename, date_time=info.date_time)
            entry.external_attr = info.external_attr
            entry.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(entry, data)
            report.after_bytes += len(data)
    out_path.replace(path)
    return report


def unzipped_bytes(path: Path, bytecode: bool = True) -> int:
    """The zip's files, unzipped; `bytecode=False`: without the compiled `.pyc` added after pruning."""
    with zipfile.ZipFile(path) as zf:
        return sum(i.file_size for i in zf.infolist() if bytecode or not i.filename.endswith(".pyc"))
