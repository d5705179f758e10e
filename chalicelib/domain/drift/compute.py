"""The drift report from its inputs: the bot's configuration, the candles of the period (warm-up included),
its live trades and what its config and state record. Pure: the service fetches, this computes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from chalicelib.domain.candles import Candle, CandleSeries
from chalicelib.domain.drift.attribution import report
from chalicelib.domain.drift.matching import match, name_ticks
from chalicelib.domain.drift.model import Report, RunFacts
from chalicelib.domain.drift.replay import Window, replay
from chalicelib.domain.drift.sides import backtest_fills, live_fills
from chalicelib.domain.risk import validate_risk
from chalicelib.domain.strategies import get_strategy, validate_params
from chalicelib.domain.trades import Trade

LATE_BARS = 5  # a live fill up to this many bars after the replay's is its late counterpart
KNOWN_LEGS = ("main", "close")  # legs a live market order can carry besides those the replay used


@dataclass(frozen=True)
class BotSetup:
    bot_id: str
    strategy: str
    params: dict[str, Any]
    risk: dict[str, Any]
    cash: Decimal  # quote the bot could spend at `from` (flat)
    fee_rate: Decimal
    quote_asset: str


def drift(
    setup: BotSetup, candles: Sequence[Candle], trades: Sequence[Trade], facts: RunFacts, window: Window
) -> Report:
    strategy = get_strategy(setup.strategy)
    params = validate_params(setup.strategy, setup.params)
    sims = replay(
        CandleSeries.from_candles(candles), strategy, params, validate_risk(setup.risk), window,
        cash=float(setup.cash), fee_rate=float(setup.fee_rate),
    )  # fmt: skip
    backtest = backtest_fills(sims, float(setup.fee_rate), setup.quote_asset)
    legs = sorted({*KNOWN_LEGS, *(f.leg for f in backtest if f.leg)})
    ticks = [c.open_time + window.interval_ms for c in candles if window.decides(c.open_time)]
    # The fills of the ticks in (from, to]: those named by their tick whenever they executed (a tick runs after
    # its minute), the others (resting fills, booked by the next tick) when they executed before the tick after.
    named = name_ticks(setup.bot_id, live_fills(trades), ticks, legs)
    live = [f for f in named if f.tick_at is not None or f.executed_at_ms < window.to_ms + window.interval_ms]
    matched = match(setup.bot_id, live, backtest, LATE_BARS * window.interval_ms)
    end_price = candles[-1].close if candles else Decimal(0)
    return report(matched, facts, end_price)
