"""The jobs worker's own layer. Chalice builds one dependency layer from requirements.txt and gives it to every
function; Optuna and what it alone pulls in (SQLAlchemy, alembic, Mako, PyYAML, ...) are imported only by the
jobs worker's optimization coordinator (chalicelib/services/optimizations/sampler.py), so `split_jobs_layer`
moves them to a second layer that only `run_jobs` loads, and the layer every other function loads shrinks.

What moves is computed from the wheels' own metadata in the layer: the distributions the jobs-only
requirements need (their `Requires-Dist` closure, markers evaluated for Lambda's python3.11 on Linux x86_64,
no extras) that no other requirement needs; each moves with exactly the files its RECORD lists."""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, field
from email.parser import Parser
from pathlib import Path, PurePosixPath
from typing import Any

JOBS_LAYER_ZIP = "jobs-layer-deployment.zip"
JOBS_LAYER_ID = "JobsLayer"
JOBS_HANDLER = "app.run_jobs"
# Requirements only the jobs worker imports (requirements.txt says why each is there).
JOBS_ONLY = frozenset({"optuna"})
SITE = "python/lib/python3.11/site-packages/"
# Lambda's python3.11 runtime, for evaluating the markers of `Requires-Dist`.
LAMBDA_ENVIRONMENT = {
    "python_version": "3.11", "python_full_version": "3.11.0", "implementation_name": "cpython",
    "platform_python_implementation": "CPython", "sys_platform": "linux", "platform_system": "Linux",
    "platform_machine": "x86_64", "os_name": "posix", "extra": "",
}  # fmt: skip


def canonical(name: str) -> str:
    """PEP 503: `PyYAML` and `pyyaml`, `typing_extensions` and `typing-extensions` are one distribution."""
    return re.sub(r"[-_.]+", "-", name).lower()


@dataclass
class Dist:
    name: str
    requires: list[str] = field(default_factory=list)
    files: set[str] = field(default_factory=set)  # zip entry names


def _requirement(line: str) -> str | None:
    """The distribution a `Requires-Dist` line needs on Lambda, or None (an extra, another platform)."""
    from packaging.requirements import Requirement

    req = Requirement(line)
    if req.marker is not None and not req.marker.evaluate(LAMBDA_ENVIRONMENT):
        return None
    return canonical(req.name)


def layer_dists(names: list[str], read: Any) -> dict[str, Dist]:
    """The distributions in a layer zip, by canonical name (`read(name)` gives an entry's text)."""
    dists: dict[str, Dist] = {}
    for name in names:
        if not (name.startswith(SITE) and name.endswith(".dist-info/METADATA")):
            continue
        meta = Parser().parsestr(read(name))
        requires = [r for line in meta.get_all("Requires-Dist") or [] if (r := _requirement(line))]
        dist = Dist(canonical(meta["Name"]), requires)
        record = name.removesuffix("METADATA") + "RECORD"
        for row in read(record).splitlines() if record in names else []:
            path = row.rsplit(",", 2)[0]
            if path and not path.startswith(".."):
                dist.files.add(SITE + str(PurePosixPath(path)))
        dist.files.add(name)
        dists[dist.name] = dist
    return dists


def closure(roots: set[str], dists: dict[str, Dist]) -> set[str]:
    seen: set[str] = set()
    todo = [canonical(r) for r in roots]
    while todo:
        name = todo.pop()
        if name in seen or name not in dists:
            continue
        seen.add(name)
        todo.extend(dists[name].requires)
    return seen


def requirement_names(requirements: Path) -> set[str]:
    names = set()
    for line in requirements.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line and not line.startswith("-"):
            names.add(canonical(re.split(r"[\s<>=!~;\[]", line, maxsplit=1)[0]))
    return names


@dataclass
class SplitReport:
    moved: list[str]  # distributions
    moved_bytes: int


def split_jobs_layer(layer_zip: Path, jobs_zip: Path, requirements: Path) -> SplitReport:
    """Move the jobs-only distributions from `layer_zip` into `jobs_zip` (both rewritten). Idempotent: a
    layer already without them moves nothing and leaves `jobs_zip` as it is."""
    with zipfile.ZipFile(layer_zip) as src:
        names = src.namelist()
        dists = layer_dists(names, lambda n: src.read(n).decode("utf-8", "replace"))
        shared = closure(requirement_names(requirements) - JOBS_ONLY, dists)
        moved = sorted(closure(set(JOBS_ONLY), dists) - shared)
        files = set().union(*(dists[d].files for d in moved)) if moved else set()
        if not files & set(names):
            return SplitReport([], 0)
        kept_path, size = layer_zip.with_suffix(".splitting"), 0
        with zipfile.ZipFile(kept_path, "w", zipfile.ZIP_DEFLATED) as kept, \
                zipfile.ZipFile(jobs_zip, "w", zipfile.ZIP_DEFLATED) as jobs:  # fmt: skip
            for info in src.infolist():
                target = jobs if info.filename in files else kept
                size += info.file_size if target is jobs else 0
                target.writestr(info, src.read(info))
    kept_path.replace(layer_zip)
    return SplitReport(moved, size)


def add_jobs_layer(template: dict[str, Any]) -> list[str]:
    """A `JobsLayer` beside Chalice's managed layer, loaded by the jobs worker only (after the managed one).
    Idempotent; returns the functions given it."""
    resources = template.get("Resources", {})
    managed = [(k, r) for k, r in resources.items() if r.get("Type") == "AWS::Serverless::LayerVersion"
               and r.get("Properties", {}).get("ContentUri") == "./layer-deployment.zip"]  # fmt: skip
    if not managed:
        return []
    managed_id, layer = managed[0]
    props = {**layer["Properties"], "ContentUri": f"./{JOBS_LAYER_ZIP}"}
    props["LayerName"] = str(props.get("LayerName", "managed-layer")).replace("managed-layer", "jobs-layer")
    resources[JOBS_LAYER_ID] = {"Type": "AWS::Serverless::LayerVersion", "Properties": props}
    changed = []
    for logical_id, resource in resources.items():
        fn = resource.get("Properties", {})
        if resource.get("Type") != "AWS::Serverless::Function" or fn.get("Handler") != JOBS_HANDLER:
            continue
        layers = fn.setdefault("Layers", [{"Ref": managed_id}])
        if {"Ref": JOBS_LAYER_ID} not in layers:
            layers.append({"Ref": JOBS_LAYER_ID})
            changed.append(logical_id)
    return changed
