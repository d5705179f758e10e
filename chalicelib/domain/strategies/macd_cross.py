"""MACD signal cross: buy when the MACD line crosses above its signal line, sell when it crosses below."""

from __future__ import annotations

from chalicelib.domain import indicators
from chalicelib.domain.candles import CandleSeries, FloatArray
from chalicelib.domain.strategies.base import (
    BoolArray,
    Params,
    SignalStrategy,
    crosses_above,
    crosses_below,
    fast_below_slow,
)
from chalicelib.domain.strategies.schema import integer, object_schema

WINDOW_FACTOR = 5  # MACD evaluated over the last 5 x slow + signal bars (window-exact, see indicators)


def _window(params: Params) -> int:
    return WINDOW_FACTOR * int(params["slow"]) + int(params["signal"])


def signals(series: CandleSeries, params: Params) -> tuple[BoolArray, BoolArray]:
    line, signal = indicators.macd_windowed(
        series.close, params["fast"], params["slow"], params["signal"], _window(params)
    )
    return crosses_above(line, signal), crosses_below(line, signal)


def warmup_bars(params: Params) -> int:
    return _window(params) + 1


STRATEGY = SignalStrategy(
    id="macd_cross",
    name="MACD signal cross",
    description="Buys when the MACD line (fast EMA - slow EMA) crosses above its signal line; "
    "sells when it crosses back below.",
    params_schema=object_schema(
        "macd_cross params",
        {
            "fast": integer(12, 2, 199, "Fast EMA period (bars)"),
            "slow": integer(26, 3, 200, "Slow EMA period (bars); must exceed fast"),
            "signal": integer(9, 2, 100, "Signal EMA period (bars)"),
        },
    ),
    check_params=fast_below_slow,
    warmup_bars=warmup_bars,
    signals=signals,
)


def plots(series: CandleSeries, params: Params) -> dict[str, FloatArray]:
    """An oscillator drawn in its own pane below the candles: the MACD line and its signal line."""
    line, signal = indicators.macd_windowed(
        series.close, params["fast"], params["slow"], params["signal"], _window(params)
    )
    return {"MACD": line, "Signal": signal}


PLOT_PANE = "oscillator"
