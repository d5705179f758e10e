"""Numbers at a symbol's precision: the one rule the CSV and notifications use."""

from __future__ import annotations

from decimal import Decimal

from chalicelib.domain.display import Precision, fixed, places
from chalicelib.domain.symbols import NotionalFilter, PriceFilter, QuantityFilter, SymbolRules


def _rules(min_notional: str = "5") -> SymbolRules:
    return SymbolRules(
        symbol="BTCUSDT",
        status="TRADING",
        base_asset="BTC",
        quote_asset="USDT",
        lot_size=QuantityFilter(Decimal("0.00001"), Decimal("9000"), Decimal("0.00001000")),
        price_filter=PriceFilter(Decimal("0.01"), Decimal("1000000"), Decimal("0.01000000")),
        notional=NotionalFilter(Decimal(min_notional), True),
    )


def test_places_of_a_step() -> None:
    assert places(Decimal("0.01000000")) == 2
    assert places(Decimal("1.00000000")) == 0
    assert places(Decimal("0.00001")) == 5


def test_issue_numbers_print_at_the_symbol_precision() -> None:
    p = Precision.of(_rules())
    assert p.price_text(Decimal("5644.53847674")) == "5,644.54"
    assert p.qty_text(Decimal("0.01772226")) == "0.01772"
    assert p.money_text(Decimal("0.09970376")) == "0.10 USDT"
    assert p.fee(Decimal("0.0000123456"), "BTC") == Decimal("0.00001")
    assert p.fee(Decimal("0.09970376"), "USDT") == Decimal("0.10")
    assert format(fixed(Decimal("1E-25"), 2), "f") == "0.00"


def test_a_finer_minimum_notional_shows_more_money_decimals_and_unknown_symbols_keep_eight() -> None:
    assert Precision.of(_rules("0.0001")).money == 4
    assert Precision.of(None).price == 8
