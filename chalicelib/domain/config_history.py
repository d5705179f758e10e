"""A bot's configuration history (docs/drift.md): every start and every edit of a running (or paused) bot is a
version, with what the tick reads from the config and the time it took effect, so the drift replay can follow
the configuration the live ticks actually used.

A version recorded at `at_ms` is used by every tick whose `tick_at` is at or after it: a tick runs once its
bar has closed (at `tick_at` or later) and reads the config then, so it sees every edit made before its time.
A start or an edit also keeps a snapshot of the bot's engine state and the tick it last completed, the real
state a replay can start from (domain/drift/start.py)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any


@dataclass(frozen=True)
class ConfigVersion:
    bot_id: str
    at_ms: int  # when it took effect: ticks at or after it use it
    kind: str  # "start" | "edit"
    strategy: str
    params: dict[str, Any]
    risk: dict[str, Any]
    budget: Decimal
    symbol: str
    interval: str
    # The bot's state when the version was recorded: its engine state and the last tick it had completed.
    engine: dict[str, Any] = field(default_factory=dict)
    state_tick_at: int = 0


def in_force(versions: Sequence[ConfigVersion], at_ms: int) -> ConfigVersion | None:
    """The version a tick at `at_ms` uses (the last one recorded at or before it), None before the first."""
    found = None
    for v in sorted(versions, key=lambda v: v.at_ms):
        if v.at_ms > at_ms:
            break
        found = v
    return found


def last_start(versions: Sequence[ConfigVersion], at_ms: int) -> ConfigVersion | None:
    """The bot's last start at or before `at_ms`."""
    starts = [v for v in versions if v.kind == "start" and v.at_ms <= at_ms]
    return max(starts, key=lambda v: v.at_ms) if starts else None
