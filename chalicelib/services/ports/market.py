"""Market data behind one interface: Binance public klines, the replay store, the synthetic market."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Protocol

from chalicelib.domain.symbols import SymbolRules

if TYPE_CHECKING:  # the API names this port without loading numpy (domain/candles.py imports it)
    from chalicelib.domain.candles import Candle


class MarketData(Protocol):
    def closed_candles(
        self, symbol: str, interval: str, *, limit: int = 500, end_ms: int | None = None
    ) -> list[Candle]:
        """Up to `limit` CLOSED candles, oldest first, each closed at or before `end_ms` (default: the
        source's clock now). Gaps in the source stay gaps; nothing is invented."""
        ...

    def minute_open(self, symbol: str, at_ms: int) -> Decimal | None:
        """The open of the 1m bar in progress at `at_ms`: the first trade of that minute, known from its first
        millisecond on. None when the source has no such bar (a gap, the end of replayed data)."""
        ...


class SymbolCatalog(Protocol):
    def symbol_rules(self, symbol: str) -> SymbolRules:
        """NotFound for a symbol the catalog does not list."""
        ...

    def symbols(self) -> list[str]: ...
