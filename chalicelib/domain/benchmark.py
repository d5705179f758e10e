"""What a backtest is judged against, and what its final equity still holds (docs/backtesting.md, "Metrics").

* Buy and hold: all the initial cash buys at the first bar's open, paying the same fee and slippage as the
  strategy, and is marked to every close (no exit fee, like the strategy's open position).
* Open position: the lots still held at the end, summed: their quantity, cost-weighted entry price, the last
  close they are marked to and their unrealised pnl (mark value - cost - entry fee), which final_equity,
  total_return_pct and max_drawdown_pct include.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from chalicelib.domain.candles import FloatArray
from chalicelib.domain.metrics import max_drawdown_pct


@dataclass(frozen=True)
class Benchmark:
    entry_price: float
    quantity: float
    final_equity: float
    return_pct: float
    max_drawdown_pct: float


def buy_and_hold(
    first_open: float, close: FloatArray, *, cash: float, fee: float, slippage: float
) -> tuple[Benchmark, FloatArray]:
    """The benchmark's figures and its equity at every close."""
    price = first_open * (1 + slippage)
    quantity = cash / (price * (1 + fee))
    equity: FloatArray = close * quantity
    final = float(equity[-1]) if equity.shape[0] else cash
    return (
        Benchmark(price, quantity, final, (final / cash - 1) * 100, max_drawdown_pct(equity, cash)),
        equity,
    )


def benchmark_dict(bench: Benchmark) -> dict[str, Any]:
    return {"strategy": "buy_and_hold", **asdict(bench)}


def open_position(
    quantity: FloatArray, entry_price: FloatArray, pnl: FloatArray, mark_price: float
) -> dict[str, float] | None:
    """The open lots (one row each) as one position, or None when nothing is held."""
    qty = float(quantity.sum())
    if quantity.shape[0] == 0 or qty <= 0:
        return None
    return {
        "qty": qty,
        "entry_price": float(np.dot(quantity, entry_price) / qty),
        "mark_price": mark_price,
        "market_value": qty * mark_price,
        "unrealised_pnl": float(pnl.sum()),
    }
