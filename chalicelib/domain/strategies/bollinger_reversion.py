"""Bollinger reversion: buy when the close falls below the lower band, sell when it gets back to the
middle (or upper) band."""

from __future__ import annotations

from chalicelib.domain import indicators
from chalicelib.domain.candles import CandleSeries, FloatArray
from chalicelib.domain.strategies.base import (
    BoolArray,
    Params,
    SignalStrategy,
    crosses_above,
    crosses_below,
    no_cross_rules,
)
from chalicelib.domain.strategies.schema import integer, number, object_schema


def signals(series: CandleSeries, params: Params) -> tuple[BoolArray, BoolArray]:
    upper, middle, lower = indicators.bollinger(series.close, params["period"], params["stddev"])
    target = middle if params["exit_band"] == "middle" else upper
    return crosses_below(series.close, lower), crosses_above(series.close, target)


def warmup_bars(params: Params) -> int:
    return int(params["period"]) + 1


STRATEGY = SignalStrategy(
    id="bollinger_reversion",
    name="Bollinger reversion",
    description="Buys when the close crosses below the lower Bollinger band (SMA - k population standard "
    "deviations); sells when the close crosses back above the middle band (or the upper band).",
    params_schema=object_schema(
        "bollinger_reversion params",
        {
            "period": integer(20, 2, 500, "SMA / standard deviation period (bars)"),
            "stddev": number(2.0, "Band width in standard deviations", exclusive_minimum=0, maximum=10),
            "exit_band": {
                "type": "string",
                "enum": ["middle", "upper"],
                "default": "middle",
                "description": "Band whose upward cross closes the position",
            },
        },
    ),
    check_params=no_cross_rules,
    warmup_bars=warmup_bars,
    signals=signals,
)


def plots(series: CandleSeries, params: Params) -> dict[str, FloatArray]:
    """What the bot page draws over the candles: the three bands the close crosses."""
    upper, middle, lower = indicators.bollinger(series.close, params["period"], params["stddev"])
    return {"Upper band": upper, "Middle band": middle, "Lower band": lower}
