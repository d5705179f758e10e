"""The decision engine: one execution semantics for backtests and live ticks.

A tick (or the backtester) calls, once per closed bar:

    decision = decide(strategy_id, params, risk, window, state, balances, interval_ms=...)
    for intent in decision.intents:            # place market orders; client id from (bot, tick_at, leg)
        state = apply_fill(state, fill_of(intent))   # with the real price / quantity / fee
    # persist decision.state (then the state returned by apply_fill) between ticks
    reconcile(decision.wanted, resting_by_key)  # domain.resting: the orders the bot wants resting; a fill of
    state = apply_fill(state, LegFill(leg=wanted.leg, ...))  # one books through apply_fill like any other

* `window` holds the most recent *closed* candles, oldest first, the decision bar last; it needs at least
  `warmup_bars(strategy_id, params)` rows (more are fine: the answer depends only on that many).
* Intents are market orders meant to fill at the next bar's open; `Decision.wanted` lists the orders the bot
  wants resting from the next bar on (grid/DCA in a limit mode, stops with risk `stop_mode` "exchange";
  docs/orders.md). Buys carry `quote_amount` (quote to
  spend, fee included: quantity = quote / (price x (1 + fee))); sells carry `quantity`.
* `state` is a JSON-serialisable dict owned by the engine: positions, entry prices, trailing peak,
  DCA/grid state, protections. Start from `initial_state()` (or `{}`).
* Values crossing this boundary are Decimal (or strings in the state); inside, the engine computes in
  float64, the same arithmetic the backtester uses, so a bar-by-bar replay reproduces a backtest exactly.

`decide_core` / `apply_fill_core` are the same logic on in-memory objects, which the backtester calls;
the lots themselves are booked by `domain.ledger`, and the state is (de)serialised by `engine_state`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import numpy as np

from chalicelib.domain.candles import CandleSeries
from chalicelib.domain.engine_guards import drawdown_pct, entries_allowed, prune_stops
from chalicelib.domain.engine_io import to_order_intent, to_wanted
from chalicelib.domain.engine_state import state_from_dict, state_to_dict
from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.ledger import ClosedTrade, LegFill, book_lot_buy, book_lot_sell
from chalicelib.domain.orders import OrderIntent, Side
from chalicelib.domain.protection import protect
from chalicelib.domain.resting import WantedOrder
from chalicelib.domain.risk import RiskRules, entry_quote, exit_reason, validate_risk
from chalicelib.domain.strategies import get_strategy, validate_params
from chalicelib.domain.strategies.base import (
    MAIN,
    MIN_QUOTE,
    Bar,
    EngineState,
    Intent,
    Params,
    SignalStrategy,
    Strategy,
    Want,
    exit_leg,
    group_of,
)

STOP_REASONS = ("stop_loss", "trailing_stop")


# --- the public boundary ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Balances:
    """What the bot may spend now: free quote balance (e.g. USDT)."""

    quote: Decimal


@dataclass(frozen=True)
class Decision:
    intents: tuple[OrderIntent, ...]
    state: dict[str, Any]
    bar_open_time: int  # open time of the decision bar (the last closed candle of the window)
    # The orders the bot wants resting after this bar (domain.resting); the tick reconciles them with what
    # rests. Empty for a bot that trades at market only.
    wanted: tuple[WantedOrder, ...] = ()


def initial_state() -> dict[str, Any]:
    return state_to_dict(EngineState(), strategy_id=None)


def decide(
    strategy_id: str,
    params: Mapping[str, Any],
    risk: RiskRules | Mapping[str, Any] | None,
    window: CandleSeries,
    state: Mapping[str, Any] | None,
    balances: Balances,
    *,
    interval_ms: int | None = None,
) -> Decision:
    """Decide on the last closed bar of `window`. Pure: returns intents and the new state.

    `interval_ms` is the bar length (pass the bot's interval; inferred from the window when omitted).
    Raises InvalidInput for bad params/risk or a window shorter than the strategy's warm-up.
    """
    strategy = get_strategy(strategy_id)
    checked = validate_params(strategy_id, dict(params))
    rules = risk if isinstance(risk, RiskRules) else validate_risk(dict(risk) if risk is not None else None)
    window = _decision_window(strategy_id, strategy, checked, window)
    entry_signal = exit_signal = False
    if isinstance(strategy, SignalStrategy):
        entries, exits = strategy.signals(window, checked)
        entry_signal, exit_signal = bool(entries[-1]), bool(exits[-1])
    st = state_from_dict(state)
    bar = _last_bar(window)
    step = interval_ms if interval_ms is not None else infer_interval_ms(window)
    cash = float(balances.quote)
    intents, wants = decide_full(strategy, checked, rules, bar, entry_signal, exit_signal, st, cash, step)
    return Decision(
        intents=tuple(to_order_intent(i) for i in intents),
        state=state_to_dict(st, strategy_id=strategy_id),
        bar_open_time=bar.open_time,
        wanted=tuple(to_wanted(w) for w in wants),
    )


def _decision_window(strategy_id: str, strategy: Strategy, params: Params, window: CandleSeries) -> CandleSeries:
    need = strategy.warmup_bars(params)
    if len(window) < need:
        raise InvalidInput(
            f"{strategy_id} needs {need} closed candles, got {len(window)}",
            details=[{"field": "window", "message": f"needs at least {need} candles"}],
        )
    return window.tail(need)


def _last_bar(window: CandleSeries) -> Bar:
    last = len(window) - 1
    return Bar(
        int(window.open_time[last]),
        float(window.open[last]),
        float(window.high[last]),
        float(window.low[last]),
        float(window.close[last]),
    )


def apply_fill(state: Mapping[str, Any], fill: LegFill) -> dict[str, Any]:
    """The state after a fill of one of the decided intents (call once per fill, partial fills too)."""
    return apply_fill_detailed(state, fill)[0]


def apply_fill_detailed(state: Mapping[str, Any], fill: LegFill) -> tuple[dict[str, Any], ClosedTrade | None]:
    """As `apply_fill`, also returning the trade a sell closed (for the trade log)."""
    strategy_id = state.get("strategy")
    st = state_from_dict(state)
    strategy = get_strategy(strategy_id) if isinstance(strategy_id, str) else None
    trade = apply_fill_core(
        strategy, st, fill.leg, fill.side, float(fill.price), float(fill.quantity), float(fill.fee), fill.time,
        fill.reason,
    )
    return state_to_dict(st, strategy_id=strategy_id if isinstance(strategy_id, str) else None), trade


# --- the shared core (float arithmetic; used verbatim by the backtester) -------------------------------


def _sell_all(st: EngineState, reason: str) -> list[Intent]:
    return [Intent(Side.SELL, exit_leg(group), reason, quantity=lot.quantity) for group, lot in st.lots.items()]


def decide_core(
    strategy: Strategy,
    params: Params,
    rules: RiskRules,
    bar: Bar,
    entry_signal: bool,
    exit_signal: bool,
    st: EngineState,
    cash: float,
    interval_ms: int,
) -> list[Intent]:
    """The market orders for one closed bar (`decide_full` without the resting orders)."""
    return decide_full(strategy, params, rules, bar, entry_signal, exit_signal, st, cash, interval_ms)[0]


def decide_full(
    strategy: Strategy,
    params: Params,
    rules: RiskRules,
    bar: Bar,
    entry_signal: bool,
    exit_signal: bool,
    st: EngineState,
    cash: float,
    interval_ms: int,
) -> tuple[list[Intent], list[Want]]:
    """Intents and wanted resting orders for one closed bar; updates `st` in place (trailing peak, equity peak,
    kill switch). A bar that closes everything at market wants nothing resting."""
    quantity = st.quantity
    equity = cash + quantity * bar.close
    # Peaks move only for the rule that reads them, so a quiet bar changes no state and its tick writes nothing
    # (docs/cost.md, docs/strategies.md: where a rule set later starts from).
    st.peak_equity = max(st.peak_equity, equity) if rules.max_drawdown_pct is not None else 0.0
    reason: str | None = None
    if quantity > 0:
        if not rules.exchange_stops:  # on the exchange they rest instead (domain/protection.py)
            reason = exit_reason(rules, st.cost / quantity, st.peak_price, bar)
        if rules.trailing_stop_pct is not None:
            st.peak_price = max(st.peak_price, bar.high)
    limit = rules.max_drawdown_pct
    if limit is not None and not st.halted and st.peak_equity > 0 and drawdown_pct(st, equity) >= limit:
        st.halted = True
        reason = reason or "max_drawdown"
    if reason is not None and quantity > 0:
        return _sell_all(st, reason), []
    prune_stops(rules, st, bar.open_time, interval_ms)
    allowed = entries_allowed(rules, st, bar.open_time, interval_ms)
    if isinstance(strategy, SignalStrategy):
        intents = _signal_intents(rules, st, cash, quantity, entry_signal and allowed, exit_signal)
        return protect(rules, st, bar.close, intents, [])
    intents = strategy.decide_bar(params, bar, st, cash, allowed)
    intents = [i for i in intents if i.side is Side.SELL or (i.quote_amount or 0.0) > MIN_QUOTE]
    wants = strategy.wants(params, bar, st, cash, allowed) if strategy.wants is not None else []
    return protect(rules, st, bar.close, intents, wants)


def _signal_intents(
    rules: RiskRules, st: EngineState, cash: float, quantity: float, enter: bool, leave: bool
) -> list[Intent]:
    if quantity > 0:
        return _sell_all(st, "signal") if leave else []
    if enter:
        quote = entry_quote(rules, cash)
        if quote > MIN_QUOTE:
            return [Intent(Side.BUY, "entry", "signal", quote_amount=quote)]
    return []


def apply_fill_core(
    strategy: Strategy | None,
    st: EngineState,
    leg: str,
    side: Side,
    price: float,
    quantity: float,
    fee: float,
    time: int,
    reason: str,
) -> ClosedTrade | None:
    """Book one fill into `st` (in place) through the ledger; returns the trade a sell closed."""
    group = group_of(leg)
    trade: ClosedTrade | None = None
    if side is Side.BUY:
        if not st.lots:
            st.peak_price = price
        book_lot_buy(st.lots, group, price, quantity, fee, time)
    else:
        if group not in st.lots:
            raise InvalidInput(f"sell fill for {leg!r} but no open position in {group!r}")
        trade = book_lot_sell(st.lots, group, price, quantity, fee, time, reason)
        if reason in STOP_REASONS:
            st.stop_times.append(time)
        if not st.lots:
            st.peak_price = 0.0
    if strategy is not None and strategy.kind == "stateful":
        strategy.on_fill(st, leg, side, price, quantity)
    return trade


def infer_interval_ms(series: CandleSeries) -> int:
    """The bar length: the smallest step between consecutive open times (gaps are larger)."""
    if len(series) < 2:
        raise InvalidInput("cannot infer the interval from fewer than 2 candles; pass interval_ms")
    steps = np.diff(series.open_time)
    steps = steps[steps > 0]
    if steps.shape[0] == 0:
        raise InvalidInput("candle open times do not increase")
    return int(steps.min())


__all__ = [
    "MAIN",
    "MIN_QUOTE",
    "Balances",
    "ClosedTrade",
    "Decision",
    "LegFill",
    "OrderIntent",
    "apply_fill",
    "apply_fill_detailed",
    "decide",
    "entries_allowed",
    "initial_state",
]
