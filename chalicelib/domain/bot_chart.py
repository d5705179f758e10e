"""What the bot page draws to show a strategy at work: the indicator series its strategy declares (each
signal strategy module's `plots(series, params)`, in the price pane or, with `PLOT_PANE = "oscillator"`, a
pane of its own), a grid's levels with the cells holding a lot, and a DCA cycle's safety orders with those
already filled. Pure: the bot's strategy, params and engine state plus closed candles in, plain data out."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

from chalicelib.domain.candles import Candle, CandleSeries, FloatArray
from chalicelib.domain.strategies import (
    bollinger_reversion,
    dca,
    ema_cross,
    grid,
    macd_cross,
    rsi_reversion,
    sma_cross,
)

_PLOTTING: dict[str, ModuleType] = {
    m.STRATEGY.id: m for m in (sma_cross, ema_cross, rsi_reversion, macd_cross, bollinger_reversion)
}


@dataclass(frozen=True, slots=True)
class Plot:
    name: str
    pane: str  # "price" (over the candles) or "oscillator" (its own pane below)
    points: tuple[tuple[int, float], ...]  # (open_time ms, value), warm-up bars (NaN) left out


@dataclass(frozen=True, slots=True)
class SafetyStep:
    leg: str  # safety_<k>
    price: float  # the trigger below the cycle's base price
    quote: float  # quote the order spends
    filled: bool


@dataclass(frozen=True, slots=True)
class BotChart:
    plots: tuple[Plot, ...] = ()
    levels: tuple[float, ...] = ()  # grid levels, lowest first
    held_cells: tuple[int, ...] = ()  # grid cells (index of their lower level) holding a lot
    dca_base_price: float | None = None  # the running cycle's base entry, or the last close when flat
    dca_in_cycle: bool = False
    safety_orders: tuple[SafetyStep, ...] = field(default=())


def indicator_plots(strategy_id: str, params: Mapping[str, Any], candles: Sequence[Candle]) -> tuple[Plot, ...]:
    if not candles:
        return ()
    return series_plots(strategy_id, params, CandleSeries.from_candles(candles))


def series_plots(
    strategy_id: str, params: Mapping[str, Any], series: CandleSeries, at: Sequence[tuple[int, int]] | None = None
) -> tuple[Plot, ...]:
    """The strategy's declared series over `series` (the bot page's and the backtest result's chart draw the
    same declaration). `at`, when given, picks one point per (time, bar index) pair: a chart of merged
    candles shows each series' value at the candle's last bar, at the candle's time."""
    module = _PLOTTING.get(strategy_id)
    if module is None or len(series) == 0:
        return ()
    plots: Callable[[CandleSeries, Mapping[str, Any]], dict[str, FloatArray]] = module.plots
    pane = getattr(module, "PLOT_PANE", "price")
    picks = at if at is not None else [(int(t), i) for i, t in enumerate(series.open_time.tolist())]
    return tuple(
        Plot(name, pane, tuple((t, v) for t, i in picks if math.isfinite(v := float(values[i]))))
        for name, values in plots(series, params).items()
    )


def _dca_steps(params: Mapping[str, Any], base_price: float, filled: int) -> tuple[SafetyStep, ...]:
    return tuple(
        SafetyStep(f"safety_{k}", base_price * (1 - d / 100), dca.safety_size(dict(params), k), k <= filled)
        for k, d in enumerate(dca.deviations(dict(params)), start=1)
    )


def bot_chart(
    strategy_id: str, params: Mapping[str, Any], engine: Mapping[str, Any], candles: Sequence[Candle]
) -> BotChart:
    """`engine` is the bot's persisted engine state (`engine_state.state_to_dict`)."""
    plots = indicator_plots(strategy_id, params, candles)
    lots = engine.get("lots") or {}
    if strategy_id == grid.STRATEGY.id:
        held = tuple(sorted(int(g.split("_", 1)[1]) for g in lots if g.startswith("cell_")))
        return BotChart(plots, tuple(grid.levels(dict(params))), held)
    if strategy_id == dca.STRATEGY.id:
        extra = engine.get("extra") or {}
        in_cycle = "dca_base_price" in extra and "main" in lots
        base = float(extra["dca_base_price"]) if in_cycle else (float(candles[-1].close) if candles else None)
        filled = int(float(extra.get("dca_safety_filled", 0))) if in_cycle else 0
        steps = () if base is None else _dca_steps(params, base, filled)
        return BotChart(plots, dca_base_price=base, dca_in_cycle=in_cycle, safety_orders=steps)
    return BotChart(plots)
