"""Trades: every filled order, recorded exactly once, keyed by its client order id."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class Trade:
    id: str  # the client order id: unique per (bot, tick, leg)
    user_id: str
    bot_id: str
    symbol: str
    side: str
    price: Decimal
    quantity: Decimal
    quote_quantity: Decimal
    fee: Decimal
    fee_asset: str
    realised_pnl: Decimal | None
    executed_at_ms: int
    mode: str
    reason: str
    exchange_order_id: str
    # The ledger's view (docs/accounting.md): the position group the fill booked into ("all" for a manual
    # close), the quantity the position gained (buy, net of a base-asset fee) or gave up (sell, dust written
    # off with it included), and why a take-profit booked a loss.
    group: str = "main"
    net_quantity: Decimal | None = None
    note: str | None = None

    @property
    def key(self) -> str:
        """Sort key: time first, so a user's and a bot's trades page in time order."""
        return f"{self.executed_at_ms:013d}#{self.id}"


@dataclass(frozen=True)
class TradeFilter:
    bot_id: str | None = None
    symbol: str | None = None
    side: str | None = None
    start_ms: int | None = None
    end_ms: int | None = None

    def matches(self, trade: Trade) -> bool:
        return (
            (self.bot_id is None or trade.bot_id == self.bot_id)
            and (self.symbol is None or trade.symbol == self.symbol)
            and (self.side is None or trade.side == self.side)
        )
