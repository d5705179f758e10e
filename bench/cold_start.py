"""Cold import of each Lambda function's handler in the package as Lambda lays it out: /var/task (the
function zip), /opt/python (the dependency layer), then the runtime's own boto3/botocore (linked from this
venv). Each figure is the median of fresh interpreters that see nothing else (`python -S -E`); the event
functions (run_ticks, dispatch_ticks, ...) import what run_ticks does, `app` then chalicelib.workers on the
first event. A reference import of pinned libraries the app cannot change runs interleaved with them, so a
loaded machine slows both and the ratio stays comparable (tests/deploy/test_cold_import.py).

    .venv/bin/python -m bench.cold_start [--runs 10]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SITE = "python/lib/python3.11/site-packages"
RUNTIME_MODULES = ("boto3", "botocore", "s3transfer", "jmespath", "dateutil", "urllib3", "six.py")
# What a handler's cold start imports: `app` (every handler lives there), then what its first event imports.
FUNCTIONS = {"api_handler": "import app", "run_ticks": "import app; import chalicelib.workers"}
REFERENCE = "import botocore.session, pydantic, chalice.app"
BASELINE = REPO / "tests" / "deploy" / "cold_import_baseline.json"


def extract_tree(function_zip: Path, layer_zip: Path, root: Path, *more_layers: Path) -> dict[str, Path]:
    """The function's zip in task/, its layers one over the other in opt/ (as Lambda merges them in /opt)."""
    task, opt, runtime = root / "task", root / "opt", root / "runtime"
    for path, zip_path in ((task, function_zip), (opt, layer_zip), *((opt, more) for more in more_layers)):
        with zipfile.ZipFile(zip_path) as zf:
            zf.extractall(path)
    runtime.mkdir(exist_ok=True)
    venv_site = Path(next(p for p in sys.path if p.endswith("site-packages")))
    for name in RUNTIME_MODULES:
        if not (runtime / name).exists():
            (runtime / name).symlink_to(venv_site / name)
    return {"task": task, "opt": opt / SITE, "runtime": runtime}


def lambda_env(function: str, **extra: str) -> dict[str, str]:
    env = {k: os.environ[k] for k in ("PATH", "HOME", "LANG", "TMPDIR") if k in os.environ}
    env.update(AWS_DEFAULT_REGION="us-east-1", AWS_REGION="us-east-1", AWS_ACCESS_KEY_ID="testing",
               AWS_SECRET_ACCESS_KEY="testing", APP_NAME="tradebot", STAGE="prod", PYTHONDONTWRITEBYTECODE="1",
               AWS_LAMBDA_FUNCTION_NAME=f"tradebot-prod-{function}", POWERTOOLS_TRACE_DISABLED="true")  # fmt: skip
    env.update(extra)
    return env


def run_isolated(
    tree: dict[str, Path], code: str, function: str = "api_handler", *flags: str
) -> subprocess.CompletedProcess[str]:
    """`code` in a fresh interpreter that sees only the Lambda tree (no venv site-packages). `-B`: Lambda's
    /var/task and /opt are read-only, so no run may leave bytecode behind for the next one to reuse; what is
    not compiled in the package is compiled at every cold start (infra/package_bytecode.py)."""
    path = [str(tree[key]) for key in ("task", "opt", "runtime", "extra") if key in tree]
    prelude = f"import sys; sys.path[:0] = {path!r}; "
    return subprocess.run(
        [sys.executable, "-S", "-E", "-B", *flags, "-c", prelude + code],
        cwd=tree["task"], env=lambda_env(function), capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def import_ms(tree: dict[str, Path], imports: str, function: str) -> float:
    timed = f"import time; t = time.perf_counter(); {imports}; print((time.perf_counter() - t) * 1000)"
    result = run_isolated(tree, timed, function)
    if result.returncode != 0:
        raise RuntimeError(f"{function}: {imports} failed:\n{result.stderr}")
    return float(result.stdout.strip().splitlines()[-1])


def measure(tree: dict[str, Path], runs: int) -> dict[str, list[float]]:
    """Interleaved: each round runs the reference and every function once, so load hits them alike."""
    times: dict[str, list[float]] = {"reference": [], **{name: [] for name in FUNCTIONS}}
    for _ in range(runs):
        times["reference"].append(import_ms(tree, REFERENCE, "api_handler"))
        for name, imports in FUNCTIONS.items():
            times[name].append(import_ms(tree, imports, name))
    return times


def summary(times: dict[str, list[float]]) -> dict[str, dict[str, float]]:
    reference = statistics.median(times["reference"])
    return {
        name: {"median_ms": round(statistics.median(values), 1),
               "ratio": round(statistics.median(values) / reference, 3)}
        for name, values in times.items()
    }  # fmt: skip


def build(out: Path, project: Path = REPO) -> dict[str, Path]:
    """`chalice package --stage prod`, post-processed as deploy does, laid out as Lambda does."""
    sys.path.insert(0, str(REPO))
    from infra import package_template

    env = lambda_env("api_handler")
    for key in ("AWS_LAMBDA_FUNCTION_NAME", "APP_NAME", "STAGE"):
        env.pop(key)
    chalice = Path(sys.executable).parent / "chalice"
    subprocess.run([str(chalice), "package", "--stage", "prod", str(out / "pkg")], cwd=project, env=env,
                   check=True, capture_output=True, timeout=900)  # fmt: skip
    package_template.process(out / "pkg")
    pkg = out / "pkg"
    return extract_tree(pkg / package_template.FUNCTION_ZIP, pkg / package_template.LAYER_ZIP, out / "lambda")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--project", type=Path, default=REPO, help="the Chalice project to package")
    parser.add_argument("--write-baseline", action="store_true", help=f"record the figures in {BASELINE.name}")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tree = build(Path(tmp), args.project)
        figures = summary(measure(tree, args.runs))
        from infra.package_template import JOBS_LAYER_ZIP, LAYER_ZIP, unzipped_bytes

        layer, jobs = Path(tmp, "pkg", LAYER_ZIP), Path(tmp, "pkg", JOBS_LAYER_ZIP)
        layer_mb, jobs_mb = unzipped_bytes(layer, bytecode=False) / 1e6, unzipped_bytes(jobs, bytecode=False) / 1e6
        layer_pyc, jobs_pyc = unzipped_bytes(layer) / 1e6 - layer_mb, unzipped_bytes(jobs) / 1e6 - jobs_mb
    print(f"\nCold import in the Lambda package layout (fresh interpreter, median of {args.runs})")
    for name, row in figures.items():
        print(f"  {name:<14}{row['median_ms']:>9.0f} ms   {row['ratio']:>6.2f} x reference ({REFERENCE})")
    print(f"  dependency layer, unzipped: {layer_mb:.1f} MB + {layer_pyc:.1f} MB bytecode (every function); "
          f"jobs layer: {jobs_mb:.1f} MB + {jobs_pyc:.1f} MB bytecode (run_jobs)")
    if args.write_baseline:
        BASELINE.write_text(
            json.dumps({"runs": args.runs, "reference": REFERENCE, "functions": figures}, indent=2) + "\n"
        )


if __name__ == "__main__":
    main()
