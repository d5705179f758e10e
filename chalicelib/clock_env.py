"""The clock the app and the local runtime share, built from the environment (wall time on Lambda).

`make run` may run market time faster than the wall clock (CLOCK_SPEED=60: one market minute per wall
second) from a chosen start (CLOCK_START). The runtime and the app each build their clock from the same
three variables, and CLOCK_ANCHOR_MS (the wall instant at which market time equals CLOCK_START) makes both
read the same market time whenever they were constructed.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, MutableMapping
from datetime import UTC, datetime

from chalicelib.domain.clock import Clock, SystemClock


class ClockConfigError(ValueError):
    pass


class AnchoredAcceleratedClock:
    """Market time = start + (wall - anchor) * speed. Unlike an accelerated clock anchored at its own
    construction, two instances with the same anchor agree, in any process."""

    def __init__(self, start_ms: int, speed: float, anchor_wall_ms: int, wall: Clock | None = None) -> None:
        if speed <= 0:
            raise ClockConfigError("CLOCK_SPEED must be positive")
        self.start_ms = start_ms
        self.speed = speed
        self.anchor_wall_ms = anchor_wall_ms
        self._wall = wall or SystemClock()

    def now_ms(self) -> int:
        return self.start_ms + int((self._wall.now_ms() - self.anchor_wall_ms) * self.speed)


def parse_instant_ms(text: str) -> int:
    """ISO date or date-time to Unix ms; a value without a zone is UTC ("2024-01-01", "2024-01-01T09:30")."""
    try:
        parsed = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ClockConfigError(f"CLOCK_START must be an ISO date or date-time, got {text!r}") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return int(parsed.timestamp() * 1000)


def clock_speed(env: Mapping[str, str]) -> float:
    raw = env.get("CLOCK_SPEED") or "1"
    try:
        speed = float(raw)
    except ValueError:
        raise ClockConfigError(f"CLOCK_SPEED must be a number, got {raw!r}") from None
    if speed <= 0:
        raise ClockConfigError(f"CLOCK_SPEED must be positive, got {raw!r}")
    return speed


def is_accelerated(env: Mapping[str, str]) -> bool:
    return clock_speed(env) != 1.0 or bool(env.get("CLOCK_START"))


def clock_from_env(env: Mapping[str, str]) -> Clock:
    """SystemClock unless CLOCK_SPEED (!= 1) or CLOCK_START is set; then market time anchored at
    CLOCK_ANCHOR_MS (defaults to now, which is only right for a single process: see `pin_clock_env`)."""
    if not is_accelerated(env):
        return SystemClock()
    now = time.time_ns() // 1_000_000
    start = parse_instant_ms(env["CLOCK_START"]) if env.get("CLOCK_START") else now
    anchor = int(env.get("CLOCK_ANCHOR_MS") or now)
    return AnchoredAcceleratedClock(start, clock_speed(env), anchor)


def pin_clock_env(env: MutableMapping[str, str], resume_at_ms: int | None = None) -> None:
    """Fix CLOCK_START/CLOCK_ANCHOR_MS in `env` so everything built from it later agrees on market time.
    `resume_at_ms` continues a previous run's market time instead of starting over at CLOCK_START."""
    if not is_accelerated(env):
        return
    now = time.time_ns() // 1_000_000
    start = resume_at_ms if resume_at_ms is not None else _start_or(env, now)
    env["CLOCK_START"] = datetime.fromtimestamp(start / 1000, tz=UTC).isoformat().replace("+00:00", "Z")
    env["CLOCK_ANCHOR_MS"] = str(now)


def _start_or(env: Mapping[str, str], default: int) -> int:
    return parse_instant_ms(env["CLOCK_START"]) if env.get("CLOCK_START") else default
