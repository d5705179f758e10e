from __future__ import annotations

from typing import Any, Literal

from pydantic import ConfigDict, Field, model_validator
from pydantic.config import JsonDict

from chalicelib.api.schemas.auth_mfa import MfaCodeField
from chalicelib.api.validation import ApiModel, RequestError, StrictModel

Interval = Literal["1m", "5m", "15m", "1h", "4h", "1d"]
_ID = r"^[A-Za-z0-9_-]{1,64}$"
# What BotService accepts as a budget (positive, below 1e12), as a pattern both pydantic and the document use:
# ASCII digits, no leading zeros, up to 18 decimals, and a non-zero digit somewhere. Needs Python's `re`
# (a look-ahead), hence regex_engine="python-re" on the models that use it.
BUDGET_PATTERN = r"^(?=[0-9.]*[1-9])(?:0|[1-9][0-9]{0,11})(?:\.[0-9]{1,18})?$"
# A name is trimmed; one that is only whitespace is refused.
NAME_PATTERN = r"\S"


def _strategy_ids() -> list[str]:
    # The registry imports every strategy and numpy: loaded when a schema is built, not when routes import this.
    from chalicelib.domain.strategies import STRATEGIES

    return sorted(STRATEGIES)


def _STRATEGY(schema: JsonDict) -> None:
    """The strategy field's document: an enum of the strategy ids (json_schema_extra, called when generated)."""
    schema["enum"] = list(_strategy_ids())
    schema["description"] = "A strategy id from GET /strategies"


def __getattr__(name: str) -> Any:
    if name == "STRATEGY_IDS":
        return _strategy_ids()
    raise AttributeError(name)


class RiskIn(StrictModel):
    stop_loss_pct: float | None = Field(default=None, gt=0, le=100)
    take_profit_pct: float | None = Field(default=None, gt=0, le=10_000)
    trailing_stop_pct: float | None = Field(default=None, gt=0, le=100)
    trailing_activation_pct: float | None = Field(default=None, ge=0, le=10_000)
    position_size: dict[str, Any] | None = None
    cooldown_bars: int | None = Field(default=None, ge=0, le=10_000)
    stoploss_guard: dict[str, int] | None = None
    max_drawdown_pct: float | None = Field(default=None, gt=0, le=100)
    # Where stop-loss / take-profit live (domain.risk); absent: the bot service picks for a new bot.
    stop_mode: Literal["bot", "exchange"] | None = None

    def as_dict(self) -> dict[str, Any]:
        return self.model_dump(exclude_none=True)


class BotIn(StrictModel):
    model_config = ConfigDict(extra="forbid", regex_engine="python-re")

    name: str = Field(min_length=1, max_length=80, pattern=NAME_PATTERN)
    strategy: str = Field(min_length=1, max_length=40, json_schema_extra=_STRATEGY)
    params: dict[str, Any] = Field(default_factory=dict)
    symbol: str = Field(pattern=r"^[A-Za-z0-9]{2,20}$")
    interval: Interval
    mode: Literal["paper", "live"] = "paper"
    api_key_id: str | None = Field(default=None, pattern=_ID)
    budget: str = Field(pattern=BUDGET_PATTERN, description="Quote amount as a decimal string (0 < budget < 1e12)")
    risk: RiskIn = Field(default_factory=RiskIn)


# PATCH fields that take a value or are left out; only api_key_id may be null (null removes the key).
_PATCH_NOT_NULL = ("name", "strategy", "params", "symbol", "interval", "mode", "budget", "risk")


def _patch_schema(schema: dict[str, Any]) -> None:
    """The document shows the not-null fields without their internal `None` default."""
    for name in _PATCH_NOT_NULL:
        prop = schema["properties"][name]
        variants = [v for v in prop.pop("anyOf", []) if v != {"type": "null"}]
        if len(variants) == 1:
            prop.update(variants[0])
        prop.pop("default", None)


class BotPatch(StrictModel):
    """Only the fields sent change."""

    model_config = ConfigDict(extra="forbid", regex_engine="python-re", json_schema_extra=_patch_schema)

    name: str | None = Field(default=None, min_length=1, max_length=80, pattern=NAME_PATTERN)
    strategy: str | None = Field(default=None, min_length=1, max_length=40, json_schema_extra=_STRATEGY)
    params: dict[str, Any] | None = None
    symbol: str | None = Field(default=None, pattern=r"^[A-Za-z0-9]{2,20}$")
    interval: Interval | None = None
    mode: Literal["paper", "live"] | None = None
    api_key_id: str | None = Field(default=None, pattern=_ID)
    budget: str | None = Field(default=None, pattern=BUDGET_PATTERN)
    risk: RiskIn | None = None

    @model_validator(mode="before")
    @classmethod
    def _not_null(cls, data: Any) -> Any:
        if isinstance(data, dict):
            nulls = [name for name in _PATCH_NOT_NULL if name in data and data[name] is None]
            if nulls:
                raise RequestError(
                    422,
                    "validation_error",
                    "The request has invalid fields.",
                    [{"field": name, "message": "must not be null"} for name in nulls],
                )
        return data


class StopIn(StrictModel):
    """Three ways to stop a bot that keeps orders on the exchange:
    - `{"close_position": true}`: cancel its open orders, book what they filled, then sell the position at
      market. Nothing of the bot is left on the exchange.
    - `{"cancel_orders": true}`: cancel the open orders (exchange stop-loss and take-profit included) and keep
      the position, unprotected until the bot is started again.
    - `{}` or `{"cancel_orders": false}`: leave the orders resting. They can still fill while the bot is
      stopped (an exchange stop-loss still protects the position); their fills are booked when the bot starts
      again. A bot with open orders cannot be deleted (409 `open_orders`).
    409 `orders_still_open` when a cancel could not be confirmed yet (stop again), 409 `bot_busy` while a tick
    holds the bot; 422 for `close_position` with `cancel_orders: false`."""

    close_position: bool = Field(
        default=False,
        description="Sell the position at market after the bot stopped (its open orders are cancelled first)",
    )
    cancel_orders: bool | None = Field(
        default=None,
        description="Cancel the bot's open orders on the exchange (booking what they filled). Default: as "
        "close_position. false leaves them resting: they can still fill while the bot is stopped, and are booked "
        "at its next start",
    )

    @model_validator(mode="after")
    def _close_needs_cancel(self) -> StopIn:
        if self.close_position and self.cancel_orders is False:
            raise ValueError("close_position needs the orders cancelled: a resting sell holds the quantity")
        return self


class StartIn(StrictModel):
    mfa_code: MfaCodeField = None  # required to start a live bot when two-factor sign-in is on


class BotStateOut(ApiModel):
    in_position: bool
    entry_price: str | None
    quantity: str
    unrealised_pnl: str
    realised_pnl: str
    fees_paid: str
    last_price: str | None
    last_tick_at: str | None
    last_error: str | None
    consecutive_failures: int
    trades_count: int
    cash: str | None
    dust_quantity: str


class BotOut(ApiModel):
    id: str
    name: str
    strategy: str
    params: dict[str, Any]
    symbol: str
    interval: str
    mode: str
    api_key_id: str | None
    budget: str
    risk: dict[str, Any]
    status: str
    status_reason: str | None
    created_at: str
    updated_at: str
    state: BotStateOut
    next_tick_at: str | None = Field(description="When the next tick is due (running bots; null otherwise).")


class BotListOut(ApiModel):
    items: list[BotOut]


class TradeOut(ApiModel):
    id: str
    client_order_id: str
    bot_id: str
    symbol: str
    side: str
    price: str
    quantity: str
    quote_quantity: str
    fee: str
    fee_asset: str
    realised_pnl: str | None
    executed_at: str
    mode: str
    reason: str
    exchange_order_id: str
    group: str = "main"
    net_quantity: str | None = None
    note: str | None = Field(
        default=None, description="Why a take-profit booked a loss: fees_exceed_move or filled_below_entry"
    )


class TradePageOut(ApiModel):
    items: list[TradeOut]
    next_cursor: str | None


class TradeQuery(StrictModel):
    bot_id: str | None = Field(default=None, pattern=_ID)
    symbol: str | None = Field(default=None, pattern=r"^[A-Za-z0-9]{2,20}$")
    side: Literal["BUY", "SELL", "buy", "sell"] | None = None
    start: str | None = Field(default=None, max_length=40, description="ISO-8601 time or Unix ms")
    end: str | None = Field(default=None, max_length=40, description="ISO-8601 time or Unix ms")
    cursor: str | None = Field(default=None, max_length=2048)
    limit: int = Field(default=50, ge=1, le=500)


class DashboardOut(ApiModel):
    equity_by_mode: dict[str, str]
    pnl: dict[str, str]
    open_positions: list[dict[str, Any]]
    bots_by_status: dict[str, int]
    latest_trades: list[TradeOut]
    equity_curve: list[dict[str, str]]


class NotificationOut(ApiModel):
    id: str
    kind: str
    message: str
    bot_id: str | None
    created_at: str
    read: bool
    data: dict[str, Any]


class NotificationPageOut(ApiModel):
    items: list[NotificationOut]
    next_cursor: str | None
    unread: int


class NotificationQuery(StrictModel):
    cursor: str | None = Field(default=None, max_length=2048)
    limit: int = Field(default=50, ge=1, le=200)
    unread_only: bool = False


class CountOut(ApiModel):
    updated: int
