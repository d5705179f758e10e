"""Orders that outlive a tick: what a bot wants resting on the exchange, and how that is reconciled with what
rests there now (docs/orders.md).

A strategy or a risk rule says which orders it wants to exist ("a buy limit at 26,800 for grid cell 3",
"after entry: take-profit at +2% and stop at -3% as one OCO") as `WantedOrder`s, each under a stable `key`.
The tick reconciles wanted against resting: places what is missing, cancels what is no longer wanted or whose
terms changed, and keeps the rest. Every placement of a key gets a new `generation`, so its client order id
(derived from bot, key and generation) names exactly one order: a retried tick asks for the same order again,
and an id is never reused after its order filled or was cancelled (Binance only refuses a duplicate id among
OPEN orders, so reusing one would place a second order that a lookup could not tell from the first).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from chalicelib.domain.orders import OrderType, Side


class OrderPurpose(StrEnum):
    GRID_BUY = "grid_buy"
    GRID_SELL = "grid_sell"
    SAFETY = "safety_order"
    TAKE_PROFIT = "take_profit"
    STOP_LOSS = "stop_loss"
    PROTECT = "protect"  # an OCO: take-profit limit + stop-limit on one quantity


class StopMode(StrEnum):
    """Where a bot's stop-loss / take-profit live: resting on the exchange (an OCO that fires while the
    platform is down) or checked by the bot on each closed bar and sent at market."""

    EXCHANGE = "exchange"
    BOT = "bot"


@dataclass(frozen=True, slots=True)
class StopLeg:
    """The stop-limit leg of an OCO: triggers at `stop_price`, then rests as a limit sell at `limit_price`."""

    stop_price: Decimal
    limit_price: Decimal


@dataclass(frozen=True, slots=True)
class WantedOrder:
    """One order a bot wants resting. `leg` is the engine leg a fill books as (`grid_buy_3`, `safety_2`,
    `exit`), `reason` the trade reason it books with. For an OCO (`purpose` PROTECT) `type`/`price` describe
    the take-profit leg and `oco_stop` the stop leg."""

    key: str
    purpose: OrderPurpose
    leg: str
    reason: str
    side: Side
    type: OrderType
    quantity: Decimal
    price: Decimal
    stop_price: Decimal | None = None
    oco_stop: StopLeg | None = None
    # The trade reason a fill of the stop leg books with (an OCO's stop leg, a lone stop-loss-limit):
    # "stop_loss", or "trailing_stop" when the trailing stop set the stop price.
    stop_reason: str = "stop_loss"

    @property
    def is_oco(self) -> bool:
        return self.oco_stop is not None

    def same_terms(self, other: WantedOrder) -> bool:
        """Whether `other` rests on the terms this one asks for (both fitted to the symbol's filters first,
        so float noise below a tick never cancels and replaces an order)."""
        return (
            self.side is other.side
            and self.type is other.type
            and self.quantity == other.quantity
            and self.price == other.price
            and self.stop_price == other.stop_price
            and self.oco_stop == other.oco_stop
        )


def resting_client_order_id(bot_id: str, key: str, generation: int, part: str = "") -> str:
    """Deterministic and unique per (bot, key, generation[, OCO part "list"/"tp"/"sl"]); 32 characters of
    Binance's allowed alphabet, prefixed `tr` (a market order's ids start `tb`)."""
    digest = hashlib.sha256(f"{bot_id}|{key}|{generation}|{part}".encode()).hexdigest()
    return f"tr{digest[:30]}"


@dataclass(frozen=True, slots=True)
class Reconciliation:
    place: tuple[WantedOrder, ...]  # wanted, not resting: place under the key's next generation
    cancel: tuple[str, ...]  # keys resting but no longer wanted, or wanted on other terms (then also in place)
    keep: tuple[str, ...]  # keys resting on the wanted terms


def reconcile(wanted: Sequence[WantedOrder], resting: Mapping[str, WantedOrder]) -> Reconciliation:
    """Compare what the bot wants with what it knows rests (by key). A key wanted on new terms is cancelled
    and placed again; cancels come first in the tick so a replacement never doubles the exposure."""
    by_key: dict[str, WantedOrder] = {}
    for order in wanted:
        if order.key in by_key:
            raise ValueError(f"two wanted orders share the key {order.key!r}")
        by_key[order.key] = order
    place: list[WantedOrder] = []
    keep: list[str] = []
    cancel = [key for key in resting if key not in by_key]
    for key, order in by_key.items():
        current = resting.get(key)
        if current is not None and current.same_terms(order):
            keep.append(key)
            continue
        if current is not None:
            cancel.append(key)
        place.append(order)
    return Reconciliation(place=tuple(place), cancel=tuple(cancel), keep=tuple(keep))
