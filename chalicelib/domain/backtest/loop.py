"""The general backtest: bar by bar through the engine's own `decide_core` / `apply_fill_core`, the code a
live tick runs. Signal flags are computed once for the whole series (window-exact, so identical to what a
tick computes on its recent window); everything stateful happens in the loop."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from chalicelib.domain.backtest.fills import fill_intent, settle
from chalicelib.domain.backtest.trades import TradeTable, table_from
from chalicelib.domain.candles import CandleSeries, FloatArray
from chalicelib.domain.engine import ClosedTrade, apply_fill_core, decide_core
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
    if isinstance(strategy, SignalStrategy):
        entries, exits = strategy.signals(series, params)
        entry_flags, exit_flags = entries.tolist(), exits.tolist()
    else:
        entry_flags = exit_flags = [False] * n
    first = strategy.warmup_bars(params) - 1
    open_time = series.open_time.tolist()
    opens, highs, lows, closes = (a.tolist() for a in (series.open, series.high, series.low, series.close))
    st = EngineState()
    equity = np.empty(n, dtype=np.float64)
    closed: list[ClosedTrade] = []
    pending: list[Intent] = []
    fees = 0.0
    in_market = 0
    for i in range(n):
        for intent in pending:
            fill = fill_intent(intent, opens[i], open_time[i], cash, fee_rate=fee_rate, slippage=slippage)
            if fill is None:
                continue
            cash = settle(cash, fill)
            fees += fill.fee
            trade = apply_fill_core(
                strategy, st, fill.leg, fill.side, fill.price, fill.quantity, fill.fee, fill.time, fill.reason
            )
            if trade is not None:
                closed.append(trade)
        pending = []
        quantity = st.quantity
        if quantity > 0:
            in_market += 1
        if i >= first:
            bar = Bar(open_time[i], opens[i], highs[i], lows[i], closes[i])
            pending = decide_core(
                strategy, params, rules, bar, entry_flags[i], exit_flags[i], st, cash, interval_ms
            )
        equity[i] = cash + quantity * closes[i]
    last_close = closes[-1] if n else 0.0
    return RunOutput(table_from(closed, st, last_close), equity, in_market, fees)
