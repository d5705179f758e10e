"""Signal bots' API shapes: the webhook's receipt, the secret (shown once) and the signal log."""

from __future__ import annotations

from pydantic import Field

from chalicelib.api.validation import ApiModel, StrictModel


class SignalReceiptOut(ApiModel):
    signal_id: str
    status: str = Field(description="queued (202) or duplicate (200)")
    received_at: int


class SignalSecretOut(ApiModel):
    token: str = Field(description="Shown once: the webhook's secret token")
    url: str = Field(description="The webhook URL with the token, for TradingView's Webhook URL field")


class SignalOut(ApiModel):
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


class SignalPageOut(ApiModel):
    items: list[SignalOut]
    next_cursor: str | None


class SignalQuery(StrictModel):
    cursor: str | None = Field(default=None, max_length=2048)
    limit: int = Field(default=50, ge=1, le=200)


class SignalIn(ApiModel):
    """The JSON form of a signal (documentation: the webhook reads the raw body itself, and a plain-text body
    of `buy`, `sell` or `close` is accepted too). TradingView fills the {{placeholders}} before sending."""

    action: str = Field(
        pattern=r"^(?i:buy|sell|close|long|short|entry|exit|flat)$",
        description="buy | sell | close, e.g. {{strategy.order.action}}",
    )
    ticker: str | None = Field(default=None, max_length=40, description="{{ticker}}; must be the bot's symbol")
    signal_id: str | None = Field(
        default=None, pattern=r"^[A-Za-z0-9_.:\-]{1,64}$", description="Your id for the signal: sent twice, traded once"
    )
    time: str | None = Field(default=None, max_length=40, description="{{timenow}} (ISO 8601) or epoch")
    close: str | None = Field(default=None, max_length=40, description="{{close}}: recorded, not used to price")
    contracts: str | None = Field(default=None, max_length=40, description="{{strategy.order.contracts}}")
    secret: str | None = Field(default=None, max_length=100, description="The secret, when the URL has only the id")
