"""RSI mean reversion: buy when RSI crosses up through the lower level, sell when it crosses down
through the upper level."""

from __future__ import annotations

import numpy as np

from chalicelib.domain import indicators
from chalicelib.domain.candles import CandleSeries, FloatArray
from chalicelib.domain.strategies.base import BoolArray, Params, SignalStrategy, crosses_above, crosses_below
from chalicelib.domain.strategies.schema import integer, number, object_schema

# RSI (Wilder) is computed over the last WINDOW_FACTOR * period + 1 bars (seed weight ~ e^-10).
WINDOW_FACTOR = 10


def _window(params: Params) -> int:
    return WINDOW_FACTOR * int(params["period"]) + 1


def signals(series: CandleSeries, params: Params) -> tuple[BoolArray, BoolArray]:
    value = indicators.rsi_windowed(series.close, params["period"], _window(params))
    lower = np.full(value.shape[0], float(params["lower"]))
    upper = np.full(value.shape[0], float(params["upper"]))
    return crosses_above(value, lower), crosses_below(value, upper)


def warmup_bars(params: Params) -> int:
    return _window(params) + 1


def check(params: Params) -> list[dict[str, str]]:
    if params["lower"] >= params["upper"]:
        return [{"field": "lower", "message": "must be smaller than upper"}]
    return []


STRATEGY = SignalStrategy(
    id="rsi_reversion",
    name="RSI mean reversion",
    description="Buys when the RSI (Wilder) crosses up through the lower level (leaving oversold); "
    "sells when it crosses down through the upper level (leaving overbought).",
    params_schema=object_schema(
        "rsi_reversion params",
        {
            "period": integer(14, 2, 100, "RSI period (bars)"),
            "lower": number(30.0, "Oversold level; buy on crossing up through it", minimum=1, maximum=99),
            "upper": number(70.0, "Overbought level; sell on crossing down through it", minimum=1, maximum=99),
        },
    ),
    check_params=check,
    warmup_bars=warmup_bars,
    signals=signals,
)


def plots(series: CandleSeries, params: Params) -> dict[str, FloatArray]:
    """An oscillator (0-100) drawn in its own pane below the candles, with the two levels it crosses."""
    value = indicators.rsi_windowed(series.close, params["period"], _window(params))
    return {
        f"RSI {params['period']}": value,
        "Oversold": np.full(value.shape[0], float(params["lower"])),
        "Overbought": np.full(value.shape[0], float(params["upper"])),
    }


PLOT_PANE = "oscillator"
