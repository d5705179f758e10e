"""In-memory fake of the ConfigHistory port (services/ports/config_history.py), with the DynamoDB adapter's
behaviour: one version per (bot, at_ms), a second at the same millisecond replaces the first; reads oldest
first up to `until_ms`, inclusive. Every read is a copy (versions are frozen; their dicts are copied)."""

from __future__ import annotations

import copy
import threading

from chalicelib.domain.config_history import ConfigVersion


class InMemoryConfigHistory:
    def __init__(self) -> None:
        self._rows: dict[tuple[str, int], ConfigVersion] = {}
        self._lock = threading.Lock()

    def record(self, version: ConfigVersion) -> None:
        with self._lock:
            self._rows[(version.bot_id, version.at_ms)] = copy.deepcopy(version)

    def versions(self, bot_id: str, *, until_ms: int) -> list[ConfigVersion]:
        with self._lock:
            rows = [v for (b, at), v in self._rows.items() if b == bot_id and at <= until_ms]
        return [copy.deepcopy(v) for v in sorted(rows, key=lambda v: v.at_ms)]

    def delete_for(self, bot_id: str) -> int:
        with self._lock:
            keys = [k for k in self._rows if k[0] == bot_id]
            for k in keys:
                del self._rows[k]
        return len(keys)
