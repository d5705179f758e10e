"""`python -m chalicelib.cli import-klines --csv FILE --symbol BTCUSDT --interval 1m`: load a Binance kline
CSV into the replay store (the market-candles table of the configured stage; AWS_ENDPOINT_URL points it at
the embedded moto server locally). Registered by `chalicelib.cli.build_parser`."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("import-klines", help="import a Binance kline CSV into the replay store")
    parser.add_argument("--csv", required=True, help="Binance kline CSV (with or without header, ms or us times)")
    parser.add_argument("--symbol", required=True, help="symbol the file holds, e.g. BTCUSDT")
    parser.add_argument("--interval", required=True, help="the file's interval, e.g. 1m")
    parser.set_defaults(handler=run_import_klines)


def run_import_klines(args: argparse.Namespace) -> int:
    from chalicelib.adapters.dynamo.market_candles import DynamoCandleStore
    from chalicelib.domain.candles import interval_ms
    from chalicelib.domain.kline_csv import parse_kline_csv

    interval_ms(args.interval)  # fail early on an unsupported interval
    candles = parse_kline_csv(Path(args.csv).read_text())
    count = DynamoCandleStore().put_many(args.symbol.upper(), args.interval, candles)
    summary = {"symbol": args.symbol.upper(), "interval": args.interval, "imported": count}
    if candles:
        summary.update({"first_open_time": candles[0].open_time, "last_open_time": candles[-1].open_time})
    json.dump(summary, sys.stdout)
    sys.stdout.write("\n")
    return 0
