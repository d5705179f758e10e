"""The two sides' equity over the period, for the report's chart: at each bar close of the period, the starting
cash plus every cash flow of the fills executed by then, plus the position they built marked at that close.

Both sides start from the same cash and the same position (the bot's at `from`), so at the period's last close
`live - backtest` is the report's `live_pnl - backtest_pnl` (each fill's `pnl` is its cash flow plus the position
it moved, marked at that close).
A live fill lands on the first bar close at or after its execution (a tick's order fills just after the close it
decided on, so on the next one); a replay fill carries its tick, the close it fills at."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from chalicelib.domain.candles import Candle
from chalicelib.domain.drift.model import EquityPoint, SideFill, q
from chalicelib.domain.drift.replay import Window

END_OF_TIME = 2**62
MAX_POINTS = 500  # enough for a chart a few hundred pixels wide; a 3-day 1m period has 4,320 closes


class _Account:
    """One side's cash and position, advanced through its fills in time order."""

    def __init__(self, cash: Decimal, fills: Sequence[SideFill], held: Decimal) -> None:
        self.cash = cash
        self.held = held
        self._fills = sorted(fills, key=lambda f: f.executed_at_ms)
        self._next = 0

    def equity_at(self, t: int, close: Decimal) -> Decimal:
        while self._next < len(self._fills) and self._fills[self._next].executed_at_ms <= t:
            f = self._fills[self._next]
            sign = 1 if f.side == "BUY" else -1
            self.cash += -sign * f.quote - f.cash_fee
            self.held += sign * f.held
            self._next += 1
        return q(self.cash + self.held * close)


def equity_curve(
    cash: Decimal, candles: Sequence[Candle], window: Window, live: Sequence[SideFill],
    backtest: Sequence[SideFill], max_points: int = MAX_POINTS, held: Decimal = Decimal(0),
) -> tuple[EquityPoint, ...]:  # fmt: skip
    """Live and backtest equity at every bar close in (from, to], thinned to at most `max_points`; `held`: the
    position both sides held at `from` (the real one)."""
    lv, bt = _Account(cash, live, held), _Account(cash, backtest, held)
    closes = [c for c in candles if window.decides(c.open_time)]
    points = []
    for i, c in enumerate(closes):
        t = c.open_time + window.interval_ms
        # The last point takes every fill of the period: the last tick's own trade executes just after `to`.
        upto = t if i < len(closes) - 1 else END_OF_TIME
        points.append(EquityPoint(t, lv.equity_at(upto, c.close), bt.equity_at(upto, c.close)))
    return downsample(points, max_points)


def downsample(points: Sequence[EquityPoint], n: int) -> tuple[EquityPoint, ...]:
    """At most `n` points, evenly spaced, the first and the last kept (the last carries the period's result).
    Points are picked rather than averaged: each is a real equity at a real close."""
    if len(points) <= n:
        return tuple(points)
    last = len(points) - 1
    return tuple(points[(i * last + (n - 1) // 2) // (n - 1)] for i in range(n))
