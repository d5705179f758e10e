"""The follow-up lookup after an order whose outcome is unknown. It used to be the tick's own loop; it is
now the exchange adapter's one retry policy (`resolve_by_lookup`), reached here with the same fake."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from chalicelib.adapters.binance.policy import RetryPolicy, resolve_by_lookup
from chalicelib.domain.errors import ExchangeTemporaryError, OrderOutcomeUnknown
from chalicelib.domain.orders import Order, OrderRequest, OrderStatus, OrderType, Side

REQUEST = OrderRequest("BTCUSDT", Side.BUY, OrderType.MARKET, Decimal("0.001"), "tb-1", reference_price=Decimal(1))


class UnreachableAfterPlacing:
    """Placed, the answer lost, and the exchange then out of reach for every lookup."""

    def __init__(self, lookups: list[Any]) -> None:
        self.lookups = lookups
        self.placed = 0

    def place_order(self, request: OrderRequest) -> Order:
        self.placed += 1
        raise OrderOutcomeUnknown("Binance -1000: An unknown error occurred; order outcome unknown")

    def get_order_by_client_id(self, symbol: str, client_order_id: str) -> Order | None:
        answer = self.lookups.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer  # type: ignore[no-any-return]


class Placer:
    """Place once; on an unknown outcome, resolve by lookup under the retry policy (3 lookups), never resend."""

    def _place(self, exchange: UnreachableAfterPlacing, request: OrderRequest) -> Order:
        try:
            return exchange.place_order(request)
        except OrderOutcomeUnknown as unknown:
            found, resolved = resolve_by_lookup(
                RetryPolicy(lookup_attempts=3),
                lambda: exchange.get_order_by_client_id(request.symbol, request.client_order_id),
                lambda _s: None,
            )
            if resolved and found is not None:
                return found
            raise unknown


def service() -> Placer:
    return Placer()


def test_an_unreachable_exchange_during_the_lookup_still_reports_the_outcome_unknown() -> None:
    exchange = UnreachableAfterPlacing([ExchangeTemporaryError("Binance did not answer (ReadTimeout)")] * 3)
    with pytest.raises(OrderOutcomeUnknown, match="outcome unknown"):
        service()._place(exchange, REQUEST)
    assert exchange.placed == 1 and exchange.lookups == []


def test_the_lookup_finds_the_order_once_the_exchange_answers_again() -> None:
    found = Order(
        "BTCUSDT",
        "tb-1",
        "9",
        Side.BUY,
        OrderType.MARKET,
        OrderStatus.FILLED,
        Decimal("0.001"),
        Decimal("0.001"),
        Decimal("35"),
        None,
        0,
    )
    exchange = UnreachableAfterPlacing([ExchangeTemporaryError("timeout"), None, found])
    assert service()._place(exchange, REQUEST) is found
    assert exchange.placed == 1
