"""Trades of a backtest, columnar (a year of 1m bars can hold tens of thousands of trades)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from chalicelib.domain.candles import FloatArray, IntArray
from chalicelib.domain.clock import iso_utc
from chalicelib.domain.ledger import ClosedTrade, open_trade_pnl
from chalicelib.domain.strategies.base import EngineState

OPEN = -1  # exit_time of a trade still open at the end


def iso_ms(ms: int) -> str:
    return iso_utc(ms, timespec="milliseconds")


@dataclass(frozen=True)
class TradeTable:
    group: list[str]
    entry_time: IntArray
    exit_time: IntArray  # OPEN for a position still open
    entry_price: FloatArray
    exit_price: FloatArray  # the last close (mark) for an open position
    quantity: FloatArray
    fee: FloatArray
    pnl: FloatArray
    return_pct: FloatArray
    exit_reason: list[str]  # "" for an open position

    def __len__(self) -> int:
        return len(self.group)

    @property
    def is_open(self) -> npt.NDArray[np.bool_]:
        result: npt.NDArray[np.bool_] = self.exit_time == OPEN
        return result

    def to_records(self) -> list[dict[str, Any]]:
        """JSON-ready trades: ISO-8601 UTC times, numbers as JSON numbers."""
        out: list[dict[str, Any]] = []
        for k in range(len(self)):
            is_open = int(self.exit_time[k]) == OPEN
            out.append(
                {
                    "status": "open" if is_open else "closed",
                    "group": self.group[k],
                    "entry_time": iso_ms(int(self.entry_time[k])),
                    "exit_time": None if is_open else iso_ms(int(self.exit_time[k])),
                    "entry_price": float(self.entry_price[k]),
                    "exit_price": float(self.exit_price[k]),
                    "quantity": float(self.quantity[k]),
                    "fee": float(self.fee[k]),
                    "pnl": float(self.pnl[k]),
                    "return_pct": float(self.return_pct[k]),
                    "exit_reason": None if is_open else self.exit_reason[k],
                }
            )
        return out


def table_from(closed: list[ClosedTrade], st: EngineState, last_close: float) -> TradeTable:
    """Closed trades in exit order, then each open lot marked to `last_close` (no exit fee)."""
    rows: list[tuple[str, int, int, float, float, float, float, float, float, str]] = [
        (t.group, t.entry_time, t.exit_time, t.entry_price, t.exit_price, t.quantity, t.fee, t.pnl, t.return_pct,
         t.exit_reason)
        for t in closed
    ]
    for group, lot in st.lots.items():
        pnl = open_trade_pnl(lot, last_close)
        rows.append(
            (group, lot.entry_time, OPEN, lot.cost / lot.quantity, last_close, lot.quantity, lot.fee, pnl,
             pnl / lot.cost * 100, "")
        )
    return TradeTable(
        group=[r[0] for r in rows],
        entry_time=np.array([r[1] for r in rows], dtype=np.int64),
        exit_time=np.array([r[2] for r in rows], dtype=np.int64),
        entry_price=np.array([r[3] for r in rows], dtype=np.float64),
        exit_price=np.array([r[4] for r in rows], dtype=np.float64),
        quantity=np.array([r[5] for r in rows], dtype=np.float64),
        fee=np.array([r[6] for r in rows], dtype=np.float64),
        pnl=np.array([r[7] for r in rows], dtype=np.float64),
        return_pct=np.array([r[8] for r in rows], dtype=np.float64),
        exit_reason=[r[9] for r in rows],
    )
