"""Benchmark: the compute of a 7-day drift report for a 1m bot (10,080 ticks), the domain alone
(chalicelib/domain/drift): replay, name the live trades' ticks, match, attribute.

Synthetic inputs, stated: the deterministic synthetic market's 1m BTCUSDT candles (fixed seed), an
sma_cross 5/20 bot, and "live" trades made from the replay's own fills with the ids the tick gives them, priced
5 bps worse, with every 10th fill dropped (a missed tick). Not measured: reading the candles and the trades
(the market port pages 1,000 candles a request: 11 requests for 7 days; the trades a DynamoDB query).

    .venv/bin/python bench/drift.py [--runs 5] [--days 7]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from chalicelib.domain.bots import client_order_id
from chalicelib.domain.candles import CandleSeries
from chalicelib.domain.drift.compute import BotSetup, drift
from chalicelib.domain.drift.model import Bucket, RunFacts
from chalicelib.domain.drift.replay import Window, replay
from chalicelib.domain.drift.sides import backtest_fills
from chalicelib.domain.risk import validate_risk
from chalicelib.domain.strategies import get_strategy, validate_params
from chalicelib.domain.synthetic import generate_candles
from chalicelib.domain.trades import Trade

START_MS = 1_767_225_600_000  # 2026-01-01
MIN = 60_000
PARAMS = {"fast": 5, "slow": 20}
WORSE = Decimal("1.0005")


def live_trades(setup: BotSetup, candles: list, window: Window) -> list[Trade]:
    sims = replay(CandleSeries.from_candles(candles), get_strategy(setup.strategy),
                  validate_params(setup.strategy, setup.params), validate_risk({}), window,
                  cash=float(setup.cash), fee_rate=float(setup.fee_rate))  # fmt: skip
    out = []
    for i, f in enumerate(backtest_fills(sims, float(setup.fee_rate), "USDT")):
        if i % 10 == 9:
            continue
        price = f.price * WORSE if f.side == "BUY" else f.price / WORSE
        out.append(Trade(
            id=client_order_id(setup.bot_id, f.tick_at or 0, f.leg or ""), user_id="u", bot_id=setup.bot_id,
            symbol="BTCUSDT", side=f.side, price=price, quantity=f.quantity, quote_quantity=f.quantity * price,
            fee=f.quantity * price * setup.fee_rate, fee_asset="USDT", realised_pnl=None,
            executed_at_ms=(f.tick_at or 0) + 800, mode="paper", reason=f.reason, exchange_order_id="x",
        ))  # fmt: skip
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--days", type=int, default=7)
    args = ap.parse_args()
    end = START_MS + args.days * 1440 * MIN
    setup = BotSetup("bench-bot", "sma_cross", PARAMS, {}, Decimal(1000), Decimal("0.001"), "USDT")
    candles = generate_candles(START_MS - 30 * MIN, end, "1m", seed=11)
    window = Window(START_MS, end, MIN)
    trades = live_trades(setup, candles, window)
    facts = RunFacts("running", None, None, None, end, 0, None)
    times, report = [], None
    for _ in range(args.runs):
        t0 = time.perf_counter()
        report = drift(setup, candles, trades, facts, window)
        times.append(time.perf_counter() - t0)
    assert report is not None
    print(f"{args.days}-day 1m drift report: {len(candles)} candles, {len(trades)} live trades, "
          f"{len(report.pairs)} pairs, {len(report.unmatched)} unmatched")  # fmt: skip
    print("buckets:", {b.value: f"{report.buckets[b]:.4f}" for b in Bucket})
    print(f"compute: median {statistics.median(times) * 1000:.0f} ms over {args.runs} runs "
          f"(min {min(times) * 1000:.0f}, max {max(times) * 1000:.0f})")  # fmt: skip


if __name__ == "__main__":
    main()
