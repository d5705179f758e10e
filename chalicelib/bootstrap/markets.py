"""Builders of the market side: market data, the symbol catalog, Binance adapters and their weight budget,
the exchange factory (paper or live per bot) and the candle view. Each takes the container it builds for."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from chalicelib.adapters.binance.budget import UserTriggered
    from chalicelib.adapters.binance.exchange import BinanceSpotExchange
    from chalicelib.adapters.exchange_factory import ExchangeFactory
    from chalicelib.bootstrap.container import Container
    from chalicelib.services.candle_view import CandleView
    from chalicelib.services.ports.market import MarketData


def market(c: Container) -> MarketData:
    """Offline by default: the deterministic synthetic market; `replay` reads imported kline CSVs;
    `binance` reads Binance's public klines."""
    source = c.settings.market_source
    if source == "synthetic":
        from chalicelib.adapters.market.synthetic import SyntheticMarket

        return SyntheticMarket(c.clock, seed=int(c.settings.extra.get("TRADEBOT_MARKET_SEED", "7")))
    if source == "replay":
        from chalicelib.adapters.dynamo.market_candles import DynamoCandleStore
        from chalicelib.adapters.market.replay import ReplayMarket

        return ReplayMarket(DynamoCandleStore(), c.clock)
    if source == "binance":
        from chalicelib.adapters.market.binance_public import BinancePublicMarket

        return BinancePublicMarket(c.binance(None))
    raise ValueError(f"MARKET_SOURCE={source!r}: use synthetic, replay or binance")


def binance(
    c: Container, credentials: object | None, testnet: bool | None, user_triggered: UserTriggered | None
) -> BinanceSpotExchange:
    from chalicelib.adapters.binance.budget import WeightBudget
    from chalicelib.adapters.binance.endpoint import BinanceEndpoint
    from chalicelib.adapters.binance.exchange import BinanceSpotExchange
    from chalicelib.adapters.dynamo.market_cache import DynamoMarketCache
    from chalicelib.adapters.dynamo.rate_limits_weight import DynamoWeightStore

    cfg = c.settings
    env = "testnet" if testnet else cfg.binance_env
    read_timeout_s = float(cfg.extra.get("TRADEBOT_BINANCE_READ_TIMEOUT_S", "10"))
    return BinanceSpotExchange(
        BinanceEndpoint.from_settings(env, cfg.binance_base_url),
        WeightBudget(
            DynamoWeightStore(),
            cfg.egress_id,
            c.clock,
            time.sleep,
            limit=int(cfg.extra.get("TRADEBOT_BINANCE_WEIGHT_LIMIT", "6000")),
            user_triggered=user_triggered,
        ),
        credentials=credentials,  # type: ignore[arg-type]
        info_cache=DynamoMarketCache(),
        clock=c.clock,
        timeout_s=(3.05, read_timeout_s),
    )


def users_share(c: Container, user_id: str | None) -> UserTriggered:
    from chalicelib.adapters.binance.budget import UserTriggered

    extra = c.settings.extra
    return UserTriggered(
        user_id=user_id,
        share=float(extra.get("TRADEBOT_USER_WEIGHT_SHARE", "0.2")),
        per_user=int(extra.get("TRADEBOT_USER_WEIGHT_PER_USER", "120")),
    )


def user_market(c: Container, user_id: str) -> MarketData:
    if c.settings.market_source != "binance" or c.ports.given("market") is not None:
        return c.market
    from chalicelib.adapters.market.binance_public import BinancePublicMarket

    return BinancePublicMarket(c.binance(None, user_triggered=c.users_share(user_id)))


def candle_view(c: Container) -> CandleView:
    from chalicelib.services.candle_view import CandleView

    return CandleView(c.ports.candles, c.user_market, c.clock)


def _live_exchange(c: Container, config: object) -> object:
    from chalicelib.adapters.binance.endpoint import BinanceCredentials
    from chalicelib.domain.bots import BotConfig
    from chalicelib.services.audited_exchange import AuditedExchange
    from chalicelib.services.key_audit import Use

    assert isinstance(config, BotConfig)
    creds = c.api_keys.get_decrypted_credentials(config.user_id, str(config.api_key_id))
    exchange = c.binance(BinanceCredentials(creds.api_key, creds.api_secret), testnet=creds.testnet)
    # Every signed call of a live bot lands in its key's audit trail (services/key_audit.py).
    return AuditedExchange(exchange, c.key_audit, Use(config.user_id, str(config.api_key_id), config.id))


def exchanges(c: Container) -> ExchangeFactory:
    from chalicelib.adapters.dynamo.paper import DynamoPaperStore
    from chalicelib.adapters.exchange_factory import ExchangeFactory
    from chalicelib.adapters.paper_exchange import PaperExchange

    store = DynamoPaperStore()
    return ExchangeFactory(
        paper=lambda account: PaperExchange(account, store, c.market, c.symbol_catalog, c.clock),
        seed_paper=store.seed,
        live=lambda config: _live_exchange(c, config),  # type: ignore[arg-type,return-value]
        catalog=c.symbol_catalog,
        live_rules=lambda symbol: c.binance(None, user_triggered=c.users_share(None)).symbol_rules(symbol),
    )
