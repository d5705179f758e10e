"""The simulated exchange of backtests (and of the replay test): a market order decided on bar i fills
at bar i+1's open, moved against us by `slippage` (a fraction), paying `fee_rate` on the notional.
A buy spends its quote amount fee included: quantity = quote / (price x (1 + fee_rate))."""

from __future__ import annotations

from dataclasses import dataclass

from chalicelib.domain.engine import MIN_QUOTE
from chalicelib.domain.orders import Side
from chalicelib.domain.strategies.base import Intent


@dataclass(frozen=True)
class SimFill:
    leg: str
    side: Side
    price: float
    quantity: float
    notional: float  # quantity x price
    fee: float  # notional x fee_rate, in quote
    time: int
    reason: str


def fill_price(side: Side, open_price: float, slippage: float) -> float:
    if slippage == 0.0:
        return open_price
    return open_price * (1 + slippage) if side is Side.BUY else open_price * (1 - slippage)


def fill_intent(
    intent: Intent, open_price: float, time: int, cash: float, *, fee_rate: float, slippage: float
) -> SimFill | None:
    """The fill of `intent` at `open_price`; None when a buy has no cash left to spend."""
    price = fill_price(intent.side, open_price, slippage)
    if intent.side is Side.BUY:
        quote = min(intent.quote_amount or 0.0, cash)
        if quote <= MIN_QUOTE:
            return None
        quantity = quote / (price * (1 + fee_rate))
    else:
        quantity = intent.quantity or 0.0
    notional = quantity * price
    return SimFill(intent.leg, intent.side, price, quantity, notional, notional * fee_rate, time, intent.reason)


def settle(cash: float, fill: SimFill) -> float:
    """Cash after the fill."""
    if fill.side is Side.BUY:
        return cash - fill.notional - fill.fee
    return cash + fill.notional - fill.fee
