"""The venues the resting-order fault suite runs on, each with the same test-side handles as
tests/fakes/memory_resting.py (`orders`, `calls`, `lose_next`, `before_cancel`, `trade`, `held`):
- "binance": the real Binance adapter (chalicelib/adapters/binance) over HTTP to the fake Binance
  (tests/fakes/binance_spot.py + binance_book.py). A lost answer is the fake's own fault striking AFTER the
  request executed (a 500/-1000); `trade` makes the fake's market trade at the order's price (as much of it as
  asked) and come back, so other resting orders are reached only if the market really went through them.
Reading `orders`/`calls`/`held` looks at the fake's book directly and costs no request."""

from __future__ import annotations

import random
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from chalicelib.adapters.binance import BinanceCredentials, BinanceEndpoint, BinanceSpotExchange, RetryPolicy
from chalicelib.adapters.binance.budget import InMemoryWeightStore, WeightBudget
from chalicelib.adapters.binance.caches import ServerTimeOffsets
from chalicelib.domain.clock import SystemClock
from chalicelib.domain.orders import OcoRequest, Order, OrderList, OrderRequest
from tests.fakes.binance_spot import API_KEY, API_SECRET, OPEN, FakeBinanceSpot

# The fake's request -> the call names the memory fake counts.
CALLS = {
    ("POST", "/api/v3/order"): "newOrder",
    ("DELETE", "/api/v3/order"): "cancelOrder",
    ("GET", "/api/v3/order"): "getOrder",
    ("GET", "/api/v3/openOrders"): "openOrders",
    ("POST", "/api/v3/orderList/oco"): "newOco",
    ("DELETE", "/api/v3/orderList"): "cancelOrderList",
}
FAULT_OF = {"newOrder": "500/-1000", "cancelOrder": "500/-1000", "newOco": "500/-1000", "cancelOrderList": "500/-1000"}


@dataclass(frozen=True)
class Seen:
    """What the reconciliation reads of an exchange order."""

    client_order_id: str
    executed_quantity: Decimal
    is_open: bool


class BinanceVenueExchange(BinanceSpotExchange):
    def __init__(self, fake: FakeBinanceSpot) -> None:
        super().__init__(
            BinanceEndpoint.custom(fake.url),
            WeightBudget(InMemoryWeightStore(), "egress-faults", SystemClock(), lambda _s: None),
            credentials=BinanceCredentials(API_KEY, API_SECRET),
            clock=SystemClock(),
            sleep=lambda _s: None,
            policy=RetryPolicy(rng=random.Random(7)),
            time_offsets=ServerTimeOffsets(),
        )
        self.fake = fake
        self.lose_next: Counter[str] = Counter()
        self.before_cancel: Callable[[str], None] | None = None

    # --- the test's side -----------------------------------------------------------------------------

    @property
    def orders(self) -> dict[str, Seen]:
        with self.fake.lock:
            return {o.client_order_id: Seen(o.client_order_id, o.executed, o.status in OPEN) for o in self.fake.orders}

    @property
    def calls(self) -> Counter[str]:
        with self.fake.lock:
            return Counter(CALLS[(m, p)] for m, p, _ in self.fake.requests if (m, p) in CALLS)

    def held(self, asset: str) -> Decimal:
        """Free plus what resting orders lock (the fake's account answer shows only the free part)."""
        with self.fake.lock:
            locked = sum(
                (o.locked[1] for o in self.fake.orders if o.locked is not None and o.locked[0] == asset), Decimal(0)
            )
            return self.fake.balances.get(asset, Decimal(0)) + locked

    def seed(self, balances: dict[str, Decimal]) -> None:
        """A paper bot's start funds its account (InMemoryExchangeFactory.prepare): the fake account holds them."""
        with self.fake.lock:
            self.fake.balances.update({asset: Decimal(amount) for asset, amount in balances.items()})

    def trade(self, client_order_id: str, quantity: Decimal | None = None) -> None:
        """The market dips (or rises) to the order's price, trades `quantity` there, and comes back."""
        with self.fake.lock:
            order = next(o for o in reversed(self.fake.orders) if o.client_order_id == client_order_id)
            symbol = self.fake.symbols[order.symbol]
            before = symbol.price
            at = order.stop_price if order.stop_price > 0 else order.price
            self.fake.trade(order.symbol, at, quantity)
            symbol.price = before

    def _arm(self, name: str) -> None:
        if self.lose_next[name] > 0:
            self.lose_next[name] -= 1
            self.fake.arm(FAULT_OF[name])

    # --- the port, with the faults a test armed ----------------------------------------------------------

    def place_order(self, request: OrderRequest) -> Order:
        self._arm("newOrder")
        return super().place_order(request)

    def cancel_order(self, symbol: str, client_order_id: str) -> Order:
        if self.before_cancel is not None:
            self.before_cancel(client_order_id)
        self._arm("cancelOrder")
        return super().cancel_order(symbol, client_order_id)

    def place_oco(self, request: OcoRequest) -> OrderList:
        self._arm("newOco")
        return super().place_oco(request)

    def cancel_order_list(self, symbol: str, list_client_order_id: str) -> OrderList:
        self._arm("cancelOrderList")
        return super().cancel_order_list(symbol, list_client_order_id)


def binance_venue(price: int) -> tuple[BinanceVenueExchange, Callable[[], Any]]:
    fake = FakeBinanceSpot(balances={"USDT": "10000", "BTC": "0"}, price=str(price))
    fake.__enter__()
    time.sleep(0)  # the server thread is serving once __enter__ returns
    return BinanceVenueExchange(fake), lambda: fake.__exit__(None, None, None)
