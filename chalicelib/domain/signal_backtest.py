"""A signal bot's backtest: what a list of timestamped signals would have done, with the live semantics.

Live, a signal is applied by the worker moments after it arrives, as one market order sized by
`domain.signals.plan_order` (the same refusals: action not allowed, already in position, max adds, no
position), and the bot's risk rules run on each closed bar at its tick. A backtest knows prices only per bar,
so a signal that arrived during bar k is applied at bar k+1's open, the first price after its arrival:

1. at bar k+1's open, the orders the risk rules decided at bar k's close fill first (a tick's own orders),
2. then each signal that arrived during bar k, in arrival order, planned on the holdings of that moment and
   filled at that open (fee and slippage as every backtest);
3. at bar k+1's close the risk rules (stop-loss, take-profit, trailing, max drawdown) decide as a tick does.

A signal in the last bar has no next bar and is reported `not_applied`. `max_lag_s` does not apply: a
replayed signal is never late. The budget is the backtest's starting cash."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import numpy as np

from chalicelib.domain.backtest import BacktestResult
from chalicelib.domain.backtest.fills import fill_intent, settle
from chalicelib.domain.backtest.trades import iso_ms, table_from
from chalicelib.domain.candles import CandleSeries
from chalicelib.domain.engine import apply_fill_core, decide_core
from chalicelib.domain.ledger import ClosedTrade
from chalicelib.domain.metrics import compute_metrics
from chalicelib.domain.orders import Side
from chalicelib.domain.risk import RiskRules
from chalicelib.domain.signal_list import TimedSignal
from chalicelib.domain.signals import Holdings, SignalRefused, plan_order
from chalicelib.domain.strategies import get_strategy
from chalicelib.domain.strategies.base import Bar, EngineState, Intent, Params

DUST = Decimal("0.00000001")  # no symbol filters in a backtest: anything above rounding dust is an order


@dataclass
class _Account:
    cash: float
    fee_rate: float
    slippage: float
    st: EngineState = field(default_factory=EngineState)
    closed: list[ClosedTrade] = field(default_factory=list)
    fees: float = 0.0
    adds: int = 0  # buys added to the open position (domain/signals.Holdings.adds)

    def fill(self, intent: Intent, open_price: float, time: int) -> bool:
        done = fill_intent(intent, open_price, time, self.cash, fee_rate=self.fee_rate, slippage=self.slippage)
        if done is None:
            return False
        self.cash = settle(self.cash, done)
        self.fees += done.fee
        trade = apply_fill_core(None, self.st, done.leg, done.side, done.price, done.quantity, done.fee, done.time,
                                done.reason)  # fmt: skip
        if trade is not None:
            self.closed.append(trade)
        return True


@dataclass(frozen=True)
class SignalOutcome:
    signal: TimedSignal
    status: str  # executed | refused | not_applied
    reason: str | None = None
    applied_at_ms: int | None = None

    def to_dict(self) -> dict[str, Any]:
        s = self.signal
        return {
            "time": iso_ms(s.time_ms), "action": s.action, "amount": None if s.amount is None else float(s.amount),
            "status": self.status, "reason": self.reason,
            "applied_at": None if self.applied_at_ms is None else iso_ms(self.applied_at_ms),
        }  # fmt: skip


def _apply(acct: _Account, sig: TimedSignal, params: Params, budget: float, price: float, time: int) -> SignalOutcome:
    held = Holdings(
        budget=Decimal(repr(budget)), cash=Decimal(repr(acct.cash)), position_qty=Decimal(repr(acct.st.quantity)),
        adds=acct.adds if acct.st.quantity > 0 else 0, price=Decimal(repr(price)), min_notional=DUST,
    )  # fmt: skip
    sized = params if sig.amount is None else {**params, "size_mode": "quote", "size_value": float(sig.amount)}
    try:
        order = plan_order(sig.action, sized, held)
    except SignalRefused as refusal:
        return SignalOutcome(sig, "refused", refusal.reason)
    if order.side == "BUY":
        intent = Intent(Side.BUY, order.leg, "signal", quote_amount=float(order.quote_amount or 0))
    else:
        intent = Intent(Side.SELL, order.leg, "signal", quantity=acct.st.quantity)
    adds = held.adds + 1 if order.side == "BUY" and held.position_qty > 0 else 0
    if not acct.fill(intent, price, time):
        return SignalOutcome(sig, "refused", "insufficient_balance")
    acct.adds = adds
    return SignalOutcome(sig, "executed", applied_at_ms=time)


def _by_bar(series: CandleSeries, signals: list[TimedSignal]) -> dict[int, list[TimedSignal]]:
    """The bar each signal arrived in (its open time <= the signal's time)."""
    bars = np.searchsorted(series.open_time, [s.time_ms for s in signals], side="right") - 1
    out: dict[int, list[TimedSignal]] = {}
    for sig, bar in zip(signals, bars.tolist(), strict=True):
        out.setdefault(max(int(bar), 0), []).append(sig)
    return out


def run_signal_backtest(
    series: CandleSeries, params: Params, rules: RiskRules, signals: list[TimedSignal], *,
    cash: float, fee: float, slippage: float, interval_ms: int,
) -> tuple[BacktestResult, list[SignalOutcome]]:  # fmt: skip
    strategy = get_strategy("signal")
    n, first = len(series), strategy.warmup_bars(params) - 1
    arrived = _by_bar(series, signals)
    times = series.open_time.tolist()
    opens, highs, lows, closes = (a.tolist() for a in (series.open, series.high, series.low, series.close))
    acct, equity, outcomes = _Account(cash, fee, slippage), np.empty(n, dtype=np.float64), []
    pending: list[Intent] = []
    in_market = 0
    for i in range(n):
        for intent in pending:
            acct.fill(intent, opens[i], times[i])
        outcomes += [_apply(acct, s, params, cash, opens[i], times[i]) for s in arrived.get(i - 1, [])]
        in_market += acct.st.quantity > 0
        pending = []
        if i >= first:
            bar = Bar(times[i], opens[i], highs[i], lows[i], closes[i])
            pending = decide_core(strategy, params, rules, bar, False, False, acct.st, acct.cash, interval_ms)
        equity[i] = acct.cash + acct.st.quantity * closes[i]
    outcomes += [SignalOutcome(s, "not_applied", "arrived_in_the_last_bar") for s in arrived.get(n - 1, [])]
    trades = table_from(acct.closed, acct.st, closes[-1])
    is_open = trades.is_open
    metrics = compute_metrics(
        equity=equity, initial_cash=cash, interval_ms=interval_ms, closed_pnl=trades.pnl[~is_open],
        fees_paid=acct.fees, bars_in_market=in_market, open_trades=int(np.count_nonzero(is_open)),
    )  # fmt: skip
    result = BacktestResult("signal", params, rules, trades, series.open_time, equity, metrics, "signals")
    return result, outcomes
