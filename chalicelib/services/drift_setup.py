"""What the drift replay starts from (docs/drift.md, "Starting state" and "Config history"): the configuration in
force at `from` and the edits inside the period (from the recorded history), the bot's real cash and position at
`from` (today's state with every fill since taken back), and its engine state at `from` (a shadow pass from the
snapshot of the version in force then, booking the real fills: domain/drift/start.py)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from chalicelib.domain.bots import BotConfig, BotState
from chalicelib.domain.candles import Candle, CandleSeries
from chalicelib.domain.config_history import ConfigVersion, in_force
from chalicelib.domain.drift.compute import stage
from chalicelib.domain.drift.matching import name_ticks
from chalicelib.domain.drift.model import SideFill
from chalicelib.domain.drift.replay import Window
from chalicelib.domain.drift.sides import live_fills
from chalicelib.domain.drift.start import state_at
from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.strategies import validate_params, warmup_bars
from chalicelib.domain.trades import Trade

FLAT_QUOTE = Decimal("0.01")  # a position worth less than this is flat
SHADOW_LEGS = ("entry", "exit", "base", "close")  # the legs of the strategies' market orders (domain/strategies)


@dataclass(frozen=True)
class Plan:
    """The period's configuration: `base` is in force at `from` (None: no history, the bot's config is used),
    `edits` took effect inside it; `snapshot` is the version whose state the shadow pass starts from."""

    base: ConfigVersion | None
    edits: tuple[ConfigVersion, ...]
    snapshot: ConfigVersion | None

    def since_ms(self, window: Window) -> int:
        """The first instant whose trades are needed: the snapshot's, when the shadow pass runs."""
        return min(window.from_ms, self.snapshot.at_ms) if self.snapshot else window.from_ms

    def warmup(self, config: BotConfig) -> int:
        used = [self.base, *self.edits] if self.base else [config]
        return max(warmup_bars(v.strategy, validate_params(v.strategy, v.params)) for v in used)

    def budget(self, config: BotConfig) -> Decimal:
        return self.base.budget if self.base else config.budget


def plan(config: BotConfig, versions: Sequence[ConfigVersion], window: Window, max_bars: int) -> Plan:
    if not versions:
        return Plan(None, (), None)
    base = in_force(versions, window.from_ms) or versions[0]
    edits = tuple(v for v in versions if window.from_ms < v.at_ms <= window.to_ms and v is not base)
    for v in (base, *edits):
        if (v.symbol, v.interval) != (config.symbol, config.interval):
            raise bad("market_changed", "from", f"the bot traded {v.symbol} {v.interval} from {v.at_ms}: the "
                      "replay reads one market; choose a period after the change")  # fmt: skip
    near = base.at_ms <= window.from_ms and (window.from_ms - base.at_ms) // window.interval_ms <= max_bars
    return Plan(base, edits, base if near else None)


def cash_at(state: BotState, budget: Decimal, since: Sequence[Trade]) -> tuple[Decimal, Decimal]:
    """The bot's quote cash (counted with `budget`, as its next tick would) and position before `since`: today's,
    with every one of those fills taken back."""
    cash = (state.cash or Decimal(0)) + (budget - state.budget_seen)
    held = state.position_qty  # a sale's `net_quantity` includes the residue it moved to dust
    for f in live_fills(since):
        sign = Decimal(1) if f.side == "BUY" else Decimal(-1)
        cash += sign * f.quote + f.cash_fee
        held -= sign * f.held
    return cash, held


def start_state(
    p: Plan, state: BotState, window: Window, candles: Sequence[Candle], trades: Sequence[Trade], held: Decimal
) -> dict[str, Any]:
    """The engine state at `from`: the shadow pass's when it can run and agrees with the real position, flat when
    the bot was flat; a position nothing can rebuild is refused."""
    price = trades[0].price if trades else (candles[-1].close if candles else Decimal(0))
    flat = abs(held) * price < FLAT_QUOTE
    if p.snapshot is not None:
        snap = p.snapshot
        after = [t for t in trades if t.executed_at_ms > snap.at_ms]
        cash, _ = cash_at(state, snap.budget, after)
        shadow = Window(max(snap.at_ms - 1, snap.state_tick_at), window.from_ms, window.interval_ms)
        in_shadow = _named(snap, [f for f in live_fills(after) if f.executed_at_ms <= window.from_ms], shadow)
        engine = state_at(CandleSeries.from_candles(candles), stage(snap), shadow, snap.engine, cash, in_shadow)
        quantity = sum((Decimal(lot["quantity"]) for lot in engine.get("lots", {}).values()), Decimal(0))
        if abs(quantity - held) * price < FLAT_QUOTE:
            return engine
    if flat:
        return {}
    raise bad("not_flat_at_from", "from", "the bot held a position at from and its state then cannot be rebuilt "
              "(no start or edit of the bot is recorded close enough before it): choose a from nearer its last "
              "start or edit, or one when it held nothing")  # fmt: skip


def _named(version: ConfigVersion, fills: list[SideFill], shadow: Window) -> list[SideFill]:
    """The shadow's live fills with the (tick, leg) their client order ids name: the legs the strategies give
    market orders (a DCA safety order's level, a grid cell), so they book as the tick booked them."""
    cells = {f.group.rsplit("_", 1)[1] for f in fills if f.group.startswith("cell_")}
    safety = int(version.params.get("max_safety_orders", 0) or 0)
    legs = [*SHADOW_LEGS, *(f"safety_{k}" for k in range(1, safety + 1))]
    legs += [f"grid_{side}_{n}" for n in cells for side in ("buy", "sell")]
    step = shadow.interval_ms
    ticks = range(shadow.from_ms - shadow.from_ms % step + step, shadow.to_ms + 1, step)
    return name_ticks(version.bot_id, fills, ticks, legs)


def bad(code: str, field: str, message: str) -> InvalidInput:
    return InvalidInput(
        message[0].upper() + message[1:] + ".", code=code, details=[{"field": field, "message": message}]
    )
