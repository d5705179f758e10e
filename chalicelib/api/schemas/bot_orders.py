"""The shapes of `GET /bots/{id}/orders` (docs/orders.md)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from chalicelib.api.validation import ApiModel, StrictModel


class BotOrderQuery(StrictModel):
    status: Literal["open", "all"] = Field(
        default="open", description="open: resting now; all: every order, newest first"
    )
    cursor: str | None = Field(default=None, max_length=2048)
    limit: int = Field(default=50, ge=1, le=200)


class BotOrderOut(ApiModel):
    client_order_id: str
    type: str = Field(description="LIMIT, LIMIT_MAKER, STOP_LOSS_LIMIT or TAKE_PROFIT_LIMIT")
    side: str
    price: str | None
    stop_price: str | None
    quantity: str
    filled_quantity: str
    average_price: str | None
    status: str = Field(description="NEW, PARTIALLY_FILLED, FILLED, CANCELED, PENDING_CANCEL, REJECTED, EXPIRED")
    purpose: str = Field(description="grid_buy, grid_sell, safety_order, take_profit, stop_loss or protect (an OCO)")
    key: str = Field(description="What the order is for (grid_buy_3, take_profit, protect): one key, one order")
    order_list_id: str | None = Field(description="The OCO this order is a leg of")
    created_at: str
    updated_at: str


class BotOrderPageOut(ApiModel):
    items: list[BotOrderOut]
    next_cursor: str | None
