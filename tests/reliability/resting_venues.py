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
from chalicelib.adapters.dynamo.paper import DynamoPaperStore
from chalicelib.adapters.paper_exchange import PaperExchange
from chalicelib.domain.candles import Candle
from chalicelib.domain.clock import SystemClock
from chalicelib.domain.errors import OrderOutcomeUnknown
from chalicelib.domain.orders import OcoRequest, Order, OrderList, OrderRequest
from chalicelib.domain.resting_fills import DEFAULT_PARTICIPATION
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
        if self.before_cancel is not None:
            self.before_cancel(list_client_order_id)
        self._arm("cancelOrderList")
        return super().cancel_order_list(symbol, list_client_order_id)


def binance_venue(price: int) -> tuple[BinanceVenueExchange, Callable[[], Any]]:
    fake = FakeBinanceSpot(balances={"USDT": "10000", "BTC": "0"}, price=str(price))
    fake.__enter__()
    time.sleep(0)  # the server thread is serving once __enter__ returns
    return BinanceVenueExchange(fake), lambda: fake.__exit__(None, None, None)


class OverlaidMarket:
    """The platform's market with the candles a test made trade laid over it (by open time): the paper exchange
    fills resting orders on these, as it would on the real candles that passed."""

    MINUTE = 60_000

    def __init__(self, market: Any) -> None:
        self.market = market
        self.made: dict[int, Candle] = {}

    def closed_candles(self, symbol: str, interval: str, *, limit: int = 500, end_ms: int | None = None) -> list[Any]:
        rows = self.market.closed_candles(symbol, interval, limit=limit, end_ms=end_ms)
        return [self.made.get(c.open_time, c) for c in rows]

    def __getattr__(self, name: str) -> Any:
        return getattr(self.market, name)

    def through(self, open_time: int, price: Decimal, volume: Decimal) -> None:
        """One 1m candle that trades down (or up) to `price` from the price around it, `volume` of it."""
        base = next(c for c in self.market.closed_candles("BTCUSDT", "1m", limit=1, end_ms=open_time + self.MINUTE))
        high, low = max(base.open, price), min(base.open, price)
        self.made[open_time] = Candle(open_time, base.open, high, low, base.close, volume, open_time + self.MINUTE - 1)


class PaperVenueExchange(PaperExchange):
    """The paper exchange on moto-backed DynamoDB. It has no network, so a lost answer is injected around it:
    the call acts, then the caller gets OrderOutcomeUnknown (as a Lambda timing out after the write would)."""

    def __init__(self, market: OverlaidMarket, catalog: Any, clock: Any) -> None:
        self.store = DynamoPaperStore()
        self.account = f"faults-{random.getrandbits(48):x}"
        super().__init__(self.account, self.store, market, catalog, clock)
        self.overlay, self.clock = market, clock
        self.calls: Counter[str] = Counter()
        self.lose_next: Counter[str] = Counter()
        self.before_cancel: Callable[[str], None] | None = None
        self.sent: list[str] = []  # every client id placed, so `orders` can read closed ones too

    def _lose(self, name: str) -> None:
        if self.lose_next[name] > 0:
            self.lose_next[name] -= 1
            raise OrderOutcomeUnknown(f"{name}: no answer after the paper exchange acted", code="exchange_timeout")

    # --- the test's side -----------------------------------------------------------------------------

    def seed(self, balances: dict[str, Decimal]) -> None:
        self.store.seed(self.account, balances)

    @property
    def orders(self) -> dict[str, Seen]:
        found = [self.store.get_order(self.account, cid) for cid in dict.fromkeys(self.sent)]
        return {
            p.order.client_order_id: Seen(p.order.client_order_id, p.order.executed_quantity, p.order.is_open)
            for p in found
            if p is not None
        }

    def held(self, asset: str) -> Decimal:
        return sum((b.total for b in self.store.balances(self.account) if b.asset == asset), Decimal(0))

    def trade(self, client_order_id: str, quantity: Decimal | None = None) -> None:
        """A candle of the current minute trades through the order's price: `quantity` of it at most (the candle's
        volume is what the participation rule lets the order take), whole by default."""
        paper = self.store.get_order(self.account, client_order_id)
        assert paper is not None and paper.order.price is not None
        at = paper.order.stop_price or paper.order.price
        volume = (quantity if quantity is not None else paper.order.quantity) / Decimal(str(DEFAULT_PARTICIPATION))
        minute = self.clock.now_ms() // self.overlay.MINUTE * self.overlay.MINUTE
        self.overlay.through(minute, at, volume)

    def trade_now(self, client_order_id: str) -> None:
        """The market trades the order inside a tick (between its read and its cancel): the candle of this minute
        closes, so the clock moves past it."""
        self.trade(client_order_id)
        minute = self.clock.now_ms() // self.overlay.MINUTE * self.overlay.MINUTE
        self.clock.set(minute + self.overlay.MINUTE)

    # --- the port, counted and with the faults a test armed ---------------------------------------------

    def open_orders(self, symbol: str) -> list[Order]:
        self.calls["openOrders"] += 1
        return super().open_orders(symbol)

    def get_order_by_client_id(self, symbol: str, client_order_id: str) -> Order | None:
        self.calls["getOrder"] += 1
        return super().get_order_by_client_id(symbol, client_order_id)

    def place_order(self, request: OrderRequest) -> Order:
        self.calls["newOrder"] += 1
        self.sent.append(request.client_order_id)
        placed = super().place_order(request)
        self._lose("newOrder")
        return placed

    def cancel_order(self, symbol: str, client_order_id: str) -> Order:
        self.calls["cancelOrder"] += 1
        if self.before_cancel is not None:
            self.before_cancel(client_order_id)
        cancelled = super().cancel_order(symbol, client_order_id)
        self._lose("cancelOrder")
        return cancelled

    def place_oco(self, request: OcoRequest) -> OrderList:
        self.calls["newOco"] += 1
        self.sent += [request.take_profit_client_order_id, request.stop_client_order_id]
        placed = super().place_oco(request)
        self._lose("newOco")
        return placed

    def cancel_order_list(self, symbol: str, list_client_order_id: str) -> OrderList:
        self.calls["cancelOrderList"] += 1
        if self.before_cancel is not None:
            self.before_cancel(list_client_order_id)
        cancelled = super().cancel_order_list(symbol, list_client_order_id)
        self._lose("cancelOrderList")
        return cancelled


def paper_venue(market: Any, catalog: Any, clock: Any) -> PaperVenueExchange:
    return PaperVenueExchange(OverlaidMarket(market), catalog, clock)
