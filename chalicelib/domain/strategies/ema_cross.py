"""EMA crossover: buy when the fast EMA crosses above the slow one, sell when it crosses below."""

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

# Each EMA is computed over the last WINDOW_FACTOR * slow bars only (seed weight ~ e^-10 for slow >= 10),
# so a live tick's window and a backtest give the same value to the last bit.
WINDOW_FACTOR = 5


def _window(params: Params) -> int:
    return WINDOW_FACTOR * int(params["slow"])


def signals(series: CandleSeries, params: Params) -> tuple[BoolArray, BoolArray]:
    window = _window(params)
    fast = indicators.ema_windowed(series.close, params["fast"], window)
    slow = indicators.ema_windowed(series.close, params["slow"], window)
    return crosses_above(fast, slow), crosses_below(fast, slow)


def warmup_bars(params: Params) -> int:
    return _window(params) + 1


STRATEGY = SignalStrategy(
    id="ema_cross",
    name="EMA crossover",
    description="Buys when the fast exponential moving average of closes crosses above the slow one; "
    "sells when it crosses back below. EMAs are seeded with an SMA and evaluated over the last 5 x slow bars.",
    params_schema=object_schema(
        "ema_cross params",
        {
            "fast": integer(12, 2, 199, "Fast EMA period (bars)"),
            "slow": integer(26, 3, 200, "Slow EMA period (bars); must exceed fast"),
        },
    ),
    check_params=fast_below_slow,
    warmup_bars=warmup_bars,
    signals=signals,
)


def plots(series: CandleSeries, params: Params) -> dict[str, FloatArray]:
    """What the bot page draws over the candles: the two averages whose cross is the signal."""
    window = _window(params)
    return {
        f"EMA {params['fast']}": indicators.ema_windowed(series.close, params["fast"], window),
        f"EMA {params['slow']}": indicators.ema_windowed(series.close, params["slow"], window),
    }
