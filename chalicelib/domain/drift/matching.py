"""Matching the replay's fills to the live trades: first by the tick and leg that caused them (a market order's
client order id is `client_order_id(bot, tick, leg)`, so the replay's (tick, leg) names the live trade it should
have become); then a resting fill on the same bar on both sides (same side, the live one booked by the first tick
after that bar closed, or at once by the tick that placed it in that bar; the nearest price first): a bar pair;
then what is left, same side, nearest later live fill within `late_ms`: a late pair (a resting order that filled
on another bar)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

from chalicelib.domain.bots import client_order_id
from chalicelib.domain.drift.model import SideFill


@dataclass(frozen=True)
class Matched:
    tick: list[tuple[SideFill, SideFill]]  # (live, backtest)
    late: list[tuple[SideFill, SideFill]]
    live_only: list[SideFill]
    backtest_only: list[SideFill]
    bar: list[tuple[SideFill, SideFill]] = field(default_factory=list)  # (live, backtest) resting fills, same bar

    @property
    def paired(self) -> list[tuple[SideFill, SideFill]]:
        return self.tick + self.bar + self.late


def base_id(trade_id: str) -> str:
    """A resting order booked in parts records `<client id>.<booked>` for each later part."""
    return trade_id.split(".", 1)[0]


def name_ticks(bot_id: str, live: Sequence[SideFill], ticks: Iterable[int], legs: Iterable[str]) -> list[SideFill]:
    """Give each live fill the (tick, leg) its client order id was derived from, when it is one of the period's
    ticks and known legs (a hash cannot be inverted, so the candidates are hashed and looked up)."""
    wanted = {base_id(f.id) for f in live}
    named: dict[str, tuple[int, str]] = {}
    for tick in ticks:
        for leg in legs:
            cid = client_order_id(bot_id, tick, leg)
            if cid in wanted:
                named[cid] = (tick, leg)
    out = []
    for f in live:
        tick_leg = named.get(base_id(f.id))
        out.append(f if tick_leg is None else replace(f, tick_at=tick_leg[0], leg=tick_leg[1]))
    return out


def match(
    bot_id: str, live: Sequence[SideFill], backtest: Sequence[SideFill], late_ms: int, bar_ms: int = 0
) -> Matched:
    by_id = {f.id: f for f in live}
    tick: list[tuple[SideFill, SideFill]] = []
    rest: list[SideFill] = []
    for b in backtest:
        found = by_id.pop(client_order_id(bot_id, b.tick_at or 0, b.leg or ""), None)
        if found is None:
            rest.append(b)
        else:
            tick.append((found, b))
    bar, live_left, rest = _same_bar(sorted(by_id.values(), key=lambda f: f.executed_at_ms), rest, bar_ms)
    late, live_left, bt_left = _late(live_left, rest, late_ms)
    return Matched(tick, late, live_left, bt_left, bar)


Pairs = list[tuple[SideFill, SideFill]]


def _same_bar(
    live: list[SideFill], backtest: list[SideFill], bar_ms: int
) -> tuple[Pairs, list[SideFill], list[SideFill]]:
    """A replay's resting fill is stamped with its bar's open `at`; the live tick books a resting fill when it finds
    it, so a fill on that bar is booked by the tick at `at + bar` (which runs seconds after it), before the tick
    after; an order that could fill when the tick at `at` placed it (a buy limit above the price, the replay's fill
    at the bar's open) filled at once and is booked by that tick, seconds after `at`. Several orders of one side
    can fill on one bar (grid levels, DCA safety orders): each replay fill takes the live fill nearest its price,
    the earlier booking on a tie."""
    pairs: Pairs = []
    left: list[SideFill] = []
    free = list(live)
    for b in backtest:
        at = b.tick_at or b.executed_at_ms
        same = [f for f in free if f.side == b.side and at <= f.executed_at_ms < at + 2 * bar_ms]
        if not bar_ms or not same:
            left.append(b)
            continue
        found = min(same, key=lambda f: (abs(f.price - b.price), f.executed_at_ms))
        free.remove(found)
        pairs.append((found, b))
    return pairs, free, left


def _late(live: list[SideFill], backtest: list[SideFill], late_ms: int) -> tuple[Pairs, list[SideFill], list[SideFill]]:
    pairs: Pairs = []
    left: list[SideFill] = []
    free = list(live)
    for b in backtest:
        at = b.tick_at or b.executed_at_ms
        found = next((f for f in free if f.side == b.side and at <= f.executed_at_ms <= at + late_ms), None)
        if found is None:
            left.append(b)
        else:
            free.remove(found)
            pairs.append((found, b))
    return pairs, free, left
