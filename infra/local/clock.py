"""The local runtime uses the app's own environment clock (chalicelib/clock_env.py), so both agree."""

from chalicelib.clock_env import (
    AnchoredAcceleratedClock,
    ClockConfigError,
    clock_from_env,
    clock_speed,
    is_accelerated,
    parse_instant_ms,
    pin_clock_env,
)

__all__ = [
    "AnchoredAcceleratedClock",
    "ClockConfigError",
    "clock_from_env",
    "clock_speed",
    "is_accelerated",
    "parse_instant_ms",
    "pin_clock_env",
]
