"""The vocabulary strategies and the engine share: bars, positions (lots), order intents, and the two
kinds of strategy.

* A `SignalStrategy` turns candles into entry/exit flags, vectorised over a whole series. The flag at bar i
  depends only on the `warmup_bars(params)` bars ending at i (window-exact indicators), so a live tick that
  evaluates its recent window and a backtest over years of data decide identically.
* A `StatefulStrategy` (DCA, grid) decides bar by bar from the position it holds.

Everything here is float arithmetic; the engine converts to Decimal at the live boundary.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal, NamedTuple

import numpy as np
import numpy.typing as npt

from chalicelib.domain.candles import CandleSeries
from chalicelib.domain.orders import OrderType, Side
from chalicelib.domain.strategies.schema import JsonSchema

BoolArray = npt.NDArray[np.bool_]
Params = dict[str, Any]

MAIN = "main"
MIN_QUOTE = 1e-8  # buys smaller than this (rounding dust) are not worth an order
# A resting buy is sized in base: quantity = quote / (price x (1 + FEE_RESERVE)), so it spends at most its quote
# at Binance's default 0.1% fee (the engine does not know the account's fee; a lower one leaves change).
FEE_RESERVE = 0.001


class Bar(NamedTuple):
    """One closed candle as plain floats (open_time in Unix ms)."""

    open_time: int
    open: float
    high: float
    low: float
    close: float


@dataclass
class Lot:
    """An open position in one group ("main", or "cell_<k>" for a grid cell)."""

    quantity: float
    cost: float  # sum of quantity * price over its buys, fees excluded
    fee: float  # entry fees paid, in quote
    entry_time: int  # time of the first buy fill (Unix ms)

    @property
    def average_price(self) -> float:
        return self.cost / self.quantity


@dataclass
class EngineState:
    """What persists between bars/ticks. Serialised by the engine to a JSON dict."""

    lots: dict[str, Lot] = field(default_factory=dict)
    peak_price: float = 0.0  # highest high since the position opened (trailing stop)
    peak_equity: float = 0.0
    stop_times: list[int] = field(default_factory=list)  # fill times of recent stop-loss exits
    halted: bool = False  # max-drawdown kill switch tripped
    extra: dict[str, float] = field(default_factory=dict)  # strategy-specific (DCA base price, ...)

    @property
    def quantity(self) -> float:
        return sum(lot.quantity for lot in self.lots.values())

    @property
    def cost(self) -> float:
        return sum(lot.cost for lot in self.lots.values())


@dataclass(frozen=True)
class Intent:
    """A market order the engine wants: buys spend `quote_amount` (fee included), sells `quantity`."""

    side: Side
    leg: str
    reason: str
    quote_amount: float | None = None
    quantity: float | None = None


@dataclass(frozen=True)
class Want:
    """An order the engine wants resting (float form of `domain.resting.WantedOrder`): a limit at `price`, a
    stop-limit (`stop_price` set), or an OCO (`oco_stop` = (stop price, its limit price)) whose take-profit leg
    is `price`. `reason` books a fill of the limit / take-profit leg, `stop_reason` one of the stop leg."""

    key: str
    purpose: str  # a domain.resting.OrderPurpose value
    leg: str
    reason: str
    side: Side
    type: OrderType
    quantity: float
    price: float
    stop_price: float | None = None
    oco_stop: tuple[float, float] | None = None
    stop_reason: str = "stop_loss"

    def same_terms(self, other: Want) -> bool:
        return (self.side, self.type, self.quantity, self.price, self.stop_price, self.oco_stop) == (
            other.side, other.type, other.quantity, other.price, other.stop_price, other.oco_stop
        )


def group_of(leg: str) -> str:
    """The position group a leg trades: grid legs trade their cell, every other leg the main position."""
    if leg.startswith(("grid_buy_", "grid_sell_")):
        return "cell_" + leg.rsplit("_", 1)[1]
    return MAIN


def exit_leg(group: str) -> str:
    return "exit" if group == MAIN else "grid_sell_" + group.rsplit("_", 1)[1]


@dataclass(frozen=True)
class StrategyInfo:
    id: str
    name: str
    description: str
    params_schema: JsonSchema
    check_params: Callable[[Params], list[dict[str, str]]]  # cross-field rules, after schema + defaults
    warmup_bars: Callable[[Params], int]

    def describe(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "description": self.description, "params_schema": self.params_schema}


@dataclass(frozen=True)
class SignalStrategy(StrategyInfo):
    signals: Callable[[CandleSeries, Params], tuple[BoolArray, BoolArray]] = field(kw_only=True)
    kind: Literal["signal"] = "signal"


@dataclass(frozen=True)
class StatefulStrategy(StrategyInfo):
    """`decide_bar(params, bar, state, cash, entries_allowed)` -> intents; `on_fill(state, leg, side, price, quantity)`
    updates strategy-specific state after the engine has booked the fill."""

    decide_bar: Callable[[Params, Bar, EngineState, float, bool], list[Intent]] = field(kw_only=True)
    on_fill: Callable[[EngineState, str, Side, float, float], None] = field(kw_only=True)
    # The orders it wants resting after this bar, same arguments as decide_bar (None: market orders only).
    wants: Callable[[Params, Bar, EngineState, float, bool], list[Want]] | None = field(default=None, kw_only=True)
    kind: Literal["stateful"] = "stateful"


Strategy = SignalStrategy | StatefulStrategy


def crosses_above(a: npt.NDArray[np.float64], b: npt.NDArray[np.float64]) -> BoolArray:
    """True at i when a[i] > b[i] and a[i-1] <= b[i-1] (False where either side is NaN)."""
    out = np.zeros(a.shape[0], dtype=np.bool_)
    with np.errstate(invalid="ignore"):
        out[1:] = (a[1:] > b[1:]) & (a[:-1] <= b[:-1])
    return out


def crosses_below(a: npt.NDArray[np.float64], b: npt.NDArray[np.float64]) -> BoolArray:
    """True at i when a[i] < b[i] and a[i-1] >= b[i-1]."""
    out = np.zeros(a.shape[0], dtype=np.bool_)
    with np.errstate(invalid="ignore"):
        out[1:] = (a[1:] < b[1:]) & (a[:-1] >= b[:-1])
    return out


def no_cross_rules(params: Params) -> list[dict[str, str]]:
    return []


def fast_below_slow(params: Params) -> list[dict[str, str]]:
    if params["fast"] >= params["slow"]:
        return [{"field": "fast", "message": "must be smaller than slow"}]
    return []
