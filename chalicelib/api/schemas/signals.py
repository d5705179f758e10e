"""Signal bots' API shapes: the webhook's receipt, the secret (shown once) and the signal log."""

from __future__ import annotations

from pydantic import BaseModel, Field

from chalicelib.api.validation import StrictModel


class SignalReceiptOut(BaseModel):
    signal_id: str
    status: str = Field(description="queued (202) or duplicate (200)")
    received_at: int


class SignalSecretOut(BaseModel):
    token: str = Field(description="Shown once: the webhook's secret token")
    url: str = Field(description="The webhook URL with the token, for TradingView's Webhook URL field")


class SignalOut(BaseModel):
    seq: str
    signal_id: str
    action: str
    symbol: str | None
    received_at: int
    sent_at: int | None
    status: str = Field(description="queued | placing | executed | refused | stale | duplicate | invalid")
    reason: str | None
    message: str | None
    order_ids: list[str]


class SignalPageOut(BaseModel):
    items: list[SignalOut]
    next_cursor: str | None


class SignalQuery(StrictModel):
    cursor: str | None = Field(default=None, max_length=2048)
    limit: int = Field(default=50, ge=1, le=200)
