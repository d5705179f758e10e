"""Optimizations on moto: the real app, the jobs queue and its handler (`workers.run_jobs`), as the backtests'
lab runs them (tests/integration/backtests/conftest.py)."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from tests.conftest import SHARED_MARKET
from tests.integration.backtests.conftest import Lab, lab  # noqa: F401 - the fixture, shared

ETH_5M = SHARED_MARKET / "freqtrade_ETH_BTC_5m_20180110_20180130.csv"
BTC_1M = SHARED_MARKET / "binanceus_BTCUSDT_1m_20230301_20230321.csv"


@cache
def csv_text(path: str) -> str:
    from pathlib import Path

    return Path(path).read_text()


def body(**overrides: Any) -> dict[str, Any]:
    out: dict[str, Any] = {
        "strategy": "sma_cross",
        "space": {"fast": {"low": 3, "high": 20}, "slow": {"low": 10, "high": 80}},
        "trials": 12,
        "sampler": "tpe",
        "seed": 7,
        "objective": "total_return",
        "min_trades": 2,
        "csv": csv_text(str(ETH_5M)),
        "symbol": "ETHBTC",
    }
    out.update(overrides)
    return out


def drain(queue: Lab, max_rounds: int = 500) -> int:
    """Deliver every queued message through the real handler until the queue is empty."""
    handled = 0
    for _ in range(max_rounds):
        got = queue.receive()
        if not got:
            return handled
        failed = {f["itemIdentifier"] for f in queue.deliver(got)["batchItemFailures"]}
        assert not failed, failed
        for m in got:
            queue.sqs.delete_message(QueueUrl=queue.queue_url, ReceiptHandle=m["ReceiptHandle"])
            handled += 1
    raise AssertionError("the queue did not drain")


def kinds(messages: list[dict[str, Any]]) -> list[str]:
    return [json.loads(m["Body"]).get("step", "?") for m in messages]
