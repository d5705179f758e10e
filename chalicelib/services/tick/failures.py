"""A tick's failures: counted on the state (a bot whose ticks keep failing moves to `error`), and the stop of a
bot the exchange refused."""

from __future__ import annotations

import contextlib
from dataclasses import replace

from chalicelib.domain.bots import BotConfig, BotStatus
from chalicelib.domain.retry import STATE_WRITE
from chalicelib.services.ports.bots import BotEvent, BotStateStore, BotStatusWriter, Notifier, StateConflict


class Failures:
    def __init__(self, states: BotStateStore, status: BotStatusWriter, notifier: Notifier, max_failures: int) -> None:
        self._states = states
        self._status = status
        self._notifier = notifier
        self._max_failures = max_failures

    def record(self, user_id: str, bot_id: str, error: str) -> bool:
        """Count a failed attempt; True when the bot was moved to `error` by it. A counter written under
        contention: a few re-reads, then the next failure counts instead."""
        return bool(STATE_WRITE.until(lambda: self._count(user_id, bot_id, error)))

    def _count(self, user_id: str, bot_id: str, error: str) -> bool | None:
        """One try of `record`; None when another writer moved the state first (tried again)."""
        state = self._states.get(bot_id)
        if state is None:
            return False
        failures = state.consecutive_failures + 1
        try:
            self._states.put(
                replace(state, version=state.version + 1, consecutive_failures=failures, last_error=error[:500]),
                expected_version=state.version,
            )
        except StateConflict:
            return None
        if failures >= self._max_failures:
            reason = f"{failures} ticks in a row failed; last error: {error[:300]}"
            self._status.set_status(user_id, bot_id, BotStatus.ERROR, reason)
            self._notifier.publish([BotEvent(user_id, bot_id, "bot_error", reason, {})])
            return True
        return False

    def stop_with_error(self, config: BotConfig, reason: str) -> None:
        self._status.set_status(config.user_id, config.id, BotStatus.ERROR, reason)
        state = self._states.get(config.id)
        if state is not None:
            with contextlib.suppress(StateConflict):
                self._states.put(
                    state.next(pending=(), pending_tick_at=None, last_error=reason[:500]),
                    expected_version=state.version,
                )
        self._notifier.publish([BotEvent(config.user_id, config.id, "bot_error", reason, {})])
