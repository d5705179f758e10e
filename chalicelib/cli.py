"""Command line for the platform's pure parts. Subcommands register themselves in `build_parser`;
add yours with a `_add_<name>(subparsers)` function and a handler.

    python -m chalicelib.cli backtest --csv FILE --strategy sma_cross --params '{"fast": 10, "slow": 30}' \\
        --fee 0.001 --cash 10000 --format json
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import Any

from chalicelib.domain.errors import DomainError


def _json_object(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise argparse.ArgumentTypeError(f"not JSON: {exc}") from None
    if not isinstance(value, dict):
        raise argparse.ArgumentTypeError("must be a JSON object")
    return value


def _add_backtest(subparsers: Any) -> None:
    parser = subparsers.add_parser("backtest", help="backtest a strategy over a Binance kline CSV file")
    parser.add_argument("--csv", required=True, help="Binance kline CSV (with or without header, ms or us times)")
    parser.add_argument("--strategy", required=True, help="strategy id, e.g. sma_cross")
    parser.add_argument("--params", type=_json_object, default={}, help="strategy params as a JSON object")
    parser.add_argument("--risk", type=_json_object, default={}, help="risk rules as a JSON object")
    parser.add_argument("--fee", type=float, default=0.001, help="fee per side as a fraction (0.001 = 0.1%%)")
    parser.add_argument("--slippage", type=float, default=0.0, help="slippage as a fraction of the fill price")
    parser.add_argument("--cash", type=float, default=10_000.0, help="starting quote balance")
    parser.add_argument("--format", choices=["json", "text"], default="json")
    parser.add_argument("--equity", action="store_true", help="include the equity curve (json)")
    parser.set_defaults(handler=_run_backtest)


def _run_backtest(args: argparse.Namespace) -> int:
    from chalicelib.domain.backtest import run_backtest
    from chalicelib.domain.kline_csv import load_series

    series = load_series(args.csv)
    result = run_backtest(
        series, args.strategy, args.params, args.risk, fee=args.fee, slippage=args.slippage, cash=args.cash
    )
    if args.format == "json":
        json.dump(result.to_dict(include_equity=args.equity), sys.stdout)
        sys.stdout.write("\n")
    else:
        for key, value in result.metrics.to_dict().items():
            print(f"{key:>18}: {value}")
    return 0


def _add_purge_account(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "purge-account",
        help="finish an account deletion that stopped half-way (only a user flagged as being deleted is touched)",
    )
    parser.add_argument("user_id")
    parser.set_defaults(handler=_run_purge_account)


def _run_purge_account(args: argparse.Namespace) -> int:
    from dataclasses import asdict

    from chalicelib.bootstrap import container

    json.dump(asdict(container().account.purge(args.user_id)), sys.stdout)
    sys.stdout.write("\n")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m chalicelib.cli")
    subparsers = parser.add_subparsers(dest="command", required=True)
    _add_backtest(subparsers)
    _add_purge_account(subparsers)
    from chalicelib.cli_market import register as register_market_commands

    register_market_commands(subparsers)
    from chalicelib.cli_optimize import register as register_optimize

    register_optimize(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        code: int = args.handler(args)
    except DomainError as exc:
        print(json.dumps({"error": exc.code, "message": exc.message, "details": exc.details}), file=sys.stderr)
        return 2
    return code


if __name__ == "__main__":
    sys.exit(main())
