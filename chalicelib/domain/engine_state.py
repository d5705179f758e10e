"""The engine's state as it is persisted between ticks: a JSON-serialisable dict of strings, so every float
round-trips exactly (a bar-by-bar replay through a stored state reproduces a backtest to the last bit)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.strategies.base import EngineState, Lot

STATE_VERSION = 1


def _num(value: float) -> str:
    return repr(float(value))  # shortest round-trip form: float(Decimal(s)) == value


def state_to_dict(st: EngineState, *, strategy_id: str | None) -> dict[str, Any]:
    return {
        "version": STATE_VERSION,
        "strategy": strategy_id,
        "lots": {
            group: {
                "quantity": _num(lot.quantity),
                "cost": _num(lot.cost),
                "fee": _num(lot.fee),
                "entry_time": lot.entry_time,
            }
            for group, lot in st.lots.items()
        },
        "peak_price": _num(st.peak_price),
        "peak_equity": _num(st.peak_equity),
        "stop_times": list(st.stop_times),
        "halted": st.halted,
        "extra": {key: _num(value) for key, value in st.extra.items()},
    }


def state_from_dict(data: Mapping[str, Any] | None) -> EngineState:
    if not data:
        return EngineState()
    if data.get("version", STATE_VERSION) != STATE_VERSION:
        raise InvalidInput(f"unsupported engine state version {data.get('version')!r}")
    lots = {
        group: Lot(float(lot["quantity"]), float(lot["cost"]), float(lot["fee"]), int(lot["entry_time"]))
        for group, lot in (data.get("lots") or {}).items()
    }
    return EngineState(
        lots=lots,
        peak_price=float(data.get("peak_price", 0.0)),
        peak_equity=float(data.get("peak_equity", 0.0)),
        stop_times=[int(t) for t in data.get("stop_times", [])],
        halted=bool(data.get("halted", False)),
        extra={key: float(value) for key, value in (data.get("extra") or {}).items()},
    )
