"""Dispatch of N running bots against the embedded AWS: time until every tick message is enqueued and the
AWS calls it took. Target (issue 5): 10,000 bots in under 10 s, at most one SendMessageBatch per 10 bots.

    .venv/bin/python bench/dispatch.py [--bots 10000]
"""

from __future__ import annotations

import argparse
import time
import uuid
from decimal import Decimal


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--bots", type=int, default=10_000)
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--parallelism", type=int, default=None, help="dispatcher threads (default: the platform's)")
    args = parser.parse_args()

    from bench._embedded import CallCounter, start

    outputs = start("benchdispatch")
    from chalicelib.adapters.dynamo.bots import BotModel, BotStateModel, _model_from_config, state_to_doc
    from chalicelib.bootstrap import Container
    from chalicelib.config import settings
    from chalicelib.domain.bots import BotConfig, BotState, BotStatus, Mode, schedule_shard
    from chalicelib.domain.clock import ManualClock

    shards = settings().schedule_shards
    print(f"creating {args.bots:,} running bots for {args.users} users ...", flush=True)
    t0 = time.perf_counter()
    with BotModel.batch_write() as bots, BotStateModel.batch_write() as states:
        for i in range(args.bots):
            bot_id = uuid.uuid4().hex
            config = BotConfig(
                id=bot_id,
                user_id=f"user-{i % args.users}",
                name=f"bot {i}",
                strategy="sma_cross",
                params={"fast": 10, "slow": 30},
                symbol=("BTCUSDT", "ETHUSDT", "BNBUSDT")[i % 3],
                interval="1m",
                mode=Mode.PAPER,
                budget=Decimal(1000),
                risk={},
                api_key_id=None,
                status=BotStatus.RUNNING,
                created_at_ms=0,
                updated_at_ms=0,
            )
            bots.save(_model_from_config(config, schedule_shard(bot_id, "1m", shards)))
            states.save(BotStateModel(bot_id=bot_id, version=0, doc=state_to_doc(BotState(bot_id=bot_id))))
    print(f"  seeded in {time.perf_counter() - t0:.1f} s", flush=True)

    # 00:01 UTC: the 1m bars close (the bots' interval); the other intervals' shards are not due.
    tick_at = 1_767_225_660_000
    container = Container(clock=ManualClock(tick_at))
    dispatcher = container.dispatcher
    if args.parallelism:
        dispatcher._parallelism = args.parallelism
    import boto3

    sqs = boto3.client("sqs")

    def queued() -> int:
        attrs = sqs.get_queue_attributes(
            QueueUrl=outputs["TickQueueUrl"], AttributeNames=["ApproximateNumberOfMessages"]
        )
        return int(attrs["Attributes"]["ApproximateNumberOfMessages"])

    # Cold: the first dispatch of a fresh process (a cold Lambda) builds its clients on the way. Warm: the
    # next minute's, as a warm Lambda runs it. The queue is emptied between them so each count is its own.
    counter = CallCounter()
    with counter.counting():
        started = time.perf_counter()
        report = dispatcher.dispatch(tick_at)
        elapsed = time.perf_counter() - started
    cold_queued = queued()
    sqs.purge_queue(QueueUrl=outputs["TickQueueUrl"])
    started = time.perf_counter()
    warm = dispatcher.dispatch(tick_at + 60_000)
    warm_elapsed = time.perf_counter() - started
    warm_queued = queued()
    sends = counter.calls["sqs:SendMessageBatch"]
    rows = [
        ("bots running", f"{args.bots:,}"),
        ("messages enqueued (report / queue)", f"{report.bots:,} / {cold_queued:,}"),
        ("dispatch wall time, cold process", f"{elapsed:.2f} s"),
        ("dispatch wall time, warm (next minute)", f"{warm_elapsed:.2f} s ({warm.bots:,} / {warm_queued:,} enqueued)"),
        ("shards queried (index Query calls)", f"{report.shards} ({counter.calls['dynamodb:Query']})"),
        ("dynamodb Scan calls", str(counter.calls["dynamodb:Scan"])),
        ("SendMessageBatch calls", f"{sends} ({sends / max(1, report.bots) * 10:.2f} per 10 bots)"),
        ("all AWS calls (cold dispatch)", str(sum(counter.calls.values()))),
        ("target", "10,000 bots < 10 s; <= 1 SendMessageBatch per 10 bots"),
    ]
    width = max(len(r[0]) for r in rows)
    print("\nDispatch benchmark (embedded AWS: moto server on 127.0.0.1)")
    for name, value in rows:
        print(f"  {name:<{width}}  {value}")


if __name__ == "__main__":
    main()
