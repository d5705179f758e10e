"""A live tick's view of a backtest: feed a series bar by bar through `engine.decide` (on the recent window
only, JSON state round-tripped every bar, Decimal at the boundary) and `engine.apply_fill`, filling every
intent at the next bar's open with the simulated exchange, and the orders each decision wants resting
(`Decision.wanted`, reconciled by key as the tick does) bar by bar by the shared rule of
domain/resting_fills.py (backtest.resting.RestingBook)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from chalicelib.domain import engine
from chalicelib.domain.backtest.fills import SimFill, fill_intent, settle
from chalicelib.domain.backtest.resting import Candle, RestingBook
from chalicelib.domain.candles import CandleSeries
from chalicelib.domain.engine import Balances
from chalicelib.domain.engine_io import to_wanted
from chalicelib.domain.ledger import LegFill as Fill
from chalicelib.domain.resting import WantedOrder, reconcile
from chalicelib.domain.strategies import validate_params, warmup_bars
from chalicelib.domain.strategies.base import Intent, Want


@dataclass(frozen=True)
class ReplayTrade:
    entry_time: int
    exit_time: int
    entry_price: float
    exit_price: float
    quantity: float
    fee: float
    pnl: float
    return_pct: float
    exit_reason: str


class _TickAccount:
    """What a tick keeps between bars: the JSON engine state, the bot's cash and the trades it booked."""

    def __init__(self, cash: float) -> None:
        self.cash = cash
        self.state: dict[str, Any] = engine.initial_state()
        self.trades: list[ReplayTrade] = []

    def held(self, group: str) -> float:
        lot = self.state["lots"].get(group)
        return 0.0 if lot is None else float(lot["quantity"])

    def book(self, sim: SimFill) -> None:
        self.cash = settle(self.cash, sim)
        fill = Fill(
            leg=sim.leg,
            side=sim.side,
            price=Decimal(repr(sim.price)),
            quantity=Decimal(repr(sim.quantity)),
            fee=Decimal(repr(sim.fee)),
            time=sim.time,
            reason=sim.reason,
        )
        self.state, closed = engine.apply_fill_detailed(self.state, fill)
        if closed is not None:
            self.trades.append(ReplayTrade(
                closed.entry_time, closed.exit_time, closed.entry_price, closed.exit_price, closed.quantity,
                closed.fee, closed.pnl, closed.return_pct, closed.exit_reason,
            ))


def _want(order: WantedOrder) -> Want:
    """The wanted order back in floats, as the exchange receives its Decimal terms."""
    stop = None if order.oco_stop is None else (float(order.oco_stop.stop_price), float(order.oco_stop.limit_price))
    return Want(
        order.key, order.purpose.value, order.leg, order.reason, order.side, order.type, float(order.quantity),
        float(order.price), None if order.stop_price is None else float(order.stop_price), stop, order.stop_reason,
    )


def _intent(order: engine.OrderIntent) -> Intent:
    return Intent(
        order.side,
        order.leg,
        order.reason,
        quote_amount=None if order.quote_amount is None else float(order.quote_amount),
        quantity=None if order.quantity is None else float(order.quantity),
    )


def _update_as_the_tick_reconciles(resting: RestingBook, wanted: tuple[WantedOrder, ...]) -> None:
    """Update the simulated book, and check it keeps exactly the orders `domain.resting.reconcile` keeps."""
    before = dict(resting.orders)
    plan = reconcile(wanted, {key: to_wanted(order.want) for key, order in before.items()})
    resting.update([_want(w) for w in wanted])
    kept = {key for key, order in resting.orders.items() if before.get(key) is order}
    assert kept == set(plan.keep), (kept, plan)
    assert set(resting.orders) == set(plan.keep) | {w.key for w in plan.place}


def replay(
    series: CandleSeries,
    strategy_id: str,
    params: dict[str, Any],
    risk: dict[str, Any] | None = None,
    *,
    fee: float = 0.001,
    slippage: float = 0.0,
    cash: float = 10_000.0,
    interval_ms: int = 60_000,
) -> tuple[list[ReplayTrade], dict[str, Any], float]:
    need = warmup_bars(strategy_id, validate_params(strategy_id, params))
    account = _TickAccount(cash)
    resting = RestingBook(fee)
    pending: tuple[engine.OrderIntent, ...] = ()
    for i in range(len(series)):
        at = int(series.open_time[i])
        for order in pending:
            sim = fill_intent(_intent(order), float(series.open[i]), at, account.cash, fee_rate=fee, slippage=slippage)
            if sim is not None:
                account.book(sim)
        pending = ()
        candle = Candle(at, float(series.open[i]), float(series.high[i]), float(series.low[i]), float(series.volume[i]))
        resting.fill_bar(candle, account)
        if i + 1 >= need:
            window = series.slice(i + 1 - need, i + 1)  # only the recent closed candles, as a tick sees them
            decision = engine.decide(
                strategy_id, params, risk, window, account.state, Balances(Decimal(repr(account.cash))),
                interval_ms=interval_ms,
            )
            account.state = json.loads(json.dumps(decision.state))  # persisted between ticks
            pending = decision.intents
            _update_as_the_tick_reconciles(resting, decision.wanted)
    return account.trades, account.state, account.cash
