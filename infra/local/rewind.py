"""A start whose market time is earlier than where the last run stopped: the state that lies in the future.

This happens after an accelerated run (`CLOCK_SPEED=60` runs market time ahead of the wall clock) is followed
by a normal start, or by a start with an earlier `CLOCK_START`. The new start keeps its own market time (the
wall clock for a normal start) and the snapshot is brought back in line with it before anything runs:

- the TTL tables (`rate-limits`, `market-cache`) are emptied: dispatch claims for minutes still to come, candle
  cache entries and their locks, exchange-info entries, request-weight and sign-in counters. All of it is
  short-lived coordination or cache computed under the old clock (a claim for a future minute would make the
  dispatcher skip that minute), and all of it is rebuilt on demand;
- a bot state's `last_tick_at` and `pending_tick_at` ahead of now move back to the current minute (a tick at or
  before `last_tick_at` counts as done), stop-loss times ahead of now (cooldowns) are dropped and lot entry
  times ahead of now move back to the current minute. Positions, cash, PnL and the trade history are kept,
  trades with the market times they happened at.

The bots then tick at the next minute boundary. `rewind` is pure: it works on the snapshot's DynamoDB items.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from chalicelib.domain.clock import floor_to, iso_utc

MINUTE_MS = 60_000
TTL_TABLES = ("rate-limits", "market-cache")
Items = dict[str, list[dict[str, Any]]]


@dataclass
class Rewound:
    now_ms: int
    stopped_at_ms: int | None
    cleared: dict[str, int] = field(default_factory=dict)
    bots: list[str] = field(default_factory=list)

    @property
    def went_back(self) -> bool:
        return self.stopped_at_ms is not None and self.stopped_at_ms > self.now_ms

    def describe(self) -> str:
        """What was done, in words, for the runtime's log."""
        minute = _minute_text(self.now_ms)
        lines = [
            f"market time starts at {minute} UTC, {_duration(self.stopped_at_ms or 0, self.now_ms)}"
            f" before where the last run stopped ({_minute_text(self.stopped_at_ms or 0)} UTC):"
            " state from after now is discarded so that every running bot ticks at the next minute"
        ]
        if self.cleared:
            counts = ", ".join(f"{table}: {n}" for table, n in sorted(self.cleared.items()))
            lines.append(f"emptied the claims and caches ({counts})")
        if self.bots:
            lines.append(f"moved the last tick of {len(self.bots)} bot(s) back to {minute}")
        lines.append("trades keep the market times they happened at")
        return "; ".join(lines)


def _minute_text(ms: int) -> str:
    return iso_utc(floor_to(ms, MINUTE_MS))[:16].replace("T", " ")


def _duration(later_ms: int, earlier_ms: int) -> str:
    minutes = max(0, later_ms - earlier_ms) // MINUTE_MS
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min" if hours else f"{minutes} min"


def rewind(tables: Items, *, prefix: str, now_ms: int, stopped_at_ms: int | None) -> tuple[Items, Rewound]:
    """The snapshot's tables as of `now_ms`. `stopped_at_ms` is the market time the last run stopped at
    (None when unknown); the TTL tables are emptied only when the clock went back, bot states are always
    checked (a bot's tick ahead of now would block it whatever the cause)."""
    report = Rewound(now_ms=now_ms, stopped_at_ms=stopped_at_ms)
    out: Items = {}
    for name, items in tables.items():
        table = name[len(prefix) + 1 :] if name.startswith(prefix + "-") else ""
        if table in TTL_TABLES and report.went_back:
            if items:
                report.cleared[table] = len(items)
            out[name] = []
        elif table == "bot-states":
            out[name] = [_bot_state(item, now_ms, report) for item in items]
        else:
            out[name] = items
    return out, report


def _bot_state(item: dict[str, Any], now_ms: int, report: Rewound) -> dict[str, Any]:
    doc_value = (item.get("doc") or {}).get("S")
    if not doc_value:
        return item
    doc = json.loads(doc_value)
    minute = floor_to(now_ms, MINUTE_MS)
    changed = False
    for key in ("last_tick_at", "pending_tick_at"):
        if isinstance(doc.get(key), int) and doc[key] > minute:
            doc[key] = minute
            changed = True
    engine = doc.get("engine")
    if isinstance(engine, dict):
        stops = engine.get("stop_times")
        if isinstance(stops, list) and any(int(t) > now_ms for t in stops):
            engine["stop_times"] = [t for t in stops if int(t) <= now_ms]
            changed = True
        for lot in (engine.get("lots") or {}).values():
            if isinstance(lot, dict) and int(lot.get("entry_time") or 0) > now_ms:
                lot["entry_time"] = minute
                changed = True
    if not changed:
        return item
    report.bots.append(str(item.get("bot_id", {}).get("S", "?")))
    return {**item, "doc": {"S": json.dumps(doc, separators=(",", ":"))}}
