"""The one shape every hand-written retry in the platform takes: up to `attempts` tries, `pause_s` apart,
until a try answers something other than None. AWS calls themselves are retried by the AWS SDK (see
adapters/aws_clients.py); this covers what the SDK cannot see: a version conflict to re-read, a batch read's
unprocessed keys, a cache another worker is filling."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")


def _no_sleep(_seconds: float) -> None:
    return None


@dataclass(frozen=True)
class Retry:
    attempts: int
    pause_s: float = 0.0
    # True when the first try must wait too (polling for another worker's result that is not there yet).
    pause_first: bool = False

    def until(self, attempt: Callable[[], T | None], sleep: Callable[[float], None] = _no_sleep) -> T | None:
        """The first answer that is not None, or None when every try gave None."""
        for n in range(self.attempts):
            if self.pause_s and (n or self.pause_first):
                sleep(self.pause_s)
            answer = attempt()
            if answer is not None:
                return answer
        return None


# A conditional write that lost to another writer: read again and retry, a few times at most.
STATE_WRITE = Retry(attempts=3)

__all__ = ["STATE_WRITE", "Retry"]
