"""Stopping a bot with what it leaves on the exchange: its resting orders cancelled (their fills booked) and its
position sold at market, or left as they are."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from chalicelib.domain.errors import Conflict
from chalicelib.services.bots import BotService
from chalicelib.services.ports.bots import StateConflict

# How long a stop's cancels wait, each time, for a tick that was running when the bot stopped or a cancel whose
# outcome is not known yet (a tick takes well under a second on Lambda; the local runtime under load, a few).
STOP_RETRY_WAITS_S = (0.5, 1.0, 2.0)


class BotControl:
    """Stop with an optional market close: the bot stops first, so no tick races the close."""

    def __init__(self, *, bots: BotService, ticks: Any, sleep: Callable[[float], None] = time.sleep) -> None:
        self._bots = bots
        self._ticks = ticks
        self._sleep = sleep

    def stop(self, user_id: str, bot_id: str, *, close_position: bool, cancel_orders: bool = False) -> None:
        """Stop; then cancel the resting orders (booking what they filled) and/or sell the position at market.
        Closing needs the orders cancelled first: a resting sell holds the quantity the close would sell.
        A tick that was already running when the bot stopped writes the state under the cancels, and a cancel
        whose outcome is not known yet leaves its order to look up: the stop waits (the bot is stopped, so no
        tick follows) and tries again, instead of leaving the trader a 409 to retry by hand."""
        config, _ = self._bots.get(user_id, bot_id)
        self._bots.change_status(user_id, bot_id, "stop")
        if not (cancel_orders or close_position):
            return
        for wait_s in (*STOP_RETRY_WAITS_S, None):
            try:
                left = self._ticks.cancel_resting(config)
            except StateConflict:
                if wait_s is None:
                    raise Conflict("A tick is running for this bot; try again in a moment.", code="bot_busy") from None
                self._sleep(wait_s)
                continue
            if not left:
                break
            if wait_s is None:
                raise Conflict(
                    f"{left} order(s) could not be confirmed cancelled yet; stop again in a moment.",
                    code="orders_still_open",
                    details={"open_orders": left},
                )
            self._sleep(wait_s)
        _, state = self._bots.get(user_id, bot_id)  # the cancels may have booked fills
        if close_position and state.position_qty > 0:
            try:
                self._ticks.close_position(config)
            except StateConflict:
                raise Conflict("A tick is running for this bot; try again in a moment.", code="bot_busy") from None
