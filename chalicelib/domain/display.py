"""Numbers as a trader reads them: prices to the symbol's tick, quantities to its lot step, money to the
quote asset's precision (cents for USDT-like quotes, more when the minimum notional needs them). One rule for
the CSV export, notifications and the web app (which applies the same rule to `/market/symbols`)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation

from chalicelib.domain.symbols import SymbolRules

MONEY_PLACES = 2
MAX_PLACES = 8


def places(step: Decimal) -> int:
    """Decimals a step allows: 0.01000000 -> 2, 1.00000000 -> 0."""
    if step <= 0:
        return MAX_PLACES
    exponent = step.normalize().as_tuple().exponent
    return min(MAX_PLACES, -exponent) if isinstance(exponent, int) and exponent < 0 else 0


def fixed(value: Decimal, digits: int) -> Decimal:
    """`value` rounded to exactly `digits` decimals (half-even, as a ledger rounds)."""
    try:
        return value.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_EVEN)
    except InvalidOperation:  # more digits than the context holds: show it as it is
        return value


@dataclass(frozen=True, slots=True)
class Precision:
    price: int = MAX_PLACES
    qty: int = MAX_PLACES
    money: int = MONEY_PLACES
    base_asset: str = ""
    quote_asset: str = ""

    @classmethod
    def of(cls, rules: SymbolRules | None) -> Precision:
        if rules is None:
            return cls()
        minimum = rules.notional.min_notional if rules.notional else Decimal(0)
        return cls(
            price=places(rules.price_filter.tick_size),
            qty=places(rules.lot_size.step_size),
            money=max(MONEY_PLACES, places(minimum) if minimum > 0 else 0),
            base_asset=rules.base_asset,
            quote_asset=rules.quote_asset,
        )

    def price_text(self, value: Decimal) -> str:
        return f"{fixed(value, self.price):,}"

    def qty_text(self, value: Decimal) -> str:
        return f"{fixed(value, self.qty):,}"

    def money_text(self, value: Decimal) -> str:
        text = f"{fixed(value, self.money):,}"
        return f"{text} {self.quote_asset}" if self.quote_asset else text

    def fee(self, value: Decimal, asset: str) -> Decimal:
        """A fee to the precision of the asset it was paid in (the base's lot step, else the quote's)."""
        return fixed(value, self.qty if asset and asset == self.base_asset else self.money)
