"""Which exchange a bot faces: paper bots get the paper exchange (per-bot balances on the offline or
configured market), live bots the Binance adapter with their own decrypted key. Services never branch
on the mode themselves."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from chalicelib.domain.bots import BotConfig, Mode
from chalicelib.domain.errors import InvalidInput, NotFound
from chalicelib.domain.symbols import SymbolRules
from chalicelib.services.ports.exchange import Exchange
from chalicelib.services.ports.market import SymbolCatalog


class ExchangeFactory:
    def __init__(
        self,
        *,
        paper: Callable[[str], Exchange],
        seed_paper: Callable[[str, dict[str, Decimal]], object],
        live: Callable[[BotConfig], Exchange],
        catalog: SymbolCatalog,
        live_rules: Callable[[str], SymbolRules],
    ) -> None:
        self._paper = paper
        self._seed_paper = seed_paper
        self._live = live
        self._catalog = catalog
        self._live_rules = live_rules

    def for_bot(self, config: BotConfig) -> Exchange:
        return self._paper(config.id) if config.mode is Mode.PAPER else self._live(config)

    def prepare(self, config: BotConfig) -> None:
        """Give a paper bot its starting balance (once: seeding an account that has one does nothing)."""
        if config.mode is Mode.PAPER:
            rules = self._catalog.symbol_rules(config.symbol)
            self._seed_paper(config.id, {rules.quote_asset: config.budget})

    def symbol_rules(self, config_mode: str, symbol: str, user_id: str, api_key_id: str | None) -> SymbolRules:
        try:
            if config_mode == Mode.PAPER.value:
                return self._catalog.symbol_rules(symbol)
            return self._live_rules(symbol)
        except NotFound:
            raise InvalidInput(
                f"Unknown symbol {symbol}.",
                code="unknown_symbol",
                details=[{"field": "symbol", "message": "not listed by the exchange"}],
            ) from None
