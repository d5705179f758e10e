"""A bot with resting orders on the in-memory platform (tests/fakes/memory.py) and a truthful resting exchange
(tests/fakes/memory_resting.py): the tick's decision is the real strategy's engine state with the wanted
orders a test sets (`Harness.want`), so each test says exactly which orders should rest. `reconciles()` is
the one-to-one check: every fill the exchange made is booked by exactly one trade per booking, and every
trade is a fill the exchange made."""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from chalicelib.adapters.binance.caches import ListClientIds
from chalicelib.adapters.binance.resting import RestingOrders
from chalicelib.domain import engine as engine_module
from chalicelib.domain.orders import OrderType, Side
from chalicelib.domain.resting import OrderPurpose, StopLeg, WantedOrder
from chalicelib.domain.strategies.base import Intent
from chalicelib.domain.trades import TradeFilter
from chalicelib.services.tick import service as tick_service
from tests.fakes.memory import MemoryPlatform, memory_platform
from tests.fakes.memory_market import candles_from_closes
from tests.fakes.memory_resting import InMemoryRestingExchange
from tests.reliability.resting_venues import binance_venue, paper_venue

NOW = 1_764_547_200_000
MINUTE = 60_000
PRICE = 50_000


def grid_buy(k: int, price: str, quantity: str = "0.001") -> WantedOrder:
    return WantedOrder(
        key=f"grid_buy_{k}", purpose=OrderPurpose.GRID_BUY, leg=f"grid_buy_{k}", reason="grid", side=Side.BUY,
        type=OrderType.LIMIT, quantity=Decimal(quantity), price=Decimal(price),
    )  # fmt: skip


def grid_sell(k: int, price: str, quantity: str = "0.001") -> WantedOrder:
    return WantedOrder(
        key=f"grid_sell_{k}", purpose=OrderPurpose.GRID_SELL, leg=f"grid_sell_{k}", reason="grid", side=Side.SELL,
        type=OrderType.LIMIT, quantity=Decimal(quantity), price=Decimal(price),
    )  # fmt: skip


def safety(k: int, price: str, quantity: str = "0.001") -> WantedOrder:
    return WantedOrder(
        key=f"safety_{k}", purpose=OrderPurpose.SAFETY, leg=f"safety_{k}", reason="safety_order", side=Side.BUY,
        type=OrderType.LIMIT, quantity=Decimal(quantity), price=Decimal(price),
    )  # fmt: skip


def protect(quantity: str, take: str, stop: str, limit: str) -> WantedOrder:
    return WantedOrder(
        key="protect", purpose=OrderPurpose.PROTECT, leg="exit", reason="take_profit", side=Side.SELL,
        type=OrderType.LIMIT_MAKER, quantity=Decimal(quantity), price=Decimal(take),
        oco_stop=StopLeg(Decimal(stop), Decimal(limit)),
    )  # fmt: skip


class Harness:
    def __init__(self, monkeypatch: pytest.MonkeyPatch, budget: str = "1000", venue: str = "memory") -> None:
        self.mem: MemoryPlatform = memory_platform(NOW)
        start = NOW - 2 * 24 * 60 * MINUTE
        closes = [PRICE + (i % 5) for i in range(2 * 24 * 60 + 600)]
        self.mem.market.add("BTCUSDT", "1m", candles_from_closes(start, "1m", closes))
        self.wanted: tuple[WantedOrder, ...] = ()
        self.sell_all = False  # the decision also sells the whole position at market, while there is one
        real = engine_module.decide

        def decide(*args: Any, **kwargs: Any) -> engine_module.Decision:
            decision = real(*args, **kwargs)
            held = self.state.position_qty if self.sell_all else Decimal(0)
            intents = (Intent(Side.SELL, "exit", "signal", quantity=float(held)),) if held > 0 else ()
            return dataclasses.replace(decision, intents=intents, wanted=self.wanted)

        monkeypatch.setattr(tick_service, "decide", decide)
        body = {
            "name": "grid", "strategy": "grid", "params": {"lower": 40_000, "upper": 60_000, "levels": 20},
            "symbol": "BTCUSDT", "interval": "1m", "mode": "paper", "budget": budget, "risk": {},
        }  # fmt: skip
        bot = self.mem.container.bots.create("u1", body)
        self.bot_id = bot.id
        self.venue = venue
        self.close: Callable[[], Any] = lambda: None
        self.exchange: Any
        if venue == "binance":
            monkeypatch.setattr(RestingOrders, "list_ids", ListClientIds())  # a cold process: no list known
            self.exchange, self.close = binance_venue(PRICE)
        elif venue == "paper":
            self.exchange = paper_venue(self.mem.market, self.mem.exchanges.catalog, self.mem.clock)
        else:
            self.exchange = InMemoryRestingExchange(self.mem.market, self.mem.exchanges.catalog, self.mem.clock.now_ms)
        self.mem.exchanges.accounts[bot.id] = self.exchange
        self.mem.container.bots.change_status("u1", bot.id, "start")
        self.at = NOW

    def want(self, *orders: WantedOrder) -> None:
        self.wanted = orders

    def tick(self, advance: bool = True) -> str:
        if advance:
            self.at += MINUTE
            self.mem.clock.set(self.at) if hasattr(self.mem.clock, "set") else self.mem.clock.advance(MINUTE)
        return self.mem.container.ticks.run("u1", self.bot_id, self.at, "BTCUSDT", "1m").result

    @property
    def state(self) -> Any:
        return self.mem.states.get(self.bot_id)

    def records(self) -> list[Any]:
        return self.mem.bot_orders.all_for(self.bot_id)

    def record(self, key: str, generation: int = 1) -> Any:
        return next(r for r in self.records() if r.key == key and r.generation == generation)

    def trades(self) -> list[Any]:
        items, _ = self.mem.trades.query("u1", TradeFilter(bot_id=self.bot_id), None, 10_000)
        return items

    def _held(self, asset: str) -> Decimal:
        if hasattr(self.exchange, "held"):
            return Decimal(self.exchange.held(asset))
        return sum((b.total for b in self.exchange.balances() if b.asset == asset), Decimal(0))

    def reconciles(self) -> None:
        """Orders and fills on the exchange and Trades on the platform, one to one."""
        booked: dict[str, Decimal] = defaultdict(Decimal)
        for trade in self.trades():
            order_id = trade.id.split(".", 1)[0]
            assert order_id in self.exchange.orders, f"trade {trade.id} has no exchange order"
            booked[order_id] += trade.quantity
        assert len({t.id for t in self.trades()}) == len(self.trades()), "a booking traded twice"
        for cid, order in self.exchange.orders.items():
            assert booked.get(cid, Decimal(0)) == order.executed_quantity, (cid, booked.get(cid), order)
        for record in self.records():
            order = self.exchange.orders.get(record.client_order_id)
            assert record.booked_quantity == (order.executed_quantity if order else 0), record
        held = self._held("BTC")
        state = self.state
        assert abs(held - state.position_qty - state.dust_qty) < Decimal("1e-8"), (held, state)
