"""The drift report from its inputs: the bot's configuration history over the period, the candles of the period
(warm-up included), its live trades, its real state at `from` and what its config and state record. Pure: the
service fetches, this computes.

Two replays from the same state at `from`: one following the recorded history (each version from the first tick
that used it live), matched trade by trade against the live fills, and one with the configuration in force at
`from` only, which is the backtest the trader ran. With no edit in the period they are the same replay."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from chalicelib.domain.candles import Candle, CandleSeries
from chalicelib.domain.config_history import ConfigVersion
from chalicelib.domain.drift.attribution import pnl_of, report, with_config
from chalicelib.domain.drift.equity import equity_curve
from chalicelib.domain.drift.matching import match, name_ticks
from chalicelib.domain.drift.model import Report, RunFacts, SideFill, q
from chalicelib.domain.drift.replay import Stage, Window, replay_stages
from chalicelib.domain.drift.sides import backtest_fills, live_fills
from chalicelib.domain.engine_state import state_from_dict
from chalicelib.domain.risk import validate_risk
from chalicelib.domain.strategies import get_strategy, validate_params
from chalicelib.domain.trades import Trade

LATE_BARS = 5  # a live fill up to this many bars after the replay's is its late counterpart
KNOWN_LEGS = ("main", "close")  # legs a live market order can carry besides those the replay used


@dataclass(frozen=True)
class BotSetup:
    bot_id: str
    strategy: str  # the configuration in force at `from`
    params: dict[str, Any]
    risk: dict[str, Any]
    cash: Decimal  # quote the bot could spend at `from`
    fee_rate: Decimal
    quote_asset: str
    edits: tuple[ConfigVersion, ...] = ()  # the versions that took effect inside the period, in time order
    budget: Decimal = Decimal(0)  # the budget in force at `from` (an edit's budget moves the cash by the difference)
    start: dict[str, Any] = field(default_factory=dict)  # the engine state at `from` (empty: flat)
    held: Decimal = Decimal(0)  # the position the bot held at `from`
    # The open of the bar after `to`, where the period's last tick fills (its close when the source has none).
    next_open: Decimal | None = None

    def stages(self) -> list[Stage]:
        first = Stage(0, get_strategy(self.strategy), validate_params(self.strategy, self.params),
                      validate_risk(self.risk), float(self.budget))  # fmt: skip
        return [first, *(stage(v) for v in self.edits)]


def stage(version: ConfigVersion) -> Stage:
    strategy = get_strategy(version.strategy)
    params = validate_params(version.strategy, version.params)
    return Stage(version.at_ms, strategy, params, validate_risk(version.risk), float(version.budget))


def drift(
    setup: BotSetup, candles: Sequence[Candle], trades: Sequence[Trade], facts: RunFacts, window: Window
) -> Report:
    series, stages = CandleSeries.from_candles(candles), setup.stages()
    followed = _replay(setup, series, stages, window)
    at_from = _replay(setup, series, stages[:1], window) if len(stages) > 1 else followed
    legs = sorted({*KNOWN_LEGS, *(f.leg for f in followed if f.leg)})
    ticks = [c.open_time + window.interval_ms for c in candles if window.decides(c.open_time)]
    # The fills of the ticks in (from, to]: those named by their tick whenever they executed (a tick runs after
    # its minute), the others (resting fills, booked by the next tick) when they executed before the tick after.
    named = name_ticks(setup.bot_id, live_fills(trades), ticks, legs)
    live = [f for f in named if f.tick_at is not None or f.executed_at_ms < window.to_ms + window.interval_ms]
    matched = match(setup.bot_id, live, followed, LATE_BARS * window.interval_ms, window.interval_ms)
    end_price = candles[-1].close if candles else Decimal(0)
    carried = q(setup.held * (end_price - price_at(candles, window)))
    # The chart's backtest is the summary's: the replay of the config in force at `from`.
    curve = equity_curve(setup.cash, candles, window, live, at_from, held=setup.held)
    followed_report = report(matched, facts, end_price, carried)
    return replace(with_config(followed_report, carried + pnl_of(at_from, end_price)), equity=curve)


def _replay(setup: BotSetup, series: CandleSeries, stages: list[Stage], window: Window) -> list[SideFill]:
    sims = replay_stages(
        series, stages, window, cash=float(setup.cash), fee_rate=float(setup.fee_rate),
        start=state_from_dict(setup.start), next_open=None if setup.next_open is None else float(setup.next_open),
    )  # fmt: skip
    return backtest_fills(sims, float(setup.fee_rate), setup.quote_asset)


def price_at(candles: Sequence[Candle], window: Window) -> Decimal:
    """The close of the last bar closed at `from` (what the position held then is marked at)."""
    closed = [c for c in candles if c.open_time + window.interval_ms <= window.from_ms]
    return closed[-1].close if closed else (candles[0].open if candles else Decimal(0))
