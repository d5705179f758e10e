"""Bodies of account deletion and data export."""

from __future__ import annotations

from pydantic import Field

from chalicelib.api.validation import ApiModel, StrictModel
from chalicelib.domain.users import PASSWORD_MAX


class ExportIn(StrictModel):
    password: str = Field(min_length=1, max_length=PASSWORD_MAX, description="The current password")


class DeleteAccountIn(StrictModel):
    password: str = Field(min_length=1, max_length=PASSWORD_MAX, description="The current password")
    confirm: str = Field(max_length=16, description='Must be "DELETE"')


class PositionLeftOut(ApiModel):
    bot_id: str
    symbol: str
    quantity: str
    mode: str


class DeletionOut(ApiModel):
    deleted: bool = True
    bots_deleted: int
    positions_left: list[PositionLeftOut] = Field(
        description="Live bots' positions: not closed, they stay in your own exchange account"
    )
    api_keys_deleted: int
    backtests_deleted: int
    notifications_deleted: int
    trades_deleted: int
    trades_retained: int = Field(description="Live trades kept for audit until trades_retained_until, then deleted")
    trades_retained_until: str | None
