"""The order vocabulary, from intent to fill: plain values, Decimal for every amount, no exchange types.

An order goes `OrderIntent` (what the engine decided) -> `PendingOrder` (the intent saved with its client
order id before sending, domain.bots) -> `OrderRequest` (what is sent) -> `Order` with its `Fill`s (what the
exchange executed) -> `ledger.LegFill` (the fill as the position books it, fee valued in quote).

A caller (a tick) supplies the client order id, derived deterministically from (bot, tick, leg), so a
retried tick asks for the same order again and the exchange's idempotency can recognise it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Literal

from chalicelib.domain.errors import InvalidInput

# Binance's own rule for newClientOrderId; the paper exchange applies the same one.
_CLIENT_ORDER_ID = re.compile(r"^[a-zA-Z0-9_-]{1,36}$")


class Side(StrEnum):
    """The one side of every order, from the strategy's intent to the exchange's fill."""

    BUY = "BUY"
    SELL = "SELL"


class OrderType(StrEnum):
    MARKET = "MARKET"
    LIMIT = "LIMIT"
    LIMIT_MAKER = "LIMIT_MAKER"  # a limit that is rejected (-2010) instead of taking liquidity
    STOP_LOSS_LIMIT = "STOP_LOSS_LIMIT"  # becomes a limit at `price` once the market trades through `stop_price`
    TAKE_PROFIT_LIMIT = "TAKE_PROFIT_LIMIT"

    @property
    def has_stop(self) -> bool:
        return self in (OrderType.STOP_LOSS_LIMIT, OrderType.TAKE_PROFIT_LIMIT)

    @property
    def rests(self) -> bool:
        """Whether an order of this type can stay on the book after it is placed."""
        return self is not OrderType.MARKET


class TimeInForce(StrEnum):
    GTC = "GTC"  # good till cancelled: rests
    IOC = "IOC"  # immediate or cancel: what does not fill at once expires


class OrderStatus(StrEnum):
    NEW = "NEW"
    PARTIALLY_FILLED = "PARTIALLY_FILLED"
    FILLED = "FILLED"
    CANCELED = "CANCELED"
    PENDING_CANCEL = "PENDING_CANCEL"
    REJECTED = "REJECTED"
    EXPIRED = "EXPIRED"
    EXPIRED_IN_MATCH = "EXPIRED_IN_MATCH"

    @property
    def is_open(self) -> bool:
        return self in (OrderStatus.NEW, OrderStatus.PARTIALLY_FILLED, OrderStatus.PENDING_CANCEL)


@dataclass(frozen=True)
class OrderIntent:
    """An order the engine wants placed. `leg` is stable for a given decision ("entry", "exit", "base",
    "safety_<k>", "grid_buy_<k>", "grid_sell_<k>"), so (bot, tick_at, leg) is a deterministic client id."""

    side: Side
    leg: str
    reason: str  # signal | stop_loss | trailing_stop | take_profit | max_drawdown | safety_order | grid
    order_type: Literal["market"] = "market"
    quote_amount: Decimal | None = None  # buys: quote to spend, fee included
    quantity: Decimal | None = None  # sells: base quantity


def validate_client_order_id(client_order_id: str) -> str:
    if not _CLIENT_ORDER_ID.match(client_order_id):
        raise InvalidInput(
            f"client order id {client_order_id!r} must be 1-36 characters of letters, digits, '-' or '_'",
            code="invalid_client_order_id",
        )
    return client_order_id


@dataclass(frozen=True, slots=True)
class OrderRequest:
    """What a caller asks for. `quantity` is in the base asset. `reference_price` is an optional hint
    (e.g. the last close) used for the local notional check of a market order."""

    symbol: str
    side: Side
    type: OrderType
    quantity: Decimal
    client_order_id: str
    price: Decimal | None = None
    reference_price: Decimal | None = None
    stop_price: Decimal | None = None  # STOP_LOSS_LIMIT / TAKE_PROFIT_LIMIT: the trigger
    time_in_force: TimeInForce | None = None  # LIMIT, STOP_LOSS_LIMIT, TAKE_PROFIT_LIMIT: GTC when None

    def __post_init__(self) -> None:
        validate_client_order_id(self.client_order_id)
        if not isinstance(self.quantity, Decimal) or self.quantity <= 0:
            raise InvalidInput(f"quantity must be a positive Decimal, got {self.quantity!r}", code="invalid_quantity")
        if self.type.rests and (self.price is None or self.price <= 0):
            raise InvalidInput(f"a {self.type.value} order needs a positive price", code="invalid_price")
        if self.type is OrderType.MARKET and self.price is not None:
            raise InvalidInput("a market order takes no price", code="invalid_price")
        _check_stop_and_time_in_force(self)

    @property
    def is_market(self) -> bool:
        return self.type is OrderType.MARKET


def _check_stop_and_time_in_force(request: OrderRequest) -> None:
    stop = request.stop_price
    if request.type.has_stop != (stop is not None) or (stop is not None and stop <= 0):
        raise InvalidInput(
            "a positive stop price is required for (and only for) STOP_LOSS_LIMIT and TAKE_PROFIT_LIMIT",
            code="invalid_price",
        )
    if request.time_in_force is not None and request.type in (OrderType.MARKET, OrderType.LIMIT_MAKER):
        raise InvalidInput(f"a {request.type.value} order takes no time in force", code="invalid_time_in_force")


@dataclass(frozen=True, slots=True)
class Fill:
    price: Decimal
    quantity: Decimal
    fee: Decimal
    fee_asset: str


@dataclass(frozen=True, slots=True)
class Order:
    symbol: str
    client_order_id: str
    exchange_order_id: str
    side: Side
    type: OrderType
    status: OrderStatus
    quantity: Decimal
    executed_quantity: Decimal
    quote_quantity: Decimal
    price: Decimal | None
    created_at_ms: int
    fills: tuple[Fill, ...] = field(default=())
    stop_price: Decimal | None = None
    # The client id of the OCO list this order is a leg of (Binance `listClientOrderId`), None for a lone order.
    order_list_id: str | None = None

    @property
    def average_price(self) -> Decimal | None:
        if self.executed_quantity == 0:
            return None
        return self.quote_quantity / self.executed_quantity

    @property
    def is_open(self) -> bool:
        return self.status.is_open

    def fees(self) -> dict[str, Decimal]:
        total: dict[str, Decimal] = {}
        for fill in self.fills:
            total[fill.fee_asset] = total.get(fill.fee_asset, Decimal(0)) + fill.fee
        return total


@dataclass(frozen=True, slots=True)
class OcoRequest:
    """A sell OCO protecting a long position: a take-profit limit above the market and a stop-limit below it,
    one quantity, so the first leg to fill cancels the other (Binance `POST /api/v3/orderList/oco`).
    Each leg has its own client order id, the list its own; all three derive from (bot, purpose, generation)."""

    symbol: str
    quantity: Decimal
    list_client_order_id: str
    take_profit_client_order_id: str
    take_profit_price: Decimal  # the LIMIT_MAKER leg above the market
    stop_client_order_id: str
    stop_price: Decimal  # the trigger of the STOP_LOSS_LIMIT leg
    stop_limit_price: Decimal  # its limit, at or below the trigger
    side: Side = Side.SELL
    reference_price: Decimal | None = None  # the last close: the price band is checked against it, no avgPrice call

    def __post_init__(self) -> None:
        for cid in (self.list_client_order_id, self.take_profit_client_order_id, self.stop_client_order_id):
            validate_client_order_id(cid)
        if not isinstance(self.quantity, Decimal) or self.quantity <= 0:
            raise InvalidInput(f"quantity must be a positive Decimal, got {self.quantity!r}", code="invalid_quantity")
        if self.side is not Side.SELL:
            raise InvalidInput("only a sell OCO (protecting a long position) is supported", code="invalid_side")
        if not (0 < self.stop_limit_price <= self.stop_price < self.take_profit_price):
            raise InvalidInput("an OCO sell needs stop limit <= stop price < take-profit price", code="invalid_price")


@dataclass(frozen=True, slots=True)
class OrderList:
    """An OCO as the exchange holds it: its legs in their current state."""

    symbol: str
    list_client_order_id: str
    orders: tuple[Order, ...]

    @property
    def is_open(self) -> bool:
        return any(order.is_open for order in self.orders)


@dataclass(frozen=True, slots=True)
class Balance:
    asset: str
    free: Decimal
    locked: Decimal = Decimal(0)

    @property
    def total(self) -> Decimal:
        return self.free + self.locked
