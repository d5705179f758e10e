"""A bot's resting orders for the API, from the platform's records (no exchange call): only the caller's bot."""

from __future__ import annotations

from typing import Any

from chalicelib.services.ports.bot_orders import BotOrderPage, BotOrderStore


class BotOrders:
    def __init__(self, *, bots: Any, orders: BotOrderStore) -> None:
        self._bots = bots  # services.bots.BotService: its `get` answers 404 for another user's bot
        self._orders = orders

    def page(self, user_id: str, bot_id: str, *, open_only: bool, limit: int, cursor: str | None) -> BotOrderPage:
        """Newest first; ValueError for a cursor that is not this bot's."""
        self._bots.get(user_id, bot_id)
        return self._orders.page(user_id, bot_id, open_only=open_only, limit=limit, cursor=cursor)
