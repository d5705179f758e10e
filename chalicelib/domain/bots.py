"""Bots: configuration, lifecycle, and the runtime state a tick carries between bars.

The configuration (what the user asked for) and the state (what the ticks did) are separate records,
so an edit never races a tick; the state carries a version for optimistic locking."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field, replace
from decimal import Decimal
from enum import StrEnum
from typing import Any

from chalicelib.domain.errors import Conflict, InvalidInput
from chalicelib.domain.intervals import INTERVAL_MS


class BotStatus(StrEnum):
    STOPPED = "stopped"
    RUNNING = "running"
    PAUSED = "paused"
    ERROR = "error"


class Mode(StrEnum):
    PAPER = "paper"
    LIVE = "live"


# Changeable while a bot runs: they do not alter what a running tick is in the middle of.
EDITABLE_WHILE_RUNNING = frozenset({"name", "risk", "budget"})
EDITABLE_WHEN_STOPPED = frozenset(
    {"name", "risk", "budget", "params", "strategy", "symbol", "interval", "mode", "api_key_id"}
)


@dataclass(frozen=True)
class BotConfig:
    id: str
    user_id: str
    name: str
    strategy: str
    params: dict[str, Any]
    symbol: str
    interval: str
    mode: Mode
    budget: Decimal
    risk: dict[str, Any]
    api_key_id: str | None
    status: BotStatus
    created_at_ms: int
    updated_at_ms: int
    status_reason: str | None = None


@dataclass(frozen=True)
class PendingOrder:
    """An order intent saved BEFORE it is sent, so a crash between sending and saving is repaired on
    redelivery by looking the order up by its client order id instead of sending it again."""

    client_order_id: str
    leg: str
    side: str
    reason: str
    quote_amount: str | None
    quantity: str | None


@dataclass(frozen=True)
class BotState:
    bot_id: str
    version: int = 0
    engine: dict[str, Any] = field(default_factory=dict)
    last_tick_at: int = 0
    pending_tick_at: int | None = None
    pending: tuple[PendingOrder, ...] = ()
    consecutive_failures: int = 0
    last_error: str | None = None
    realised_pnl: Decimal = Decimal(0)
    fees_paid: Decimal = Decimal(0)
    position_qty: Decimal = Decimal(0)
    position_cost: Decimal = Decimal(0)
    last_price: Decimal | None = None
    trades_count: int = 0
    dust_qty: Decimal = Decimal(0)
    # The ledger's position (docs/accounting.md): `position_cost` is the open quantity's basis at its fill
    # prices, fees excluded; `open_fees` the entry fees it carries; `dust_cost` the basis of the dust held.
    open_fees: Decimal = Decimal(0)
    dust_cost: Decimal = Decimal(0)
    # Quote the bot may still spend; starts at the budget and follows fills. `budget_seen` lets a budget
    # edit while running shift the cash by the difference.
    cash: Decimal | None = None
    budget_seen: Decimal = Decimal(0)
    # Whether the bot has orders resting on the exchange (or placed and not yet settled): only then does a
    # tick read the exchange's open orders and the bot's order records, so an idle bot costs nothing more.
    has_resting: bool = False
    # The last generation placed per resting-order key (domain.resting): the next placement of a key takes
    # the next one, so a client order id is never reused after its order finished.
    generations: dict[str, int] = field(default_factory=dict)

    @property
    def in_position(self) -> bool:
        return self.position_qty > 0

    @property
    def entry_price(self) -> Decimal | None:
        """The average fill price of the open quantity: the position panel's price and the chart's entry line."""
        return (self.position_cost / self.position_qty) if self.position_qty > 0 else None

    @property
    def unrealised_pnl(self) -> Decimal:
        """Everything held (dust too) marked to the last price, less its basis and entry fees; no exit fee."""
        if self.last_price is None or (self.position_qty <= 0 and self.dust_qty <= 0):
            return Decimal(0)
        held = (self.position_qty + self.dust_qty) * self.last_price
        return held - self.position_cost - self.open_fees - self.dust_cost

    def next(self, **changes: Any) -> BotState:
        return replace(self, version=self.version + 1, **changes)

    def only_ticked(self, before: BotState) -> bool:
        """True when this state differs from `before` only in what every tick moves (version, last tick, last
        price): nothing a later tick decides on changed. Compared serialised, so an engine state built as tuples
        equals the same state read back from JSON as lists."""
        moved = replace(self, version=before.version, last_tick_at=before.last_tick_at, last_price=before.last_price)
        return _canonical(moved) == _canonical(before)


def _canonical(state: BotState) -> str:
    return json.dumps(asdict(state), sort_keys=True, default=str, separators=(",", ":"))


def check_interval(interval: str) -> str:
    if interval not in INTERVAL_MS:
        raise InvalidInput(
            f"Unsupported interval {interval!r}.",
            code="invalid_interval",
            details=[{"field": "interval", "message": f"use one of {', '.join(INTERVAL_MS)}"}],
        )
    return interval


def is_due(interval: str, tick_at_ms: int) -> bool:
    """A bot ticks when one of its bars closes: at every multiple of its interval (UTC)."""
    return tick_at_ms % INTERVAL_MS[interval] == 0


def next_tick_at(interval: str, now_ms: int, last_tick_at_ms: int = 0) -> int:
    """When a running bot's next tick is due: the next close of one of its bars after now (and after its last
    tick); the dispatcher sends the tick at that minute."""
    step = INTERVAL_MS[interval]
    after = max(now_ms, last_tick_at_ms)
    return after - after % step + step


def schedule_shard(bot_id: str, interval: str, shards: int) -> str:
    """Spread running bots over `shards` partitions per interval so no index partition gets hot."""
    digest = int(hashlib.sha256(bot_id.encode()).hexdigest()[:8], 16)
    return f"{interval}#{digest % shards:02d}"


def client_order_id(bot_id: str, tick_at_ms: int, leg: str) -> str:
    """Deterministic, so every retry of a tick asks the exchange for the same order.
    Binance allows 36 characters of [a-zA-Z0-9_-]."""
    digest = hashlib.sha256(f"{bot_id}|{tick_at_ms}|{leg}".encode()).hexdigest()
    return f"tb{digest[:30]}"


def transition(config: BotConfig, action: str) -> BotStatus:
    allowed: dict[str, tuple[set[BotStatus], BotStatus]] = {
        "start": ({BotStatus.STOPPED, BotStatus.ERROR}, BotStatus.RUNNING),
        "stop": ({BotStatus.RUNNING, BotStatus.PAUSED, BotStatus.ERROR, BotStatus.STOPPED}, BotStatus.STOPPED),
        "pause": ({BotStatus.RUNNING}, BotStatus.PAUSED),
        "resume": ({BotStatus.PAUSED}, BotStatus.RUNNING),
    }
    sources, target = allowed[action]
    if config.status not in sources:
        raise Conflict(
            f"Cannot {action} a bot that is {config.status.value}.",
            code="invalid_transition",
            details={"status": config.status.value, "action": action},
        )
    return target


def check_edit(config: BotConfig, fields: set[str]) -> None:
    allowed = (
        EDITABLE_WHILE_RUNNING if config.status in (BotStatus.RUNNING, BotStatus.PAUSED) else EDITABLE_WHEN_STOPPED
    )
    refused = sorted(fields - allowed)
    if refused:
        raise Conflict(
            f"Stop the bot before changing {', '.join(refused)}.",
            code="bot_running",
            details=[{"field": f, "message": "can only change while the bot is stopped"} for f in refused],
        )
