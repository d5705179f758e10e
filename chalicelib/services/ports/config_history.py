"""Where a bot's configuration history is kept (domain/config_history.py): one version per start and per edit of
the running bot, written by the bots service (services/bot_history.py), read by the drift report."""

from __future__ import annotations

from typing import Protocol

from chalicelib.domain.config_history import ConfigVersion


class ConfigHistory(Protocol):
    def record(self, version: ConfigVersion) -> None:
        """Store one version, keyed by (bot, at_ms): a second version at the same millisecond replaces the
        first (both take effect at the same tick, and the later one is what the tick reads)."""

    def versions(self, bot_id: str, *, until_ms: int) -> list[ConfigVersion]:
        """The bot's versions recorded at or before `until_ms`, oldest first (all of them: a bot's history
        grows by one item per start or edit)."""

    def delete_for(self, bot_id: str) -> int:
        """Delete the bot's whole history (with the bot, or with the account); how many versions went."""
