"""Who wants a daily summary at which time, and which day's each was last sent (the once-a-day claim)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class ScheduledSummary:
    user_id: str
    time: str  # HH:MM UTC
    last_sent_day: str | None  # YYYY-MM-DD (UTC)


class SummarySchedule(Protocol):
    def set_time(self, user_id: str, old: str | None, new: str | None) -> None:
        """Move the user's entry from `old` to `new` (None: none), keeping which day was last sent."""
        ...

    def entries(self, up_to_hour: int) -> list[ScheduledSummary]:
        """Every user whose chosen time is in hours 0..`up_to_hour` (UTC)."""
        ...

    def claim(self, user_id: str, time: str, day: str) -> bool:
        """A conditional write: True for the one caller that marks `day` sent for the user at `time`; False
        when it was already marked (a redelivered schedule, a second worker) or the time changed meanwhile."""
        ...

    def release(self, user_id: str, time: str, day: str) -> None:
        """Undo a claim whose summary could not be queued, so the next minute tries again."""
        ...
