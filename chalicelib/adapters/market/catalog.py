"""A static symbol catalog for offline and paper mode: Binance-shaped filters (as on Binance spot in
2024-2025) parsed by the same code as the live exchange-info, so paper orders obey the same rules."""

from __future__ import annotations

from typing import Any

from chalicelib.adapters.binance.mapping import symbol_rules_from_info
from chalicelib.domain.errors import NotFound
from chalicelib.domain.symbols import SymbolRules


def _info(symbol: str, base: str, quote: str, tick: str, step: str, min_qty: str, min_notional: str) -> dict[str, Any]:
    return {
        "symbol": symbol,
        "status": "TRADING",
        "baseAsset": base,
        "quoteAsset": quote,
        "orderTypes": ["LIMIT", "LIMIT_MAKER", "MARKET", "STOP_LOSS_LIMIT", "TAKE_PROFIT_LIMIT"],
        "filters": [
            {"filterType": "PRICE_FILTER", "minPrice": tick, "maxPrice": "1000000.00000000", "tickSize": tick},
            {"filterType": "LOT_SIZE", "minQty": min_qty, "maxQty": "9000000.00000000", "stepSize": step},
            {"filterType": "MARKET_LOT_SIZE", "minQty": "0.00000000", "maxQty": "100000.00000000", "stepSize": "0"},
            {
                "filterType": "NOTIONAL",
                "minNotional": min_notional,
                "applyMinToMarket": True,
                "maxNotional": "9000000.00000000",
                "applyMaxToMarket": False,
                "avgPriceMins": 5,
            },
        ],
    }


STATIC_SYMBOLS: dict[str, dict[str, Any]] = {
    "BTCUSDT": _info("BTCUSDT", "BTC", "USDT", "0.01000000", "0.00001000", "0.00001000", "5.00000000"),
    "ETHUSDT": _info("ETHUSDT", "ETH", "USDT", "0.01000000", "0.00010000", "0.00010000", "5.00000000"),
    "ETHBTC": _info("ETHBTC", "ETH", "BTC", "0.00001000", "0.00010000", "0.00010000", "0.00010000"),
    "BNBUSDT": _info("BNBUSDT", "BNB", "USDT", "0.01000000", "0.00100000", "0.00100000", "5.00000000"),
    "SOLUSDT": _info("SOLUSDT", "SOL", "USDT", "0.01000000", "0.00100000", "0.00100000", "5.00000000"),
}


class StaticSymbolCatalog:
    def __init__(self, infos: dict[str, dict[str, Any]] | None = None) -> None:
        self._rules = {s: symbol_rules_from_info(i) for s, i in (infos or STATIC_SYMBOLS).items()}

    def symbol_rules(self, symbol: str) -> SymbolRules:
        try:
            return self._rules[symbol]
        except KeyError:
            raise NotFound(
                f"unknown symbol {symbol}; offline mode lists {', '.join(sorted(self._rules))}", code="unknown_symbol"
            ) from None

    def symbols(self) -> list[str]:
        return sorted(self._rules)
