"""The platform on in-memory fakes: `memory_platform()` builds the real services through the composition root
(`chalicelib.bootstrap.bootstrap`) with every main port replaced by its fake, so a service unit test runs the
production wiring in milliseconds, with no moto and no patched attribute."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from chalicelib.bootstrap import Container, bootstrap
from chalicelib.config import settings
from chalicelib.domain.clock import ManualClock
from tests.fakes.memory_bots import (
    InMemoryBotRepository,
    InMemoryBotStateStore,
    InMemoryCandleCache,
    InMemoryClaims,
    InMemoryTickReader,
    InMemoryTradeRepository,
)
from tests.fakes.memory_drift import InMemoryDriftReports
from tests.fakes.memory_history import InMemoryConfigHistory
from tests.fakes.memory_ledger import InMemoryQuotaLedger
from tests.fakes.memory_market import InMemoryExchangeFactory, InMemoryMarket
from tests.fakes.memory_orders import InMemoryBotOrderStore
from tests.fakes.memory_queue import InMemoryQueue, InMemoryQueues


@dataclass
class MemoryPlatform:
    clock: ManualClock
    bots: InMemoryBotRepository
    states: InMemoryBotStateStore
    trades: InMemoryTradeRepository
    tick_reader: InMemoryTickReader
    candles: InMemoryCandleCache
    claims: InMemoryClaims
    quota_ledger: InMemoryQuotaLedger
    market: InMemoryMarket
    exchanges: InMemoryExchangeFactory
    bot_orders: InMemoryBotOrderStore
    config_history: InMemoryConfigHistory
    drift_reports: InMemoryDriftReports
    queues: InMemoryQueues
    container: Container

    @property
    def ticks_queue(self) -> InMemoryQueue:
        return self.queues(self.container.settings.tick_queue_url)

    @property
    def jobs_queue(self) -> InMemoryQueue:
        return self.queues(self.container.settings.jobs_queue_url)

    @property
    def notify_queue(self) -> InMemoryQueue:
        return self.queues(self.container.settings.notify_queue_url)


def memory_platform(now_ms: int = 1_764_547_200_000, **extra: str) -> MemoryPlatform:
    """`extra`: stage settings (TRADEBOT_*) on top of the test environment's."""
    clock = ManualClock(now_ms)
    base = settings()
    cfg = dataclasses.replace(base, extra={**base.extra, **extra})
    bots, trades, bot_orders = InMemoryBotRepository(), InMemoryTradeRepository(), InMemoryBotOrderStore()
    states = InMemoryBotStateStore(trades, bot_orders)
    market = InMemoryMarket(clock.now_ms)
    fakes: dict[str, Any] = {
        "bots": bots,
        "states": states,
        "trades": trades,
        "tick_reader": InMemoryTickReader(bots, states),
        "candles": InMemoryCandleCache(),
        "claims": InMemoryClaims(clock.now_ms),
        "quota_ledger": InMemoryQuotaLedger(),
        "market": market,
        "exchanges": InMemoryExchangeFactory(market, clock.now_ms),
        "queues": InMemoryQueues(),
        "bot_orders": bot_orders,
        "config_history": InMemoryConfigHistory(),
        "drift_reports": InMemoryDriftReports(clock.now_ms),
    }
    container = bootstrap(cfg, clock=clock, **{("queue" if k == "queues" else k): v for k, v in fakes.items()})
    return MemoryPlatform(clock=clock, container=container, **fakes)
