"""next_tick_at: a running bot's next tick is the next close of one of its bars after now (UTC)."""

from __future__ import annotations

import pytest

from chalicelib.clock_env import parse_instant_ms as ms
from chalicelib.domain.bots import is_due, next_tick_at


@pytest.mark.parametrize(
    ("interval", "now", "due"),
    [
        ("1m", "2026-01-01T10:04:30", "2026-01-01T10:05:00"),
        ("1m", "2026-01-01T10:05:00", "2026-01-01T10:06:00"),  # the 10:05 tick is being sent now
        ("5m", "2026-01-01T10:04:30", "2026-01-01T10:05:00"),
        ("15m", "2026-01-01T10:05:00", "2026-01-01T10:15:00"),
        ("1h", "2026-01-01T10:05:00", "2026-01-01T11:00:00"),
        ("4h", "2026-01-01T10:05:00", "2026-01-01T12:00:00"),
        ("1d", "2026-01-01T10:05:00", "2026-01-02T00:00:00"),
    ],
)
def test_the_next_bar_close_after_now(interval: str, now: str, due: str) -> None:
    assert next_tick_at(interval, ms(now)) == ms(due)
    assert is_due(interval, ms(due))  # the dispatcher sends the tick at that minute


def test_never_at_or_before_the_last_tick() -> None:
    last = ms("2026-01-01T10:07:00")
    assert next_tick_at("1m", ms("2026-01-01T10:04:30"), last) == ms("2026-01-01T10:08:00")
