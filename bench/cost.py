"""What a bot costs per month: paper bots ticking on the embedded AWS, every AWS call metered into billable
units (bench/capacity.py), the worker's invocations (batches of up to 10 ticks) billed as Lambda GB-seconds
at the memory .chalice/config.json gives the function and shared by their ticks, priced at bench/prices.py's
list prices. docs/cost.md explains each line and keeps the figures.

    .venv/bin/python -m bench.cost [--bots 30 --resting-bots 10 --minutes 15 --trading-share 0.05]
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

from bench.capacity import Meter

REPO = Path(__file__).resolve().parents[1]


def memory_gb(function: str, stage: str = "prod") -> float:
    config = json.loads((REPO / ".chalice" / "config.json").read_text())
    return int(config["stages"][stage]["lambda_functions"][function]["lambda_memory_size"]) / 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    # 30 bots: each minute's ticks make three full batches, as they are at platform scale.
    parser.add_argument("--bots", type=int, default=30)
    # 15 minutes after the bots' first: each quiet bot writes its heartbeat once (HEARTBEAT_MS), as a month does.
    parser.add_argument("--minutes", type=int, default=15)
    parser.add_argument("--trading-share", type=float, default=0.05, help="share of ticks that trade")
    parser.add_argument("--resting-bots", type=int, default=10, help="grid bots keeping limit orders resting")
    parser.add_argument("--sequential", action="store_true", help="run a batch's ticks one after the other")
    parser.add_argument("--aws-latency-ms", type=float, default=0.0, help="a network round trip added per AWS call")
    args = parser.parse_args()

    from bench._embedded import start

    outputs = start("benchcost")
    os.environ["POWERTOOLS_LOG_LEVEL"] = "INFO"  # as prod logs (.chalice/config.json), to count its bytes
    from bench.cost_run import Run
    from bench.cost_table import render
    from chalicelib import tick_batches

    if args.sequential:  # slices of one record: the worker as it was before it ran a batch concurrently
        tick_batches.MAX_RECORDS = 1

    meter = Meter(args.aws_latency_ms / 1000)
    run = Run(outputs, meter, args.bots, memory_gb("run_ticks"), memory_gb("dispatch_ticks"), args.resting_bots)
    started = time.perf_counter()
    result = run.measure(args.minutes)
    print(render(result, args.trading_share, time.perf_counter() - started))


if __name__ == "__main__":
    main()
