"""In-memory fake of the daily-summary schedule (services/ports/daily_summary.py), with the DynamoDB adapter's
behaviour: entries live in one bucket per UTC hour, a claim is a conditional write that only one caller wins
per user and day (and loses when the user's time changed meanwhile), and a user moved to another time keeps
the day last sent."""

from __future__ import annotations

import threading

from chalicelib.services.ports.daily_summary import ScheduledSummary


class InMemorySummarySchedule:
    def __init__(self) -> None:
        self.times: dict[str, str] = {}
        self.sent: dict[str, str] = {}
        self._lock = threading.Lock()

    def set_time(self, user_id: str, old: str | None, new: str | None) -> None:
        with self._lock:
            if new is None:
                self.times.pop(user_id, None)
                self.sent.pop(user_id, None)
            else:
                self.times[user_id] = new

    def entries(self, up_to_hour: int) -> list[ScheduledSummary]:
        with self._lock:
            return [
                ScheduledSummary(user, time, self.sent.get(user))
                for user, time in self.times.items()
                if int(time[:2]) <= up_to_hour
            ]

    def claim(self, user_id: str, time: str, day: str) -> bool:
        with self._lock:
            if self.times.get(user_id) != time or self.sent.get(user_id) == day:
                return False
            self.sent[user_id] = day
            return True

    def release(self, user_id: str, time: str, day: str) -> None:
        with self._lock:
            if self.sent.get(user_id) == day:
                del self.sent[user_id]
