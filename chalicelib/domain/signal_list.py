"""A list of timestamped signals for a signal bot's backtest: JSON items `{time, action, amount?}` or CSV rows
`time,action[,amount]` (a header row is optional). Times are ISO 8601 or epoch seconds/milliseconds; actions are
the webhook's words (buy, sell, close and their aliases); `amount` is a quote amount for one buy."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from chalicelib.domain.clock import iso_utc
from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.signals import action_of, time_ms_of

MAX_SIGNALS = 1_000


@dataclass(frozen=True)
class TimedSignal:
    time_ms: int  # when it arrived
    action: str  # buy | sell | close
    amount: Decimal | None = None  # quote amount of a buy, instead of the bot's size

    def to_dict(self) -> dict[str, Any]:
        amount = None if self.amount is None else str(self.amount)
        return {"time_ms": self.time_ms, "action": self.action, "amount": amount}

    @staticmethod
    def from_dict(data: dict[str, Any]) -> TimedSignal:
        amount = data.get("amount")
        return TimedSignal(int(data["time_ms"]), str(data["action"]), None if amount is None else Decimal(amount))


def _bad(index: int, message: str, column: str | None = None) -> InvalidInput:
    field = f"signals[{index}]" + (f".{column}" if column else "")
    return InvalidInput(f"{field}: {message}", code="invalid_signals", details=[{"field": field, "message": message}])


def _one(index: int, time: Any, action: Any, amount: Any) -> TimedSignal:
    if isinstance(time, bool) or not isinstance(time, str | int) or str(time).strip() == "":
        raise _bad(index, "time is required: ISO 8601 or epoch seconds/milliseconds", "time")
    try:
        at = time_ms_of(str(time).strip())
        word = action_of(action)
    except InvalidInput as exc:
        raise _bad(index, exc.message, "time" if exc.code == "invalid_field" else "action") from None
    return TimedSignal(at, word, _amount(index, word, amount))


def _amount(index: int, action: str, value: Any) -> Decimal | None:
    if value is None or (isinstance(value, str) and value.strip() == ""):
        return None
    if action != "buy":
        raise _bad(index, "an amount applies to a buy only (sell and close sell the whole position)", "amount")
    try:
        number = Decimal(str(value).strip()) if not isinstance(value, bool) else Decimal("NaN")
    except InvalidOperation:
        number = Decimal("NaN")
    if not number.is_finite() or number <= 0:
        raise _bad(index, "amount must be a positive number (the quote amount to spend)", "amount")
    return number


def _count(n: int) -> None:
    """Before parsing: a list over the limit costs no more work than the limit."""
    if n == 0:
        raise InvalidInput("signals: give at least one signal", code="invalid_signals",
                           details=[{"field": "signals", "message": "empty"}])  # fmt: skip
    if n > MAX_SIGNALS:
        raise InvalidInput(f"signals: at most {MAX_SIGNALS} signals, got {n}", code="invalid_signals",
                           details=[{"field": "signals", "message": f"{n} is over {MAX_SIGNALS}"}])  # fmt: skip


def _arrival_order(signals: list[TimedSignal]) -> list[TimedSignal]:
    # By time, and in the order given for the same time (a stable sort).
    return sorted(signals, key=lambda s: s.time_ms)


def parse_items(items: Sequence[dict[str, Any]]) -> list[TimedSignal]:
    _count(len(items))
    return _arrival_order([_one(i, it.get("time"), it.get("action"), it.get("amount")) for i, it in enumerate(items)])


def parse_csv(text: str) -> list[TimedSignal]:
    rows = [r for r in csv.reader(io.StringIO(text.strip())) if any(cell.strip() for cell in r)]
    if rows and rows[0] and rows[0][0].strip().lower() == "time":
        rows = rows[1:]  # the header
    _count(len(rows))
    out = []
    for i, row in enumerate(rows):
        if not 2 <= len(row) <= 3:
            raise _bad(i, "a row is time,action[,amount]")
        out.append(_one(i, row[0].strip(), row[1].strip(), row[2] if len(row) == 3 else None))
    return _arrival_order(out)


def _shown(ms: int) -> str:
    try:
        return iso_utc(ms)
    except (OverflowError, ValueError, OSError):  # a time far outside any calendar
        return f"{ms} ms"


def check_period(signals: list[TimedSignal], start_ms: int, end_ms: int) -> None:
    """Every signal inside the backtest's period [start, end)."""
    outside = [s for s in signals if not start_ms <= s.time_ms < end_ms]
    if outside:
        first = _shown(outside[0].time_ms)
        message = (f"{len(outside)} signal(s) outside the backtest's period {iso_utc(start_ms)} to "
                   f"{iso_utc(end_ms)}, the first at {first}")  # fmt: skip
        raise InvalidInput(f"signals: {message}", code="invalid_signals",
                           details=[{"field": "signals", "message": message}])  # fmt: skip
