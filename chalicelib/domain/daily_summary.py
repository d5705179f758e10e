"""The daily summary a user may ask for at a time of their choice ("HH:MM", UTC): when it is due, and what it
says (bots, today's realised PnL and trades, open positions). Pure: the service finds the users and sends."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from chalicelib.domain.errors import InvalidInput

DAY_MS = 86_400_000
_TIME = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


def check_time(value: str | None) -> str | None:
    """A valid "HH:MM" (00:00-23:59, UTC), or None for no summary."""
    if value is None:
        return None
    if not _TIME.match(value):
        message = "a time of day as HH:MM (UTC, 00:00-23:59), or null for no summary"
        raise InvalidInput(f"daily_summary_time: {message}", code="invalid_time",
                           details=[{"field": "daily_summary_time", "message": message}])  # fmt: skip
    return value


def day_of(now_ms: int) -> str:
    """The UTC date the summary belongs to: one summary per user per such day."""
    return datetime.fromtimestamp(now_ms / 1000, UTC).strftime("%Y-%m-%d")


def clock_of(now_ms: int) -> str:
    """The UTC time of day of `now_ms`, as HH:MM."""
    return datetime.fromtimestamp(now_ms / 1000, UTC).strftime("%H:%M")


def day_start_ms(now_ms: int) -> int:
    return now_ms - now_ms % DAY_MS


def is_due(chosen: str, last_sent_day: str | None, now_ms: int) -> bool:
    """Today's summary is due once the chosen time has passed today, and only if today's was not sent yet
    (a time set later in the day than it was sent does not send a second one)."""
    return chosen <= clock_of(now_ms) and last_sent_day != day_of(now_ms)


@dataclass(frozen=True)
class Position:
    bot_name: str
    symbol: str
    quantity: Decimal
    unrealised_pnl: Decimal


@dataclass(frozen=True)
class Summary:
    day: str
    bots_by_status: dict[str, int]
    realised_pnl: Decimal  # today, UTC, from the trades that closed today
    trades: int  # today's fills
    positions: tuple[Position, ...]

    def text(self) -> str:
        counts = ", ".join(f"{n} {status}" for status, n in self.bots_by_status.items() if n) or "none"
        lines = [
            f"Daily summary for {self.day} (UTC)",
            f"Bots: {counts}",
            f"Realised today: {self.realised_pnl.normalize():f} USDT over {self.trades} trade(s)",
        ]
        if self.positions:
            lines.append("Open positions:")
            lines += [f"• {p.bot_name} {p.symbol}: {p.quantity.normalize():f} "
                      f"(unrealised {p.unrealised_pnl.quantize(Decimal('0.01'))})" for p in self.positions]  # fmt: skip
        else:
            lines.append("No open positions.")
        return "\n".join(lines)

    def data(self) -> dict[str, object]:
        return {
            "day": self.day, "bots_by_status": self.bots_by_status, "realised_pnl": str(self.realised_pnl),
            "trades": self.trades,
            "open_positions": [{"bot": p.bot_name, "symbol": p.symbol, "quantity": str(p.quantity),
                                "unrealised_pnl": str(p.unrealised_pnl)} for p in self.positions],
        }  # fmt: skip
