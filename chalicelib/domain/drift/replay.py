"""The replay: the backtester's loop (domain/backtest/loop.py) over the period, through the same engine and
simulated fills, but keeping every fill with the tick that decided it, since drift matches fills, not the
closed trades a backtest reports.

A decision on bar i is the live tick at T = open_time[i] + interval (the bar's close); its market orders fill
at bar i+1's open, whose open time is T too, so a replay fill's `time` is the tick that caused it. Only ticks
inside (from, to] decide: the bars before `from` are the strategy's warm-up, as they are for the live bot.

The configuration follows the bot's history (domain/config_history.py) as the live tick does: each tick
decides with the version in force at its time (`Stage`), and the engine state and the account carry over an
edit unchanged, except that a budget edit moves the cash by the difference at the first tick that uses it
(services/tick/service.py `_sync_budget`)."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass, field

from chalicelib.domain.backtest.fills import SimFill, fill_intent, settle
from chalicelib.domain.backtest.resting import Candle, RestingBook
from chalicelib.domain.candles import CandleSeries
from chalicelib.domain.engine import apply_fill_core, decide_full
from chalicelib.domain.risk import RiskRules
from chalicelib.domain.strategies.base import Bar, EngineState, Intent, Params, SignalStrategy, Strategy


@dataclass(frozen=True)
class Window:
    from_ms: int  # exclusive: the first tick the replay runs is the first bar close after it
    to_ms: int  # inclusive
    interval_ms: int

    def decides(self, open_time: int) -> bool:
        tick = open_time + self.interval_ms
        return self.from_ms < tick <= self.to_ms


@dataclass(frozen=True)
class Stage:
    """One version of the configuration: the ticks at or after `from_tick` decide with it."""

    from_tick: int
    strategy: Strategy
    params: Params
    rules: RiskRules
    budget: float


@dataclass
class ReplayBook:
    """The simulated account of the replay; `fills` in the order they happened."""

    strategy: Strategy
    cash: float
    fee_rate: float
    st: EngineState = field(default_factory=EngineState)
    fills: list[SimFill] = field(default_factory=list)

    def held(self, group: str) -> float:
        lot = self.st.lots.get(group)
        return 0.0 if lot is None else lot.quantity

    def book(self, fill: SimFill) -> None:
        self.cash = settle(self.cash, fill)
        self.fills.append(fill)
        apply_fill_core(
            self.strategy, self.st, fill.leg, fill.side, fill.price, fill.quantity, fill.fee, fill.time, fill.reason
        )

    def fill_market(self, intents: list[Intent], open_price: float, time: int) -> None:
        for intent in intents:
            fill = fill_intent(intent, open_price, time, self.cash, fee_rate=self.fee_rate, slippage=0.0)
            if fill is not None:
                self.book(fill)


class _Stages:
    """The stage each tick uses, with its signal flags (computed once per stage over the whole series)."""

    def __init__(self, series: CandleSeries, stages: Sequence[Stage]) -> None:
        self._series = series
        self._stages = sorted(stages, key=lambda s: s.from_tick)
        self._flags: dict[int, tuple[list[bool], list[bool], int]] = {}

    def at(self, tick: int) -> Stage:
        found = self._stages[0]
        for stage in self._stages[1:]:
            if stage.from_tick > tick:
                break
            found = stage
        return found

    def flags(self, stage: Stage) -> tuple[list[bool], list[bool], int]:
        key = id(stage)
        if key not in self._flags:
            entries, exits = flags_of(self._series, stage.strategy, stage.params)
            self._flags[key] = (entries, exits, stage.strategy.warmup_bars(stage.params) - 1)
        return self._flags[key]


def replay(
    series: CandleSeries, strategy: Strategy, params: Params, rules: RiskRules, window: Window, *,
    cash: float, fee_rate: float,
) -> list[SimFill]:  # fmt: skip
    """The fills the engine makes over `series` in `window` with one configuration, starting flat with `cash`."""
    stage = Stage(0, strategy, params, rules, 0.0)
    return replay_stages(series, [stage], window, cash=cash, fee_rate=fee_rate)


def replay_stages(
    series: CandleSeries, stages: Sequence[Stage], window: Window, *, cash: float, fee_rate: float,
    start: EngineState | None = None, next_open: float | None = None,
) -> list[SimFill]:  # fmt: skip
    """The fills the engine makes over `series` in `window`, each tick deciding with the stage in force at its
    time, starting from `cash` and the engine state `start` (flat when None; it is copied, never changed).
    `next_open`: the open of the bar after the series, where the last tick's market orders fill (when given)."""
    plan = _Stages(series, stages)
    current = plan.at(window.from_ms)  # in force at `from`: the cash at `from` counts its budget
    book = ReplayBook(current.strategy, cash, fee_rate, copy.deepcopy(start) if start else EngineState())
    resting = RestingBook(fee_rate)
    times = series.open_time.tolist()
    o, h, lo, c, v = (a.tolist() for a in (series.open, series.high, series.low, series.close, series.volume))
    pending: list[Intent] = []
    for i, at in enumerate(times):
        if pending:
            book.fill_market(pending, o[i], at)
            pending = []
        if resting.orders:
            resting.fill_bar(Candle(at, o[i], h[i], lo[i], v[i]), book)
        if not window.decides(at):
            continue
        stage = plan.at(at + window.interval_ms)
        if stage is not current:
            book.cash += stage.budget - current.budget  # the tick's budget sync, at the first tick of the edit
            book.strategy, current = stage.strategy, stage
        entries, exits, first = plan.flags(stage)
        if i >= first:
            bar = Bar(at, o[i], h[i], lo[i], c[i])
            pending, wants = decide_full(stage.strategy, stage.params, stage.rules, bar, entries[i], exits[i],
                                         book.st, book.cash, window.interval_ms)  # fmt: skip
            resting.update(wants)
    if pending and times:
        # The period's last tick: its next bar is not in the period; it fills at that bar's open when the caller
        # knows it (the live tick did), else at the close it decided on.
        last_fill = c[-1] if next_open is None else next_open
        book.fill_market(pending, last_fill, times[-1] + window.interval_ms)
    return [f for f in book.fills if f.time <= window.to_ms]


def flags_of(series: CandleSeries, strategy: Strategy, params: Params) -> tuple[list[bool], list[bool]]:
    if isinstance(strategy, SignalStrategy):
        entries, exits = strategy.signals(series, params)
        return entries.tolist(), exits.tolist()
    flags = [False] * len(series)
    return flags, flags
