"""The bots service that records the configuration history (domain/config_history.py): every start, and every
edit of a running or paused bot, is stored as a version with the time it took effect and a snapshot of the
bot's state then; deleting the bot deletes its history. An edit of a stopped bot is recorded by its next
start (no tick reads it before)."""

from __future__ import annotations

from typing import Any

from chalicelib.domain.bots import BotConfig, BotStatus
from chalicelib.domain.config_history import ConfigVersion
from chalicelib.services.bots import BotService
from chalicelib.services.ports.config_history import ConfigHistory

RECORDED_WHILE = (BotStatus.RUNNING, BotStatus.PAUSED)


class RecordingBotService(BotService):
    def __init__(self, *, history: ConfigHistory, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._history = history

    def update(self, user_id: str, bot_id: str, changes: dict[str, Any]) -> BotConfig:
        updated = super().update(user_id, bot_id, changes)
        if updated.status in RECORDED_WHILE:
            self._record(updated, "edit")
        return updated

    def change_status(self, user_id: str, bot_id: str, action: str, mfa_code: str | None = None) -> BotConfig:
        updated = super().change_status(user_id, bot_id, action, mfa_code)
        if action == "start":
            self._record(updated, "start")
        return updated

    def delete(self, user_id: str, bot_id: str) -> None:
        super().delete(user_id, bot_id)
        self._history.delete_for(bot_id)  # tenant data hygiene: the bot's configs go with it

    def _record(self, config: BotConfig, kind: str) -> None:
        _, state = self.get(config.user_id, config.id)
        self._history.record(ConfigVersion(
            bot_id=config.id, at_ms=config.updated_at_ms, kind=kind, strategy=config.strategy,
            params=dict(config.params), risk=dict(config.risk), budget=config.budget, symbol=config.symbol,
            interval=config.interval, engine=dict(state.engine), state_tick_at=state.last_tick_at,
        ))  # fmt: skip
