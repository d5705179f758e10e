"""Binance public klines (no API key) as a market data source. Shares the egress weight budget, the
retry policy and the closed-candles-only rule with the signed exchange adapter."""

from __future__ import annotations

from decimal import Decimal

from chalicelib.adapters.binance.exchange import BinanceSpotExchange
from chalicelib.domain.candles import Candle
from chalicelib.domain.symbols import SymbolRules


class BinancePublicMarket:
    def __init__(self, exchange: BinanceSpotExchange) -> None:
        self._exchange = exchange  # built without credentials

    def closed_candles(
        self, symbol: str, interval: str, *, limit: int = 500, end_ms: int | None = None
    ) -> list[Candle]:
        return self._exchange.klines(symbol, interval, limit=limit, end_ms=end_ms)

    def minute_open(self, symbol: str, at_ms: int) -> Decimal | None:
        return self._exchange.minute_open(symbol, at_ms)

    def symbol_rules(self, symbol: str) -> SymbolRules:
        return self._exchange.symbol_rules(symbol)
