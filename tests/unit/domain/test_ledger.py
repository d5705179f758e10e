"""The ledger: fee valuation, the account position (Decimal) and the strategy's lots (float)."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from chalicelib.domain import ledger
from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.ledger import Position
from chalicelib.domain.orders import Fill, Order, OrderStatus, OrderType, Side
from chalicelib.domain.strategies.base import Lot


def value_fees(order: Order, base: str, quote: str) -> tuple[D, D]:
    priced = ledger.price_fill(order, base, quote)
    return priced.fee, priced.quantity


def order(side: Side, qty: str, quote: str, *fills: Fill) -> Order:
    return Order(
        "BTCUSDT", "c-1", "1", side, OrderType.MARKET, OrderStatus.FILLED, D(qty), D(qty), D(quote), None, 0,
        tuple(fills),
    )


def test_a_fee_in_the_base_asset_is_valued_at_the_fill_price_and_taken_off_a_buy() -> None:
    bought = order(Side.BUY, "0.5", "10000", Fill(D("20000"), D("0.5"), D("0.0005"), "BTC"))
    assert value_fees(bought, "BTC", "USDT") == (D("10.0000"), D("0.4995"))


def test_a_fee_in_the_base_asset_does_not_change_a_sells_quantity() -> None:
    sold = order(Side.SELL, "0.5", "10000", Fill(D("20000"), D("0.5"), D("0.0005"), "BTC"))
    assert value_fees(sold, "BTC", "USDT") == (D("10.0000"), D("0.5"))


def test_quote_fees_count_as_charged_and_third_asset_fees_at_the_standard_rate() -> None:
    sold = order(
        Side.SELL, "1", "300",
        Fill(D("100"), D("0.5"), D("0.05"), "USDT"), Fill(D("400"), D("0.5"), D("0.0001"), "BNB"),
    )
    fee, net = value_fees(sold, "ETH", "USDT")
    assert fee == D("0.05") + D("300") * D("0.001") and net == D("1")


def test_an_order_without_fills_charges_nothing() -> None:
    assert value_fees(order(Side.BUY, "2", "10"), "X", "USDT") == (D(0), D("2"))


def test_a_buy_adds_quantity_at_its_fill_price_carries_its_fee_and_spends_both() -> None:
    # issue 20: the basis is the fill price (fees carried beside it), so the average price is the fill price
    after = ledger.book_buy(Position(cash=D("1000")), D("0.4995"), D("9990"), D("10"))
    assert after == Position(
        quantity=D("0.4995"), cost=D("9990"), open_fees=D("10"), fees_paid=D("10"), cash=D("-9000")
    )
    assert after.average_price == D("20000")


def test_a_buy_whose_fee_was_taken_in_base_spends_only_its_quote() -> None:
    bought = order(Side.BUY, "0.5", "10000", Fill(D("20000"), D("0.5"), D("0.0005"), "BTC"))
    priced = ledger.price_fill(bought, "BTC", "USDT")
    assert (priced.quantity, priced.notional, priced.fee) == (D("0.4995"), D("9990.0000"), D("10.0000"))
    after = ledger.book_buy(Position(cash=D("10000")), priced.quantity, priced.notional, priced.fee)
    assert after.cash == D(0) and after.average_price == D("20000")


def test_a_partial_sell_realises_the_share_of_the_cost_it_closes() -> None:
    held = Position(quantity=D("2"), cost=D("200"), fees_paid=D("1"), cash=D("0"))
    sale = ledger.book_sell(held, D("0.5"), D(0), D("60"), D("0.06"))
    after, realised = sale.position, sale.realised
    assert realised == D("60") - D("0.06") - D("50")
    assert after == Position(
        quantity=D("1.5"), cost=D("150"), fees_paid=D("1.06"), realised_pnl=realised, cash=D("59.94")
    )


def test_a_sell_with_a_residue_closes_the_position_and_the_residue_keeps_its_basis_as_dust() -> None:
    # issue 20: the residue's basis used to be realised as a loss; dust still held is an asset at market
    held = Position(quantity=D("1.00005"), cost=D("100"), open_fees=D("0.1"))
    sale = ledger.book_sell(held, D("1"), D("0.00005"), D("120"), D("0.12"))
    basis_sold = D("100.1") * D("1") / D("1.00005")
    assert sale.realised == D("120") - D("0.12") - basis_sold
    after = sale.position
    assert (after.quantity, after.cost, after.open_fees, after.dust) == (D(0), D(0), D(0), D("0.00005"))
    assert after.dust_cost == D("100.1") - basis_sold
    assert after.unrealised(D("120")) == D("0.00005") * D("120") - after.dust_cost


def test_a_sell_of_an_empty_position_realises_its_proceeds() -> None:
    sale = ledger.book_sell(Position(), D("1"), D(0), D("5"), D("0.01"))
    assert sale.realised == D("4.99") and sale.position.quantity == D(0)


def test_a_sell_closes_the_basis_the_lot_book_closed_not_the_average_of_all_lots() -> None:
    # two grid cells: one bought at 5,650.44, one at 5,700; the first sells one level up at 5,672.22
    held = Position(quantity=D("0.02"), cost=D("56.5044") + D("57.00"), open_fees=D("0.1135"))
    sale = ledger.book_sell(held, D("0.01"), D(0), D("56.7222"), D("0.0567"), (D("56.5044"), D("0.0565")))
    assert sale.realised == D("56.7222") - D("0.0567") - D("56.5044") - D("0.0565") > 0
    assert sale.position.cost == D("57.00") and sale.position.open_fees == D("0.0570")


@pytest.mark.parametrize(
    ("held", "intended", "sold", "expected"),
    [
        (D("1.00005"), D("1.00005"), D("1"), D("0.00005")),  # below the step: unsellable
        (D("2"), D("2"), D("1"), D(0)),  # a real remainder stays a position
        (D("2"), D("1"), D("1"), D(0)),  # the sell did all it meant to
        (D("1.05"), D("5"), D("1"), D("0.05")),  # never more than was held; 0.05 x 100 is under 10
    ],
)
def test_sell_residue(held: D, intended: D, sold: D, expected: D) -> None:
    assert ledger.sell_residue(held, intended, sold, D("100"), D("10"), D("0.0001")) == expected


def test_write_off_moves_the_whole_position_and_its_basis_to_dust() -> None:
    # issue 20: the basis used to vanish with the quantity; it stays with the dust (an asset, not a loss)
    held = Position(quantity=D("0.001"), cost=D("30"), open_fees=D("0.03"), dust=D("0.002"), cash=D("5"))
    after = ledger.write_off(held)
    assert after == Position(quantity=D(0), cost=D(0), dust=D("0.003"), dust_cost=D("30.03"), cash=D("5"))
    assert after.unrealised(D("30000")) == held.unrealised(D("30000"))


def test_a_take_profit_that_lost_says_why() -> None:
    assert ledger.exit_note("take_profit", 0.5, -0.1) == ledger.FEES_EXCEED_MOVE
    assert ledger.exit_note("take_profit", -0.5, -0.7) == ledger.FILLED_BELOW_ENTRY
    assert ledger.exit_note("take_profit", 0.5, 0.3) is None
    assert ledger.exit_note("signal", -0.5, -0.7) is None


def test_lots_accumulate_buys_and_close_pro_rata() -> None:
    lots: dict[str, Lot] = {}
    ledger.book_lot_buy(lots, "main", 100.0, 2.0, 0.2, 1_000)
    ledger.book_lot_buy(lots, "main", 200.0, 2.0, 0.4, 2_000)
    assert lots["main"] == Lot(4.0, 600.0, 0.6000000000000001, 1_000)
    trade = ledger.book_lot_sell(lots, "main", 300.0, 1.0, 0.3, 3_000, "signal")
    assert (trade.entry_time, trade.exit_time, trade.entry_price, trade.quantity) == (1_000, 3_000, 150.0, 1.0)
    assert trade.fee == pytest.approx(0.45) and trade.pnl == pytest.approx(300 - 0.3 - 150 - 0.15)
    assert trade.return_pct == pytest.approx(trade.pnl / 150 * 100)
    assert lots["main"].quantity == 3.0 and lots["main"].cost == pytest.approx(450.0)


def test_a_sell_covering_the_lot_closes_it_whole() -> None:
    lots = {"cell_1": Lot(1.0, 100.0, 0.1, 5)}
    trade = ledger.book_lot_sell(lots, "cell_1", 110.0, 1.5, 0.11, 9, "grid")
    assert lots == {} and trade.quantity == 1.0 and trade.pnl == pytest.approx(110 - 0.11 - 100 - 0.1)
    assert ledger.open_trade_pnl(Lot(2.0, 100.0, 0.1, 0), 60.0) == pytest.approx(19.9)


def test_selling_a_group_without_a_lot_is_refused() -> None:
    with pytest.raises(InvalidInput):
        ledger.book_lot_sell({}, "main", 1.0, 1.0, 0.0, 0, "signal")


def test_a_sell_of_the_lot_read_back_from_decimal_closes_it_despite_float_noise() -> None:
    """Three buys of 0.00494505 sum to 0.014835150000000002 in float; the tick sells the lot's quantity read back
    from Decimal (0.01483515): the lot closes instead of keeping 1.7e-18 open forever."""
    lots: dict[str, Lot] = {}
    for _ in range(3):
        ledger.book_lot_buy(lots, "main", 20_000.0, 0.00494505, 0.0, 0)
    assert lots["main"].quantity != 0.01483515  # the float sum is not the Decimal quantity
    trade = ledger.book_lot_sell(lots, "main", 20_100.0, float(D("0.01483515")), 0.0, 60_000, "take_profit")
    assert lots == {} and trade.quantity == pytest.approx(0.01483515)


def test_a_sell_of_most_of_a_lot_leaves_the_rest_open() -> None:
    lots: dict[str, Lot] = {}
    ledger.book_lot_buy(lots, "main", 100.0, 1.0, 0.0, 0)
    ledger.book_lot_sell(lots, "main", 110.0, 0.999999, 0.0, 60_000, "exit")
    assert lots["main"].quantity == pytest.approx(0.000001)
