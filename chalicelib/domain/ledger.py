"""The ledger: the one home of position bookkeeping, shared by the live tick, the paper account and the
backtester. The method it implements is documented in docs/accounting.md; in short:

* a position is a set of lots, one per position group ("main", or "cell_<k>" for a grid cell); a lot's
  cost basis is quantity x fill price (fees excluded, so its average price is the fill price), and the
  entry fees it paid are carried with it;
* a sell closes quantity from one lot and realises
  ``proceeds - exit fee - (lot cost + lot entry fees) x closed / lot quantity``;
* a residue too small to ever sell (dust) leaves the lot with its share of cost and fees and stays an
  asset valued at market: it is never a realised loss;
* unrealised PnL is ``held x mark - cost - open entry fees`` plus the same for dust, so realised plus
  unrealised is always the change in equity (cash + everything held x mark).

The strategy's lots (float, `book_lot_buy` / `book_lot_sell`) decide and produce the `ClosedTrade`s; the
account's `Position` (Decimal) follows the same lots: a sell takes out the cost and fees the lot closed.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal

from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.orders import Order, Side
from chalicelib.domain.plan import DEFAULT_FEE_RATE
from chalicelib.domain.strategies.base import Lot

ZERO = Decimal(0)
# A sell within this share of a lot's (float) quantity closes it: the live tick sells a lot's quantity read back
# from Decimal, which can fall short of the float sum of its buys by 1e-18 or so; a lot left with that would keep
# a DCA bot "in a position" it can never sell, and it would start no new cycle (docs/accounting.md).
FLOAT_NOISE = 1e-9
# Why a take-profit exit booked a loss (the trade's `note`); docs/accounting.md.
FEES_EXCEED_MOVE = "fees_exceed_move"
FILLED_BELOW_ENTRY = "filled_below_entry"


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
    entry_price: float  # average entry (fill) price of the closed quantity
    exit_price: float
    quantity: float
    fee: float  # entry fees of the closed quantity + exit fee
    pnl: float  # net of all fees
    return_pct: float  # pnl / entry cost x 100
    exit_reason: str
    note: str | None = None  # why a take-profit booked a loss
    cost: float = 0.0  # cost basis of the closed quantity (fees excluded)
    entry_fee: float = 0.0  # the entry fees that quantity carried


def exit_note(reason: str, gross: float | Decimal, pnl: float | Decimal) -> str | None:
    """A take-profit that booked a loss says why: its fees exceeded the move, or it filled below the entry
    (the price fell between the decision and the fill)."""
    if reason != "take_profit" or pnl >= 0:
        return None
    return FEES_EXCEED_MOVE if gross >= 0 else FILLED_BELOW_ENTRY


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
    if _covers(quantity, lot):
        del lots[group]
    else:
        share = quantity / lot.quantity
        lot.cost -= lot.cost * share
        lot.fee -= lot.fee * share
        lot.quantity -= quantity
    return trade


def _covers(quantity: float, lot: Lot) -> bool:
    return quantity >= lot.quantity * (1 - FLOAT_NOISE)


def _close(lot: Lot, group: str, price: float, quantity: float, fee: float, time: int, reason: str) -> ClosedTrade:
    if _covers(quantity, lot):
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
        note=exit_note(reason, proceeds - cost, pnl),
        cost=cost,
        entry_fee=entry_fee,
    )


def open_trade_pnl(lot: Lot, mark: float) -> float:
    """An open lot marked to `mark`, with no exit fee."""
    return lot.quantity * mark - lot.cost - lot.fee


# --- the account's position (Decimal) -----------------------------------------------------------------------


@dataclass(frozen=True)
class Position:
    """What a bot holds and has earned. `cost` is the open quantity's cost basis at its fill prices (fees
    excluded) and `open_fees` the entry fees it carries; dust keeps its own basis (`dust_cost`, fees
    included). `cash` is the quote the bot may spend."""

    quantity: Decimal = ZERO
    cost: Decimal = ZERO
    fees_paid: Decimal = ZERO
    realised_pnl: Decimal = ZERO
    cash: Decimal = ZERO
    dust: Decimal = ZERO
    open_fees: Decimal = ZERO
    dust_cost: Decimal = ZERO

    @property
    def average_price(self) -> Decimal | None:
        return self.cost / self.quantity if self.quantity > 0 else None

    def unrealised(self, mark: Decimal) -> Decimal:
        """Everything held (dust too) marked to `mark`, less its basis; no exit fee."""
        return (self.quantity + self.dust) * mark - self.cost - self.open_fees - self.dust_cost


@dataclass(frozen=True)
class PricedFill:
    """An order as the ledger books it: `quantity` the position gains or gives up (a buy's is net of a fee
    taken in the base asset), `notional` its value in quote at the fill price (a buy's cost basis, a sell's
    proceeds), `fee` every fee valued in quote at the fill price."""

    quantity: Decimal
    notional: Decimal
    fee: Decimal


def price_fill(order: Order, base_asset: str, quote_asset: str) -> PricedFill:
    price = order.average_price or ZERO
    fee_quote, base_fee = ZERO, ZERO
    for asset, amount in order.fees().items():
        if asset == base_asset:
            fee_quote += amount * price
            base_fee += amount if order.side is Side.BUY else ZERO
        elif asset == quote_asset:
            fee_quote += amount
        else:
            # Fees in a third asset (BNB): valued at the standard rate of the notional.
            fee_quote += order.quote_quantity * DEFAULT_FEE_RATE
    # A buy's fee taken in the base asset was paid with part of the quote spent: that part is the fee, the
    # rest buys what was received, so the received quantity's basis is its fill price.
    notional = order.quote_quantity - base_fee * price
    return PricedFill(order.executed_quantity - base_fee, notional, fee_quote)


def sell_residue(
    held: Decimal, intended: Decimal, sold: Decimal, price: Decimal, min_notional: Decimal, step: Decimal
) -> Decimal:
    """What a sell rounded down to the lot step left behind that is too small to ever sell (dust)."""
    left = min(intended, held) - sold
    if left > 0 and (left * price < min_notional or left < step):
        return left
    return ZERO


def book_buy(pos: Position, net_qty: Decimal, notional: Decimal, fee_quote: Decimal) -> Position:
    """`notional` is the received quantity's value at the fill price; the cash pays it and the fee."""
    return replace(
        pos,
        quantity=pos.quantity + net_qty,
        cost=pos.cost + notional,
        open_fees=pos.open_fees + fee_quote,
        fees_paid=pos.fees_paid + fee_quote,
        cash=pos.cash - notional - fee_quote,
    )


@dataclass(frozen=True)
class Sale:
    position: Position
    realised: Decimal
    fees: Decimal  # exit fee + the entry fees of the quantity sold
    gross: Decimal  # proceeds - cost basis of the quantity sold


def book_sell(
    pos: Position,
    sold: Decimal,
    residue: Decimal,
    proceeds: Decimal,
    fee_quote: Decimal,
    lot_basis: tuple[Decimal, Decimal] | None = None,
) -> Sale:
    """Sell `sold` (and move `residue` to dust). `lot_basis` is (cost, entry fees) of the quantity the lot
    book closed for this sell; without it (no lots: a manual close) the position closes pro rata."""
    closed = sold + residue
    remaining = max(ZERO, pos.quantity - closed)
    if remaining == 0:
        cost_out, fees_out = pos.cost, pos.open_fees  # a closed position keeps no rounding behind
    elif lot_basis is not None:
        cost_out, fees_out = min(lot_basis[0], pos.cost), min(lot_basis[1], pos.open_fees)
    else:
        share = closed / pos.quantity
        cost_out, fees_out = pos.cost * share, pos.open_fees * share
    sold_share = sold / closed if closed > 0 else Decimal(1)
    # The residue's basis is what the sold part did not take, so no Decimal rounding is lost between them.
    basis_sold = (cost_out + fees_out) * sold_share
    realised = proceeds - fee_quote - basis_sold
    after = replace(
        pos,
        quantity=remaining,
        cost=pos.cost - cost_out,
        open_fees=pos.open_fees - fees_out,
        fees_paid=pos.fees_paid + fee_quote,
        realised_pnl=pos.realised_pnl + realised,
        cash=pos.cash + proceeds - fee_quote,
        dust=pos.dust + residue,
        dust_cost=pos.dust_cost + (cost_out + fees_out - basis_sold),
    )
    return Sale(after, realised, fee_quote + fees_out * sold_share, proceeds - cost_out * sold_share)


def write_off(pos: Position) -> Position:
    """The whole position is below the minimum order value: it stays in the account as dust, an asset with
    its basis, not a loss."""
    return replace(
        pos, quantity=ZERO, cost=ZERO, open_fees=ZERO, dust=pos.dust + pos.quantity,
        dust_cost=pos.dust_cost + pos.cost + pos.open_fees,
    )
