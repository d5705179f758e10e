"""A live tick's view of a backtest: feed a series bar by bar through `engine.decide` (on the recent window
only, JSON state round-tripped every bar, Decimal at the boundary) and `engine.apply_fill`, filling every
intent at the next bar's open with the simulated exchange."""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from chalicelib.domain import engine
from chalicelib.domain.backtest.fills import fill_intent, settle
from chalicelib.domain.candles import CandleSeries
from chalicelib.domain.engine import Balances
from chalicelib.domain.ledger import LegFill as Fill
from chalicelib.domain.strategies import validate_params, warmup_bars
from chalicelib.domain.strategies.base import Intent


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
    state: dict[str, Any] = engine.initial_state()
    pending: tuple[engine.OrderIntent, ...] = ()
    trades: list[ReplayTrade] = []
    for i in range(len(series)):
        for order in pending:
            intent = Intent(
                order.side,
                order.leg,
                order.reason,
                quote_amount=None if order.quote_amount is None else float(order.quote_amount),
                quantity=None if order.quantity is None else float(order.quantity),
            )
            sim = fill_intent(
                intent, float(series.open[i]), int(series.open_time[i]), cash, fee_rate=fee, slippage=slippage
            )
            if sim is None:
                continue
            cash = settle(cash, sim)
            fill = Fill(
                leg=sim.leg,
                side=sim.side,
                price=Decimal(repr(sim.price)),
                quantity=Decimal(repr(sim.quantity)),
                fee=Decimal(repr(sim.fee)),
                time=sim.time,
                reason=sim.reason,
            )
            state, closed = engine.apply_fill_detailed(state, fill)
            if closed is not None:
                trades.append(ReplayTrade(
                    closed.entry_time, closed.exit_time, closed.entry_price, closed.exit_price, closed.quantity,
                    closed.fee, closed.pnl, closed.return_pct, closed.exit_reason,
                ))
        pending = ()
        if i + 1 >= need:
            window = series.slice(i + 1 - need, i + 1)  # only the recent closed candles, as a tick sees them
            decision = engine.decide(
                strategy_id, params, risk, window, state, Balances(Decimal(repr(cash))), interval_ms=interval_ms
            )
            state = json.loads(json.dumps(decision.state))  # persisted between ticks
            pending = decision.intents
    return trades, state, cash
