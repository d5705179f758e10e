"""The drift report's vocabulary: the two sides' fills, what the platform knows about the bot's run, the pairs,
the unmatched fills and the summary. Amounts are Decimal in the quote asset."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

# The report's method (matching, replay): a stored report of another method is not read. 2: 2026-11-30, a resting
# order filled when it was placed pairs with the replay's fill of its bar (docs/drift.md, "Same bar").
METHOD = 2

# Every amount is rounded to this before it is added up, so sums are exact (Decimal's 28 digits never round).
QUANTUM = Decimal("1e-12")


def q(x: Decimal) -> Decimal:
    return x.quantize(QUANTUM)


class Bucket(StrEnum):
    SLIPPAGE = "slippage"
    FEES = "fees"
    QUANTITY = "quantity"
    TIMING = "timing"
    REJECTIONS = "rejections"
    CONFIG = "config"
    UNEXPLAINED = "unexplained"


class Why(StrEnum):
    """Why a fill has no counterpart, as far as the platform can tell; each reason lands in one bucket."""

    MISSED_TICK = "missed_tick"  # the engine on the same candles and state traded; the live tick did not
    NOT_TICKED_YET = "not_ticked_yet"  # after the bot's last completed tick (late or still to come)
    FAILED_TICK = "failed_tick"  # after the last completed tick, with the failures the state counts
    BOT_PAUSED = "bot_paused"
    MANUAL_STOP = "manual_stop"  # the bot stopped, or the user closed the position by hand
    ORDER_REJECTED = "order_rejected"  # the exchange refused an order and the bot stopped on it
    SIGNAL_REFUSED = "signal_refused"
    CONFIG_CHANGE = "config_change"  # after an edit the history does not record (a bot's edit before it existed)
    FILL_PRICE = "fill_price"  # the position's earlier fills were at other prices; later decisions follow them
    UNKNOWN = "unknown"


BUCKET_OF = {
    Why.MISSED_TICK: Bucket.TIMING,
    Why.NOT_TICKED_YET: Bucket.TIMING,
    Why.FAILED_TICK: Bucket.TIMING,
    Why.BOT_PAUSED: Bucket.TIMING,
    Why.MANUAL_STOP: Bucket.TIMING,
    Why.ORDER_REJECTED: Bucket.REJECTIONS,
    Why.SIGNAL_REFUSED: Bucket.REJECTIONS,
    Why.CONFIG_CHANGE: Bucket.CONFIG,
    Why.FILL_PRICE: Bucket.SLIPPAGE,
    Why.UNKNOWN: Bucket.UNEXPLAINED,
}


@dataclass(frozen=True)
class SideFill:
    """One side's fill. `tick_at` is the tick that caused it (None for a live fill whose id names no tick of
    the period, e.g. a manual close); `held` is the quantity the position gained (buy) or gave up (sell);
    `cash_fee` is the part of `fee` paid from quote (a fee taken in base is in `held` instead)."""

    id: str
    side: str  # "BUY" | "SELL"
    leg: str | None
    tick_at: int | None
    executed_at_ms: int
    price: Decimal
    quantity: Decimal
    quote: Decimal
    fee: Decimal
    fee_asset: str
    fee_rate: Decimal
    held: Decimal
    cash_fee: Decimal
    reason: str
    group: str = "main"  # the live position group it booked into ("all": a manual close of every group)

    def pnl(self, end_price: Decimal) -> Decimal:
        """This fill's part of the period's PnL: its cash flow plus what it moved the position, marked at
        the period's last close."""
        if self.side == "BUY":
            return q(self.held * end_price - self.quote - self.cash_fee)
        return q(self.quote - self.cash_fee - self.held * end_price)


@dataclass(frozen=True)
class RunFacts:
    """What the platform records about the bot's run (its config and state), for the unmatched reasons."""

    status: str
    status_reason: str | None
    status_changed_ms: int | None  # when the bot left `running`, if it has
    config_changed_ms: int | None  # the last edit of the running bot inside the period, if any
    last_tick_at: int
    consecutive_failures: int
    last_error: str | None


@dataclass(frozen=True)
class Pair:
    live: SideFill
    backtest: SideFill
    kind: str  # "tick" (same tick and leg) | "bar" (a resting fill on the same bar) | "late" (a later bar)
    time_ms: int  # live execution - backtest fill time
    slippage_bps: Decimal  # price against the backtest's fill: positive = worse for the bot
    fee_diff: Decimal  # live - backtest
    fee_rate_diff: Decimal
    quantity_diff: Decimal  # live - backtest
    amounts: dict[Bucket, Decimal]  # this pair's share of (live - backtest) PnL, by bucket


@dataclass(frozen=True)
class Unmatched:
    side: str  # "live" | "backtest"
    fill: SideFill
    why: Why
    detail: str
    amount: Decimal  # its share of (live - backtest) PnL


@dataclass(frozen=True)
class EquityPoint:
    """Both sides' equity (cash + held x close) at one bar close `t` of the period (domain/drift/equity.py)."""

    t: int
    live: Decimal
    backtest: Decimal


@dataclass(frozen=True)
class Report:
    live_pnl: Decimal
    backtest_pnl: Decimal
    buckets: dict[Bucket, Decimal]
    pairs: list[Pair]
    unmatched: list[Unmatched]
    # PnL of the replay that follows the config history (backtest_pnl + config); None before `with_config`.
    history_pnl: Decimal | None = None
    equity: tuple[EquityPoint, ...] = ()
