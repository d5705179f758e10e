"""SMA crossover: buy when the fast SMA crosses above the slow one, sell when it crosses below."""

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


def signals(series: CandleSeries, params: Params) -> tuple[BoolArray, BoolArray]:
    fast = indicators.sma(series.close, params["fast"])
    slow = indicators.sma(series.close, params["slow"])
    return crosses_above(fast, slow), crosses_below(fast, slow)


def warmup_bars(params: Params) -> int:
    return int(params["slow"]) + 1  # both averages on this bar and the previous one


STRATEGY = SignalStrategy(
    id="sma_cross",
    name="SMA crossover",
    description="Buys when the fast simple moving average of closes crosses above the slow one; "
    "sells when it crosses back below.",
    params_schema=object_schema(
        "sma_cross params",
        {
            "fast": integer(10, 2, 500, "Fast SMA period (bars)"),
            "slow": integer(30, 3, 1000, "Slow SMA period (bars); must exceed fast"),
        },
    ),
    check_params=fast_below_slow,
    warmup_bars=warmup_bars,
    signals=signals,
)


def plots(series: CandleSeries, params: Params) -> dict[str, FloatArray]:
    """What the bot page draws over the candles: the two averages whose cross is the signal."""
    return {
        f"SMA {params['fast']}": indicators.sma(series.close, params["fast"]),
        f"SMA {params['slow']}": indicators.sma(series.close, params["slow"]),
    }
