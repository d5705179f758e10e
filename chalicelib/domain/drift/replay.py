"""The replay: the backtester's loop (domain/backtest/loop.py) over the period, through the same engine and
simulated fills, but keeping every fill with the tick that decided it, since drift matches fills, not the
closed trades a backtest reports.

A decision on bar i is the live tick at T = open_time[i] + interval (the bar's close); its market orders fill
at bar i+1's open, whose open time is T too, so a replay fill's `time` is the tick that caused it. Only ticks
inside (from, to] decide: the bars before `from` are the strategy's warm-up, as they are for the live bot."""

from __future__ import annotations

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


def replay(
    series: CandleSeries, strategy: Strategy, params: Params, rules: RiskRules, window: Window, *,
    cash: float, fee_rate: float,
) -> list[SimFill]:  # fmt: skip
    """The fills the engine makes over `series` in `window`, starting flat with `cash`."""
    entries, exits = _flags(series, strategy, params)
    first = strategy.warmup_bars(params) - 1
    times = series.open_time.tolist()
    o, h, lo, c, v = (a.tolist() for a in (series.open, series.high, series.low, series.close, series.volume))
    book, resting = ReplayBook(strategy, cash, fee_rate), RestingBook(fee_rate)
    pending: list[Intent] = []
    for i, at in enumerate(times):
        if pending:
            book.fill_market(pending, o[i], at)
            pending = []
        if resting.orders:
            resting.fill_bar(Candle(at, o[i], h[i], lo[i], v[i]), book)
        if i >= first and window.decides(at):
            bar = Bar(at, o[i], h[i], lo[i], c[i])
            pending, wants = decide_full(
                strategy, params, rules, bar, entries[i], exits[i], book.st, book.cash, window.interval_ms
            )
            resting.update(wants)
    if pending and times:
        # The period's last tick: its next bar is not in the period, so it fills at the close it decided on.
        book.fill_market(pending, c[-1], times[-1] + window.interval_ms)
    return [f for f in book.fills if f.time <= window.to_ms]


def _flags(series: CandleSeries, strategy: Strategy, params: Params) -> tuple[list[bool], list[bool]]:
    if isinstance(strategy, SignalStrategy):
        entries, exits = strategy.signals(series, params)
        return entries.tolist(), exits.tolist()
    flags = [False] * len(series)
    return flags, flags
