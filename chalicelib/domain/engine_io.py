"""The engine's Decimal boundary: its float intents and wanted orders as the tick receives them. Decimal(repr(x))
is exact, so float(Decimal) gives the engine's float back bit for bit (the replay test relies on it)."""

from __future__ import annotations

from decimal import Decimal

from chalicelib.domain.orders import OrderIntent
from chalicelib.domain.resting import OrderPurpose, StopLeg, WantedOrder
from chalicelib.domain.strategies.base import Intent, Want


def _dec(value: float | None) -> Decimal | None:
    return None if value is None else Decimal(repr(float(value)))


def to_wanted(want: Want) -> WantedOrder:
    """A float `Want` at the Decimal boundary (exact: Decimal(repr(x)) converts back to the same float)."""
    stop = None if want.oco_stop is None else StopLeg(Decimal(repr(want.oco_stop[0])), Decimal(repr(want.oco_stop[1])))
    return WantedOrder(
        key=want.key,
        purpose=OrderPurpose(want.purpose),
        leg=want.leg,
        reason=want.reason,
        side=want.side,
        type=want.type,
        quantity=Decimal(repr(want.quantity)),
        price=Decimal(repr(want.price)),
        stop_price=_dec(want.stop_price),
        oco_stop=stop,
        stop_reason=want.stop_reason,
    )


def to_order_intent(intent: Intent) -> OrderIntent:
    return OrderIntent(
        side=intent.side,
        leg=intent.leg,
        reason=intent.reason,
        quote_amount=_dec(intent.quote_amount),
        quantity=_dec(intent.quantity),
    )
