"""A bot state as the one JSON attribute of its item (bots.py BotStateModel): one attribute keeps the tick's
write a single cheap put."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from chalicelib.domain.bots import BotState, PendingOrder


def _dec(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def state_to_doc(s: BotState) -> str:
    return json.dumps(
        {
            "engine": s.engine,
            "last_tick_at": s.last_tick_at,
            "pending_tick_at": s.pending_tick_at,
            "pending": [p.__dict__ for p in s.pending],
            "consecutive_failures": s.consecutive_failures,
            "last_error": s.last_error,
            "realised_pnl": str(s.realised_pnl),
            "fees_paid": str(s.fees_paid),
            "position_qty": str(s.position_qty),
            "position_cost": str(s.position_cost),
            "last_price": None if s.last_price is None else str(s.last_price),
            "trades_count": s.trades_count,
            "dust_qty": str(s.dust_qty),
            "open_fees": str(s.open_fees),
            "dust_cost": str(s.dust_cost),
            "cash": None if s.cash is None else str(s.cash),
            "budget_seen": str(s.budget_seen),
            "has_resting": s.has_resting,
            "generations": s.generations,
        },
        separators=(",", ":"),
    )


def state_from_doc(bot_id: str, version: int, doc: str) -> BotState:
    d = json.loads(doc)
    return BotState(
        bot_id=bot_id,
        version=version,
        engine=d.get("engine") or {},
        last_tick_at=int(d.get("last_tick_at") or 0),
        pending_tick_at=d.get("pending_tick_at"),
        pending=tuple(PendingOrder(**p) for p in d.get("pending") or ()),
        consecutive_failures=int(d.get("consecutive_failures") or 0),
        last_error=d.get("last_error"),
        realised_pnl=Decimal(d.get("realised_pnl") or "0"),
        fees_paid=Decimal(d.get("fees_paid") or "0"),
        position_qty=Decimal(d.get("position_qty") or "0"),
        position_cost=Decimal(d.get("position_cost") or "0"),
        last_price=_dec(d.get("last_price")),
        trades_count=int(d.get("trades_count") or 0),
        dust_qty=Decimal(d.get("dust_qty") or "0"),
        open_fees=Decimal(d.get("open_fees") or "0"),
        dust_cost=Decimal(d.get("dust_cost") or "0"),
        cash=_dec(d.get("cash")),
        budget_seen=Decimal(d.get("budget_seen") or "0"),
        has_resting=bool(d.get("has_resting")),
        generations={str(k): int(v) for k, v in (d.get("generations") or {}).items()},
    )
