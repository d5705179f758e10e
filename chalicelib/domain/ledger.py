"""The ledger: the one home of position bookkeeping, shared by the live tick, the paper account and the
backtester.

It keeps two books of the same fills, as the system always has:

* the strategy's lots (float, per position group: "main", "cell_<k>"), which the engine decides from and
  the backtester reports trades from (`book_lot_buy` / `book_lot_sell`, producing `ClosedTrade`s);
* the account's `Position` (Decimal: quantity, cost basis fees included, fees paid, realised PnL, cash,
  dust), which a live bot reports and which its sells are sized from (`book_buy` / `book_sell`,
  `value_fees`, `sell_residue`, `write_off`).

Both books are fed by the same `LegFill`s, in the same order; the numbers are the ones the tick and the
backtester computed before this module existed (the accounting method itself is issue #20's to change).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal

from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.orders import Order, Side
from chalicelib.domain.plan import DEFAULT_FEE_RATE
from chalicelib.domain.strategies.base import Lot

ZERO = Decimal(0)


@dataclass(frozen=True)
class LegFill:
    """A (possibly partial) execution of one leg of a decision, as the ledger books it: `fee` valued in
    quote, `quantity` net of any fee the exchange took in the base asset, `time` in Unix ms."""

    leg: str
    side: Side
    price: Decimal
    quantity: Decimal
    fee: Decimal
    time: int
    reason: str = "signal"


@dataclass(frozen=True)
class ClosedTrade:
    """A position group closed (fully or partly) by a sell fill. Prices/amounts in quote, times in ms."""

    group: str
    entry_time: int
    exit_time: int
    entry_price: float  # average entry price of the closed quantity
    exit_price: float
    quantity: float
    fee: float  # entry fees of the closed quantity + exit fee
    pnl: float  # net of all fees
    return_pct: float  # pnl / entry notional x 100
    exit_reason: str


# --- the strategy's lots (float) ---------------------------------------------------------------------------


def book_lot_buy(lots: dict[str, Lot], group: str, price: float, quantity: float, fee: float, time: int) -> None:
    lot = lots.get(group)
    if lot is None:
        lots[group] = Lot(quantity, quantity * price, fee, time)
    else:
        lot.quantity += quantity
        lot.cost += quantity * price
        lot.fee += fee


def book_lot_sell(
    lots: dict[str, Lot], group: str, price: float, quantity: float, fee: float, time: int, reason: str
) -> ClosedTrade:
    """Take `quantity` out of `group`'s lot (all of it when the sell covers it); returns the closed trade."""
    lot = lots.get(group)
    if lot is None:
        raise InvalidInput(f"sell fill but no open position in {group!r}")
    trade = _close(lot, group, price, quantity, fee, time, reason)
    if quantity >= lot.quantity:
        del lots[group]
    else:
        share = quantity / lot.quantity
        lot.cost -= lot.cost * share
        lot.fee -= lot.fee * share
        lot.quantity -= quantity
    return trade


def _close(lot: Lot, group: str, price: float, quantity: float, fee: float, time: int, reason: str) -> ClosedTrade:
    if quantity >= lot.quantity:
        quantity, cost, entry_fee = lot.quantity, lot.cost, lot.fee
    else:
        share = quantity / lot.quantity
        cost, entry_fee = lot.cost * share, lot.fee * share
    proceeds = quantity * price
    pnl = proceeds - fee - cost - entry_fee
    return ClosedTrade(
        group=group,
        entry_time=lot.entry_time,
        exit_time=time,
        entry_price=cost / quantity,
        exit_price=price,
        quantity=quantity,
        fee=entry_fee + fee,
        pnl=pnl,
        return_pct=pnl / cost * 100,
        exit_reason=reason,
    )


def open_trade_pnl(lot: Lot, mark: float) -> float:
    """An open lot marked to `mark`, with no exit fee."""
    return lot.quantity * mark - lot.cost - lot.fee


# --- the account's position (Decimal) -----------------------------------------------------------------------


@dataclass(frozen=True)
class Position:
    """What a bot holds and has earned. `cost` includes the entry fees; `cash` is the quote it may spend."""

    quantity: Decimal = ZERO
    cost: Decimal = ZERO
    fees_paid: Decimal = ZERO
    realised_pnl: Decimal = ZERO
    cash: Decimal = ZERO
    dust: Decimal = ZERO


def value_fees(order: Order, base_asset: str, quote_asset: str) -> tuple[Decimal, Decimal]:
    """(fee valued in quote at the fill price, quantity received net of fees taken in the base asset)."""
    price = order.average_price or ZERO
    fee_quote, net_qty = ZERO, order.executed_quantity
    for asset, amount in order.fees().items():
        if asset == base_asset:
            fee_quote += amount * price
            net_qty -= amount if order.side is Side.BUY else ZERO
        elif asset == quote_asset:
            fee_quote += amount
        else:
            # Fees in a third asset (BNB): valued at the standard rate of the notional.
            fee_quote += order.quote_quantity * DEFAULT_FEE_RATE
    return fee_quote, net_qty


def sell_residue(
    held: Decimal, intended: Decimal, sold: Decimal, price: Decimal, min_notional: Decimal, step: Decimal
) -> Decimal:
    """What a sell rounded down to the lot step left behind that is too small to ever sell (dust)."""
    left = min(intended, held) - sold
    if left > 0 and (left * price < min_notional or left < step):
        return left
    return ZERO


def book_buy(pos: Position, net_qty: Decimal, quote_quantity: Decimal, fee_quote: Decimal) -> Position:
    return replace(
        pos,
        quantity=pos.quantity + net_qty,
        cost=pos.cost + quote_quantity + fee_quote,
        fees_paid=pos.fees_paid + fee_quote,
        cash=pos.cash - quote_quantity - fee_quote,
    )


def book_sell(
    pos: Position, sold: Decimal, residue: Decimal, quote_quantity: Decimal, fee_quote: Decimal
) -> tuple[Position, Decimal]:
    """The position after selling `sold` (and writing the `residue` off as dust); returns the realised PnL."""
    closed = sold + residue
    share = min(Decimal(1), closed / pos.quantity) if pos.quantity > 0 else Decimal(1)
    cost_out = pos.cost * share
    realised = quote_quantity - fee_quote - cost_out
    remaining = max(ZERO, pos.quantity - closed)
    after = replace(
        pos,
        quantity=remaining,
        cost=max(ZERO, pos.cost - cost_out) if remaining > 0 else ZERO,
        fees_paid=pos.fees_paid + fee_quote,
        realised_pnl=pos.realised_pnl + realised,
        cash=pos.cash + quote_quantity - fee_quote,
        dust=pos.dust + residue,
    )
    return after, realised


def write_off(pos: Position) -> Position:
    """The whole position is below the minimum order value: it stays in the account as dust."""
    return replace(pos, quantity=ZERO, cost=ZERO, dust=pos.dust + pos.quantity)
