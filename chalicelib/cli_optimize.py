"""`python -m chalicelib.cli optimize`: a parameter search over a kline CSV, run through the same service,
coordinator, trial messages and views as `POST /api/v1/optimizations`, printing the job's `status` and
`result` as GET shows them (tests/integration/optimizations checks they are equal).

    python -m chalicelib.cli optimize --csv FILE --strategy sma_cross \\
        --space '{"fast": {"low": 5, "high": 30}, "slow": {"low": 20, "high": 120}}' --trials 200 --sampler tpe
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any


def _json(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise argparse.ArgumentTypeError(f"not JSON: {exc}") from None


def register(subparsers: Any) -> None:
    p = subparsers.add_parser("optimize", help="search a strategy's parameters over a Binance kline CSV file")
    p.add_argument("--csv", required=True, help="Binance kline CSV")
    p.add_argument("--strategy", required=True)
    p.add_argument("--space", type=_json, required=True, help="{name: {low, high, step?} | {choices: [...]}}")
    p.add_argument("--params", type=_json, default={}, help="fixed strategy params")
    p.add_argument("--risk", type=_json, default={}, help="fixed risk rules")
    p.add_argument("--trials", type=int, default=100)
    p.add_argument("--sampler", choices=["grid", "random", "tpe"], default="tpe")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--objective", default="sharpe")
    p.add_argument("--min-trades", type=int, default=1)
    p.add_argument("--test-pct", type=float, default=None, help="held-out share in %% (default 30)")
    p.add_argument("--walk-forward-folds", type=int, default=None)
    p.add_argument("--fee", type=float, default=0.001)
    p.add_argument("--slippage", type=float, default=0.0)
    p.add_argument("--cash", type=float, default=10_000.0)
    p.add_argument("--symbol", default=None)
    p.set_defaults(handler=run)


def body_of(args: argparse.Namespace) -> dict[str, Any]:
    validation = None
    if args.walk_forward_folds is not None:
        validation = {"walk_forward_folds": args.walk_forward_folds}
    elif args.test_pct is not None:
        validation = {"test_pct": args.test_pct}
    return {
        "strategy": args.strategy, "space": args.space, "params": args.params, "risk": args.risk,
        "trials": args.trials, "sampler": args.sampler, "seed": args.seed, "objective": args.objective,
        "min_trades": args.min_trades, "validation": validation, "fee": args.fee, "slippage": args.slippage,
        "cash": args.cash, "symbol": args.symbol, "csv": Path(args.csv).read_text(),
    }


def run(args: argparse.Namespace) -> int:
    from chalicelib.services.optimizations.local import run_local

    view = run_local(body_of(args))
    json.dump({"status": view["status"], "progress": {k: view["progress"][k] for k in ("done", "total")},
               "result": view["result"]}, sys.stdout)
    sys.stdout.write("\n")
    return 0
