"""The bot's real engine state at `from`, for a replay that starts where the live bot stood.

A shadow pass: from the snapshot kept with the version in force at `from` (domain/config_history.py: the engine
state when the bot was started or edited), over the ticks up to `from`, the engine decides on each bar as the
live tick did (trailing peaks, equity peak, kill switch, cooldowns, DCA and grid bookkeeping) but its orders are
thrown away: what is booked instead are the bot's REAL fills, through the same `apply_fill_core` the tick books
them with, before the first decision after each of them. The lots, DCA cycle, grid cells and peaks at `from`
are then the ones the live bot had, as far as the fills and candles say."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from chalicelib.domain.candles import CandleSeries
from chalicelib.domain.drift.model import SideFill
from chalicelib.domain.drift.replay import Stage, Window, flags_of
from chalicelib.domain.engine import apply_fill_core, decide_full
from chalicelib.domain.engine_state import state_from_dict, state_to_dict
from chalicelib.domain.orders import Side
from chalicelib.domain.strategies.base import MAIN, Bar, EngineState, group_of


def leg_of(fill: SideFill) -> str | None:
    """The leg a live fill booked as: the one its client order id named, else the one its position group
    implies (a resting order's id names its key, not a leg); None for a manual close of every group."""
    if fill.leg and fill.leg != "close":
        return fill.leg
    if fill.group == "all" or fill.leg == "close":
        return None
    if fill.group != MAIN:
        return ("grid_buy_" if fill.side == "BUY" else "grid_sell_") + fill.group.rsplit("_", 1)[1]
    return "entry" if fill.side == "BUY" else "exit"


class Shadow:
    def __init__(self, stage: Stage, engine: dict[str, Any], cash: Decimal) -> None:
        self.stage = stage
        self.st = state_from_dict(engine)
        self.cash = float(cash)

    def book(self, fill: SideFill) -> None:
        sign = -1.0 if fill.side == "BUY" else 1.0
        self.cash += sign * float(fill.quote) - float(fill.cash_fee)
        leg = leg_of(fill)
        if leg is None:
            self.st = EngineState()  # a manual close ends every group: the strategy starts afresh (tick booking)
            return
        side = Side(fill.side)
        if side is Side.SELL and group_of(leg) not in self.st.lots:
            return  # nothing known to sell from (a position older than the snapshot): the lots stay as they are
        apply_fill_core(self.stage.strategy, self.st, leg, side, float(fill.price), float(fill.held),
                        float(fill.fee), fill.executed_at_ms, fill.reason)  # fmt: skip


def state_at(
    series: CandleSeries, stage: Stage, window: Window, engine: dict[str, Any], cash: Decimal,
    fills: Sequence[SideFill],
) -> dict[str, Any]:  # fmt: skip
    """The engine state after the ticks of `window`, from `engine` and `cash` at its start; `fills` are the live
    fills inside the window, in time order."""
    shadow, queue = Shadow(stage, engine, cash), list(fills)
    entries, exits = flags_of(series, stage.strategy, stage.params)
    first = stage.strategy.warmup_bars(stage.params) - 1
    times = series.open_time.tolist()
    o, h, lo, c = (a.tolist() for a in (series.open, series.high, series.low, series.close))
    for i, at in enumerate(times):
        if not window.decides(at):
            continue
        while queue and queue[0].executed_at_ms <= at + window.interval_ms:
            shadow.book(queue.pop(0))
        if i >= first:
            decide_full(stage.strategy, stage.params, stage.rules, Bar(at, o[i], h[i], lo[i], c[i]), entries[i],
                        exits[i], shadow.st, shadow.cash, window.interval_ms)  # fmt: skip
    for fill in queue:
        shadow.book(fill)
    return state_to_dict(shadow.st, strategy_id=stage.strategy.id)
