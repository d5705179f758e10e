"""Per-tick cost of the worker with the paper exchange, against the embedded AWS: CPU ms per tick and AWS
calls per tick, for ticks that trade and ticks that do not. Targets: at most 6 DynamoDB calls for a tick that
trades (issue 5), one for a quiet tick (issue 18: its batch read; a tick that changes its state or is due a
heartbeat writes it too). A batch or a transaction counts as one. Then the resting-order figures of
bench/tick_resting.py: an idle bot, a bot with 20 resting grid orders and no fill, and one with a fill.

    .venv/bin/python -m bench.tick [--bots 50 --minutes 30]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
import uuid
from collections import Counter
from typing import Any


def _pct(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--bots", type=int, default=50)
    parser.add_argument("--minutes", type=int, default=30)
    parser.add_argument("--paper", action="store_true", help="also the resting-order figures on the paper exchange")
    args = parser.parse_args()

    from bench._embedded import CallCounter, start

    outputs = start("benchtick")
    import boto3

    from chalicelib import bootstrap, workers
    from chalicelib.domain.clock import ManualClock
    from chalicelib.observability import metrics
    from infra.local.sqs_poller import lambda_record

    clock = ManualClock(1_767_225_600_000 + 7 * 60_000)
    container = bootstrap.Container(clock=clock)
    bootstrap.use(container)
    user = f"bench-{uuid.uuid4().hex[:8]}"
    strategies = [
        ("sma_cross", {"fast": 2, "slow": 5}),
        ("ema_cross", {"fast": 2, "slow": 6}),
        ("rsi_reversion", {"period": 3, "lower": 40, "upper": 60}),
        ("dca", {"base_order_quote": 50, "take_profit_pct": 0.3, "price_deviation_pct": 0.2}),
    ]
    for i in range(args.bots):
        strategy, params = strategies[i % len(strategies)]
        config = container.bots.create(
            user,
            {
                "name": f"b{i}",
                "strategy": strategy,
                "params": params,
                "symbol": ("BTCUSDT", "ETHUSDT")[i % 2],
                "interval": "1m",
                "mode": "paper",
                "budget": "1000",
                "risk": {},
            },
        )
        container.bots.change_status(user, config.id, "start")
    sqs = boto3.client("sqs")
    queue = outputs["TickQueueUrl"]
    counter = CallCounter()
    quiet: list[tuple[float, Counter[str]]] = []
    trading: list[tuple[float, Counter[str]]] = []
    misses = 0
    with counter.counting():
        for _ in range(args.minutes):
            clock.advance(60_000)
            workers.dispatch()
            while True:
                got = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10, AttributeNames=["All"])
                messages = got.get("Messages", [])
                if not messages:
                    break
                for m in messages:
                    event = {"Records": [lambda_record(m, outputs["TickQueueArn"], "us-east-1")]}
                    trades_before = _trades(container, user)
                    counter.calls.clear()
                    counter.tables.clear()
                    cpu = time.process_time()
                    result = workers.run_ticks(event)
                    spent = (time.process_time() - cpu) * 1000
                    # As the Lambda's middleware does after each invocation (metrics are disabled here; left
                    # unflushed, Powertools prints them itself once a metric holds 100 values).
                    metrics.flush_metrics(raise_on_empty_metrics=False)
                    calls = Counter(counter.calls)
                    assert result == {"batchItemFailures": []}, result
                    traded = _trades(container, user) > trades_before
                    if counter.tables["market-cache"] > 0:
                        # The first bot of a (symbol, tick) fetches the candles for all the others.
                        misses += 1
                        continue
                    (trading if traded else quiet).append((spent, calls))
                    sqs.delete_message(QueueUrl=queue, ReceiptHandle=m["ReceiptHandle"])
        # Resting orders (#14), with the same embedded AWS and call counter.
        from bench.tick_resting import figures

        resting = figures(container, clock, counter)
        if args.paper:
            resting += figures(container, clock, counter, venue="paper")
    print(_table(quiet, trading, misses))
    print("\n".join(resting))


_TRADE_COUNT: dict[str, int] = {}


def _trades(container: Any, user: str) -> int:
    states = container.bots.list_for(user)
    return sum(s.trades_count for _, s in states)


def _writes(calls: Counter[str]) -> bool:
    """A tick that wrote: its state changed (a bot's first tick, an engine state change) or its heartbeat."""
    writes = ("PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems")
    return any(k.startswith("dynamodb:") and k.endswith(writes) for k in calls)


def _dynamo(calls: Counter[str]) -> int:
    return sum(n for k, n in calls.items() if k.startswith("dynamodb:"))


def _table(quiet: list[tuple[float, Counter[str]]], trading: list[tuple[float, Counter[str]]], misses: int) -> str:
    lines = ["Per-tick cost (paper exchange, embedded AWS in its own process; CPU = this worker only)", ""]
    header = ("kind", "ticks", "CPU ms p50", "CPU ms p95", "DynamoDB calls p50/max", "SQS calls max")
    lines.append(f"  {header[0]:<26}{header[1]:>7}{header[2]:>12}{header[3]:>12}{header[4]:>26}{header[5]:>15}")
    silent = [r for r in quiet if not _writes(r[1])]
    kinds = (("no trade, nothing written", silent), ("no trade, state written", [r for r in quiet if _writes(r[1])]))
    for name, rows in (*kinds, ("trades", trading)):
        cpu = [r[0] for r in rows]
        dyn = [_dynamo(r[1]) for r in rows]
        sqs = [sum(n for k, n in r[1].items() if k.startswith("sqs:")) for r in rows]
        dyn_text = f"{int(statistics.median(dyn))} / {max(dyn)}" if dyn else "-"
        lines.append(
            f"  {name:<26}{len(rows):>7}{statistics.median(cpu) if cpu else 0:>12.1f}{_pct(cpu, 0.95):>12.1f}"
            f"{dyn_text:>26}{max(sqs) if sqs else 0:>15}"
        )
    ops: Counter[str] = Counter()
    for _, calls in trading:
        ops.update({k: v for k, v in calls.items() if k.startswith("dynamodb:")})
    lines.append("")
    lines.append("  DynamoDB operations over all trading ticks: " + json.dumps(dict(ops)))
    lines.append(
        f"  ticks that fetched candles for their symbol (one per symbol and minute; not in the rows): {misses}"
    )
    lines.append(
        "  targets: 1 DynamoDB call for a quiet tick (issue 18; 2 when it writes a change or the 15-minute heartbeat),"
        " <= 6 with a trade (a batch or transaction counts once)"
    )
    return "\n".join(lines)


if __name__ == "__main__":
    main()
