"""The fast path for signal strategies without stops or protections (the common case, and the benchmark).

With no stop, trailing, take-profit or protection, the engine's decision reduces to: when flat, buy on an
entry flag; when long, sell on an exit flag. The position after the decision on bar i is therefore the
last non-zero of (+1 entry, -1 exit) up to i — a forward fill, done with numpy. Only the money (each
trade's quantity depends on the cash the previous one left) is a loop, over trades rather than bars,
using exactly the float expressions of `fill_intent` / `settle` / `apply_fill_core`, so the result equals
the bar-by-bar loop to the last bit (tested).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from chalicelib.domain.backtest.fills import fill_price
from chalicelib.domain.backtest.loop import RunOutput
from chalicelib.domain.backtest.trades import OPEN, TradeTable
from chalicelib.domain.candles import CandleSeries, FloatArray, IntArray
from chalicelib.domain.engine import MIN_QUOTE
from chalicelib.domain.orders import Side
from chalicelib.domain.risk import RiskRules, entry_quote
from chalicelib.domain.strategies.base import MAIN, BoolArray, Params, SignalStrategy


def applies(strategy: object, rules: RiskRules) -> bool:
    return isinstance(strategy, SignalStrategy) and not rules.has_exits and not rules.has_protections


def trade_bars(entries: BoolArray, exits: BoolArray, first: int) -> tuple[IntArray, IntArray]:
    """Decision bars of the entries and exits actually taken (flat -> entry -> exit -> ...)."""
    n = entries.shape[0]
    signal = np.zeros(n, dtype=np.int8)
    signal[entries] = 1
    signal[exits & ~entries] = -1
    signal[: max(first, 0)] = 0
    if n:
        signal[n - 1] = 0  # nothing fills after the last bar
    bars = np.flatnonzero(signal)
    values = signal[bars]
    previous = np.concatenate(([-1], values[:-1])) if bars.shape[0] else values
    taken: tuple[IntArray, IntArray] = (bars[(values == 1) & (previous != 1)], bars[(values == -1) & (previous == 1)])
    return taken


def run_vectorized(
    series: CandleSeries,
    strategy: SignalStrategy,
    params: Params,
    rules: RiskRules,
    *,
    cash: float,
    fee_rate: float,
    slippage: float,
) -> RunOutput:
    entries, exits = strategy.signals(series, params)
    first = strategy.warmup_bars(params) - 1
    return run_flags(series, entries, exits, first, rules, cash=cash, fee_rate=fee_rate, slippage=slippage)


def run_flags(
    series: CandleSeries,
    entries: BoolArray,
    exits: BoolArray,
    first: int,
    rules: RiskRules,
    *,
    cash: float,
    fee_rate: float,
    slippage: float,
) -> RunOutput:
    """The execution from precomputed flags (first decision bar `first`): the optimizer's batch evaluation
    computes the flags of many parameter sets at once and runs each through here, as a single backtest does."""
    entry_bars, exit_bars = trade_bars(entries, exits, first)
    entry_fill, exit_fill = entry_bars + 1, exit_bars + 1
    buy_px = [fill_price(Side.BUY, p, slippage) for p in series.open[entry_fill].tolist()]
    sell_px = [fill_price(Side.SELL, p, slippage) for p in series.open[exit_fill].tolist()]
    money = _money(rules, cash, fee_rate, buy_px, sell_px)
    trades = _trade_table(series, entry_fill, exit_fill, sell_px, money)
    equity = _equity(series, entry_fill, exit_fill, np.array(money.quantity), money.cash_after_buy,
                     money.cash_after_sell, cash)
    return RunOutput(trades, equity, _bars_in_market(len(series), entry_fill, exit_fill), money.fees)


@dataclass
class _Money:
    """Per trade: what was bought, what it cost, the fees, and the cash left after each fill."""

    quantity: list[float]
    cost: list[float]
    entry_fee: list[float]
    exit_fee: list[float]
    cash_after_buy: list[float]
    cash_after_sell: list[float]
    fees: float = 0.0  # summed in fill order, as the loop does


def _money(rules: RiskRules, cash: float, fee_rate: float, buy_px: list[float], sell_px: list[float]) -> _Money:
    count, closed = len(buy_px), len(sell_px)
    m = _Money([0.0] * count, [0.0] * count, [0.0] * count, [0.0] * count, [0.0] * count, [0.0] * count)
    all_in = rules.size_mode == "all_in"
    for k in range(count):
        price = buy_px[k]
        quote = cash if all_in else min(entry_quote(rules, cash), cash)
        if quote <= MIN_QUOTE:
            raise ValueError("cash exhausted")  # cannot happen with positive prices; keep the paths honest
        qty = quote / (price * (1 + fee_rate))
        notional = qty * price
        fee = notional * fee_rate
        cash = cash - notional - fee
        m.quantity[k], m.cost[k], m.entry_fee[k], m.cash_after_buy[k] = qty, notional, fee, cash
        m.fees += fee
        if k < closed:
            proceeds = qty * sell_px[k]
            fee_out = proceeds * fee_rate
            cash = cash + proceeds - fee_out
            m.exit_fee[k], m.cash_after_sell[k] = fee_out, cash
            m.fees += fee_out
    return m


def _trade_table(
    series: CandleSeries, entry_fill: IntArray, exit_fill: IntArray, sell_px: list[float], m: _Money
) -> TradeTable:
    count, closed = entry_fill.shape[0], exit_fill.shape[0]
    qty_a, cost_a, fee_in = np.array(m.quantity), np.array(m.cost), np.array(m.entry_fee)
    last_close = float(series.close[-1]) if len(series) else 0.0
    exit_px = np.array(sell_px + [last_close] * (count - closed), dtype=np.float64)
    fee_out_a = np.array(m.exit_fee[:closed] + [0.0] * (count - closed))
    proceeds_a = qty_a * exit_px
    pnl = proceeds_a - fee_out_a - cost_a - fee_in
    if count > closed:  # open position: marked to the last close, no exit fee (as `table_from`)
        pnl[closed:] = qty_a[closed:] * last_close - cost_a[closed:] - fee_in[closed:]
    times = series.open_time
    return TradeTable(
        group=[MAIN] * count,
        entry_time=times[entry_fill].astype(np.int64),
        exit_time=np.concatenate((times[exit_fill], np.full(count - closed, OPEN))).astype(np.int64),
        entry_price=cost_a / qty_a if count else np.zeros(0),
        exit_price=exit_px,
        quantity=qty_a,
        fee=fee_in + fee_out_a,
        pnl=pnl,
        return_pct=pnl / cost_a * 100,
        exit_reason=["signal"] * closed + [""] * (count - closed),
        note=[None] * count,  # only a take-profit carries a note, and this path has none
    )


def _bars_in_market(n: int, entry_fill: IntArray, exit_fill: IntArray) -> int:
    ends = np.concatenate((exit_fill, np.full(entry_fill.shape[0] - exit_fill.shape[0], n)))
    return int(np.sum(ends - entry_fill))


def _equity(
    series: CandleSeries,
    entry_fill: IntArray,
    exit_fill: IntArray,
    quantity: FloatArray,
    cash_after_buy: list[float],
    cash_after_sell: list[float],
    cash_start: float,
) -> FloatArray:
    """Cash + quantity x close on every bar, from the cash/quantity after each fill (fills interleave)."""
    count, closed = entry_fill.shape[0], exit_fill.shape[0]
    events = count + closed
    if events == 0:
        return np.full(len(series), cash_start)
    at, cash, held = np.empty(events, dtype=np.int64), np.empty(events), np.zeros(events)
    at[0 : 2 * closed : 2], at[1 : 2 * closed : 2] = entry_fill[:closed], exit_fill
    cash[0 : 2 * closed : 2], cash[1 : 2 * closed : 2] = cash_after_buy[:closed], cash_after_sell[:closed]
    held[0 : 2 * closed : 2] = quantity[:closed]
    if count > closed:
        at[-1], cash[-1], held[-1] = entry_fill[-1], cash_after_buy[-1], quantity[-1]
    # The last fill at or before each bar (fill bars strictly increase): a running maximum of the event index.
    marks = np.full(len(series), -1, dtype=np.int64)
    marks[at] = np.arange(events)
    slot = np.maximum.accumulate(marks)
    bar_cash = np.where(slot >= 0, cash[slot], cash_start)
    bar_held = np.where(slot >= 0, held[slot], 0.0)
    result: FloatArray = bar_cash + bar_held * series.close
    return result
