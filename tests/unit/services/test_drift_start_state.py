"""The drift report from inside a DCA cycle, on the fakes: the replay starts from the engine state the shadow pass
rebuilt from the bot's start and its real fills (the lot, the cycle's base price, the safety orders filled), so
it neither buys a new base order nor repeats a safety order the bot already made."""

from __future__ import annotations

from decimal import Decimal

from chalicelib.domain.drift.model import Bucket
from chalicelib.domain.trades import TradeFilter
from tests.fakes.memory import memory_platform
from tests.fakes.memory_market import candles_from_closes
from tests.unit.services.conftest import MINUTE, NOW, bot_body

PARAMS = {"base_order_quote": 100, "safety_order_quote": 100, "max_safety_orders": 3, "price_deviation_pct": 0.25,
          "take_profit_pct": 0.5}  # fmt: skip


def _path() -> list[float]:
    """Flat before NOW, then down 0.1 % a minute for 12 minutes (three safety levels), then up 0.2 % a minute."""
    closes = [50_000.0] * 60
    for _ in range(12):
        closes.append(closes[-1] * 0.999)
    for _ in range(30):
        closes.append(closes[-1] * 1.002)
    return closes


def test_a_from_inside_a_dca_cycle_starts_from_its_real_state() -> None:
    mem = memory_platform(NOW)
    mem.market.add("BTCUSDT", "1m", candles_from_closes(NOW - 60 * MINUTE, "1m", _path()))
    bots = mem.container.bots
    bot = bots.create("u1", bot_body(params=PARAMS))
    bots.change_status("u1", bot.id, "start")
    for k in range(1, 40):
        mem.clock.set(NOW + k * MINUTE)
        mem.container.ticks.run("u1", bot.id, NOW + k * MINUTE, "BTCUSDT", "1m")
    trades, _ = mem.container.trades.page("u1", TradeFilter(bot_id=bot.id), None, 50)
    trades = sorted(trades, key=lambda t: t.executed_at_ms)
    reasons = [t.reason for t in trades]
    assert reasons[:3] == ["signal", "safety_order", "safety_order"] and "take_profit" in reasons, reasons
    frm = trades[1].executed_at_ms + 1  # holding the base order and the first safety order
    report, _ = mem.container.drift.report("u1", bot.id, frm, NOW + 39 * MINUTE)
    assert report.unmatched == [] and len(report.pairs) == sum(t.executed_at_ms > frm for t in trades)
    first = min(report.pairs, key=lambda p: p.backtest.executed_at_ms).backtest
    assert (first.leg, first.side) == ("safety_2", "BUY")
    assert report.buckets[Bucket.UNEXPLAINED] == 0 and report.buckets[Bucket.TIMING] == 0
    assert report.buckets[Bucket.CONFIG] == 0
    assert sum(report.buckets.values(), Decimal(0)) == report.live_pnl - report.backtest_pnl
