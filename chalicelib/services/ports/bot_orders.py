"""The platform's record of every order a bot placed that can rest on the exchange (docs/orders.md).

The exchange is the truth about an order; this record is what the bot knows of it between ticks: which key
and generation it was placed for (so a fill is booked as the right leg), its last seen state (so the API can
list a bot's orders without a call to the exchange), and whether its fills are booked (so a fill is booked
once). The tick writes it; `GET /api/v1/bots/{id}/orders` reads it.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from chalicelib.domain.orders import OrderStatus, OrderType, Side
from chalicelib.domain.resting import OrderPurpose


@dataclass(frozen=True, slots=True)
class BotOrderRecord:
    user_id: str
    bot_id: str
    client_order_id: str
    key: str  # the WantedOrder key ("grid_buy_3", "protect")
    generation: int
    purpose: OrderPurpose
    symbol: str
    side: Side
    type: OrderType
    quantity: Decimal
    price: Decimal | None
    stop_price: Decimal | None
    status: OrderStatus
    filled_quantity: Decimal
    average_price: Decimal | None
    created_at: int  # Unix ms
    updated_at: int
    order_list_id: str | None = None  # the OCO it is a leg of
    booked_quantity: Decimal = Decimal(0)  # how much of `filled_quantity` the ledger has booked
    # What a fill books as (the WantedOrder's leg, and its reason: `stop_reason` for a stop leg). Empty on
    # records written before these were kept: booking then falls back to the purpose.
    leg: str = ""
    reason: str = ""

    @property
    def is_open(self) -> bool:
        return self.status.is_open


@dataclass(frozen=True, slots=True)
class BotOrderPage:
    items: list[BotOrderRecord]
    next_cursor: str | None


class BotOrderStore(Protocol):
    def put(self, record: BotOrderRecord) -> None:
        """Insert or overwrite the record of one order (keyed by bot and client order id)."""

    def open_for(self, bot_id: str) -> list[BotOrderRecord]:
        """The bot's orders last seen open, in one query (an index on open orders, not a filter on all)."""

    def page(self, user_id: str, bot_id: str, *, open_only: bool, limit: int, cursor: str | None) -> BotOrderPage:
        """Newest first; `cursor` is opaque and bound to the caller (a cursor of another bot fails)."""

    def count_open(self, bot_id: str) -> int: ...
