"""The two sides as `SideFill`s: the live Trade rows (a resting order booked in parts is one fill) and the replay's
simulated fills (fees in quote, at the replay's fee rate)."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from chalicelib.domain.backtest.fills import SimFill
from chalicelib.domain.drift.matching import base_id
from chalicelib.domain.drift.model import SideFill
from chalicelib.domain.trades import Trade


def live_fills(trades: Sequence[Trade]) -> list[SideFill]:
    parts: dict[str, list[Trade]] = {}
    for t in sorted(trades, key=lambda t: t.executed_at_ms):
        parts.setdefault(base_id(t.id), []).append(t)
    return [_one(cid, rows) for cid, rows in parts.items()]


def _one(cid: str, rows: list[Trade]) -> SideFill:
    qty = sum((t.quantity for t in rows), Decimal(0))
    quote = sum((t.quote_quantity for t in rows), Decimal(0))
    fee = sum((t.fee for t in rows), Decimal(0))
    held = sum((t.quantity if t.net_quantity is None else t.net_quantity for t in rows), Decimal(0))
    # A buy whose position gained less than it bought paid its fee in base: the cash paid the notional only.
    fee_in_base = rows[0].side == "BUY" and held < qty
    return SideFill(
        id=cid, side=rows[0].side, leg=None, tick_at=None, executed_at_ms=rows[0].executed_at_ms,
        price=quote / qty if qty else Decimal(0), quantity=qty, quote=quote, fee=fee, fee_asset=rows[0].fee_asset,
        fee_rate=fee / quote if quote else Decimal(0), held=held, cash_fee=Decimal(0) if fee_in_base else fee,
        reason=rows[0].reason, group=rows[0].group,
    )  # fmt: skip


def backtest_fills(fills: Sequence[SimFill], fee_rate: float, quote_asset: str) -> list[SideFill]:
    out = []
    for i, f in enumerate(fills):
        qty, price = _dec(f.quantity), _dec(f.price)
        fee = qty * price * _dec(fee_rate)  # the float fee to the last digit, so a live fee at the same rate equals it
        out.append(SideFill(
            id=f"backtest-{i}", side=f.side.value, leg=f.leg, tick_at=f.time, executed_at_ms=f.time, price=price,
            quantity=qty, quote=qty * price, fee=fee, fee_asset=quote_asset, fee_rate=_dec(fee_rate), held=qty,
            cash_fee=fee, reason=f.reason,
        ))  # fmt: skip
    return out


def _dec(x: float) -> Decimal:
    return Decimal(repr(x))
