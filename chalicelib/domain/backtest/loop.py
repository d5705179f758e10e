"""The general backtest: bar by bar through the engine's own `decide_full` / `apply_fill_core`, the code a
live tick runs. Signal flags are computed once for the whole series (window-exact, so identical to what a
tick computes on its recent window); everything stateful happens in the loop.

On each bar: the market orders decided on the previous bar fill at its open, then the resting orders the
previous bars wanted fill as the candle reaches them (backtest/resting.py), then the engine decides on its
close. A bot that wants nothing resting never touches the resting book."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from chalicelib.domain.backtest.fills import SimFill, fill_intent, settle
from chalicelib.domain.backtest.resting import Candle, RestingBook
from chalicelib.domain.backtest.trades import TradeTable, table_from
from chalicelib.domain.candles import CandleSeries, FloatArray
from chalicelib.domain.engine import apply_fill_core, decide_full
from chalicelib.domain.ledger import ClosedTrade
from chalicelib.domain.risk import RiskRules
from chalicelib.domain.strategies.base import Bar, EngineState, Intent, Params, SignalStrategy, Strategy


@dataclass(frozen=True)
class RunOutput:
    trades: TradeTable
    equity: FloatArray
    bars_in_market: int
    fees_paid: float


def run_loop(
    series: CandleSeries,
    strategy: Strategy,
    params: Params,
    rules: RiskRules,
    *,
    cash: float,
    fee_rate: float,
    slippage: float,
    interval_ms: int,
) -> RunOutput:
    n = len(series)
    entry_flags, exit_flags = _signal_flags(series, strategy, params)
    first = strategy.warmup_bars(params) - 1
    open_time = series.open_time.tolist()
    opens, highs, lows, closes, volumes = (a.tolist() for a in (series.open, series.high, series.low,
                                                                  series.close, series.volume))
    book = _Book(strategy, cash, fee_rate, slippage)
    resting = RestingBook(fee_rate)
    equity = np.empty(n, dtype=np.float64)
    pending: list[Intent] = []
    in_market, st = 0, book.st
    for i in range(n):
        if pending:
            book.fill(pending, opens[i], open_time[i])
            pending = []
        if resting.orders:
            resting.fill_bar(Candle(open_time[i], opens[i], highs[i], lows[i], volumes[i]), book)
        quantity = st.quantity
        if quantity > 0:
            in_market += 1
        if i >= first:
            bar = Bar(open_time[i], opens[i], highs[i], lows[i], closes[i])
            pending, wants = decide_full(strategy, params, rules, bar, entry_flags[i], exit_flags[i], st, book.cash,
                                         interval_ms)
            resting.update(wants)
        equity[i] = book.cash + st.quantity * closes[i]
    last_close = closes[-1] if n else 0.0
    return RunOutput(table_from(book.closed, book.st, last_close), equity, in_market, book.fees)


def _signal_flags(series: CandleSeries, strategy: Strategy, params: Params) -> tuple[list[bool], list[bool]]:
    if isinstance(strategy, SignalStrategy):
        entries, exits = strategy.signals(series, params)
        return entries.tolist(), exits.tolist()
    flags = [False] * len(series)
    return flags, flags


@dataclass
class _Book:
    """The simulated account: cash, the engine's lots (booked through the ledger) and the trades closed."""

    strategy: Strategy
    cash: float
    fee_rate: float
    slippage: float
    st: EngineState = field(default_factory=EngineState)
    closed: list[ClosedTrade] = field(default_factory=list)
    fees: float = 0.0

    def fill(self, intents: list[Intent], open_price: float, time: int) -> None:
        """Fill the intents decided on the previous bar at this bar's open, in order."""
        for intent in intents:
            fill = fill_intent(intent, open_price, time, self.cash, fee_rate=self.fee_rate, slippage=self.slippage)
            if fill is not None:
                self.book(fill)

    def held(self, group: str) -> float:
        lot = self.st.lots.get(group)
        return 0.0 if lot is None else lot.quantity

    def book(self, fill: SimFill) -> None:
        self.cash = settle(self.cash, fill)
        self.fees += fill.fee
        trade = apply_fill_core(
            self.strategy, self.st, fill.leg, fill.side, fill.price, fill.quantity, fill.fee, fill.time, fill.reason
        )
        if trade is not None:
            self.closed.append(trade)
