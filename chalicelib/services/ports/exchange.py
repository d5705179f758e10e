"""The exchange port: everything a tick, a backtest or the web app asks of an exchange.

Binance (mainnet, spot testnet, a custom URL) and the paper exchange implement it; callers never know
which one they face. Plain domain types in and out; errors are the exchange taxonomy of
`chalicelib.domain.errors` (temporary / rejected / operational, and OrderOutcomeUnknown).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from chalicelib.domain.orders import Balance, OcoRequest, Order, OrderList, OrderRequest
from chalicelib.domain.symbols import SymbolRules

if TYPE_CHECKING:  # the API names these ports without loading numpy
    from chalicelib.domain.candles import Candle


class Exchange(Protocol):
    def klines(self, symbol: str, interval: str, *, limit: int = 500, end_ms: int | None = None) -> list[Candle]:
        """CLOSED candles only, oldest first, the last one closing at or before `end_ms` (default: now)."""
        ...

    def symbol_rules(self, symbol: str) -> SymbolRules:
        """Filters, base/quote assets and status of one symbol (NotFound for an unknown symbol)."""
        ...

    def balances(self) -> list[Balance]:
        """Non-zero balances of the account."""
        ...

    def place_order(self, request: OrderRequest) -> Order:
        """Fit the request to the symbol's filters (FilterRejected when it cannot fit) and place it.

        Idempotent on `request.client_order_id`: placing it again returns the order already placed.
        Raises OrderOutcomeUnknown when the exchange neither confirmed nor denied it; the caller must
        then look it up with `get_order_by_client_id`, never resend blindly."""
        ...

    def get_order_by_client_id(self, symbol: str, client_order_id: str) -> Order | None:
        """The order, or None when the exchange does not know it."""
        ...

    def cancel_order(self, symbol: str, client_order_id: str) -> Order:
        """Cancel an open order; an order that already finished is returned as it is."""
        ...


class RestingExchange(Exchange, Protocol):
    """An exchange that keeps orders resting between ticks (docs/orders.md): Binance and the paper exchange."""

    def open_orders(self, symbol: str) -> list[Order]:
        """Every open order of the account on `symbol`, OCO legs included (`order_list_id` set), in ONE call
        (Binance `GET /api/v3/openOrders?symbol=`, weight 6): a tick with resting orders reads them once."""
        ...

    def place_oco(self, request: OcoRequest) -> OrderList:
        """Place a take-profit / stop-loss pair. Idempotent on `list_client_order_id` like `place_order`;
        raises OrderOutcomeUnknown when the answer was lost (look the legs up by their client ids)."""
        ...

    def cancel_order_list(self, symbol: str, list_client_order_id: str) -> OrderList:
        """Cancel both legs of an OCO; a list that already finished is returned as it is."""
        ...


@dataclass(frozen=True, slots=True)
class KeyCheck:
    """What checking an API key against the exchange found. `withdrawals_enabled` is None where the
    exchange cannot tell (the spot testnet has no /sapi restrictions endpoint); `checked` says what was."""

    can_trade_spot: bool
    withdrawals_enabled: bool | None
    checked: tuple[str, ...]
    # Whether the key only works from whitelisted IPs (`ipRestrict`); None where the exchange cannot tell.
    ip_restricted: bool | None = None


class KeyVerifier(Protocol):
    def verify(self, api_key: str, api_secret: str, *, testnet: bool, user_id: str | None = None) -> KeyCheck:
        """Raises ExchangeRejected for a key the exchange refuses, ExchangeTemporaryError when unreachable."""
        ...
