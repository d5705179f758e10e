"""The composition root: the one place that builds real adapters and hands them to services.
Everything is built lazily on first use, so a cold start pays only for what its route touches.
Tests call `use(Container(...))` with fakes or moto-backed parts instead of patching internals."""

from __future__ import annotations

import os
import time
from decimal import Decimal
from functools import cached_property
from typing import TYPE_CHECKING

from chalicelib.clock_env import clock_from_env
from chalicelib.config import Settings, mail_sender, settings
from chalicelib.domain.clock import Clock, SystemClock

if TYPE_CHECKING:
    from chalicelib.adapters.binance.budget import UserTriggered
    from chalicelib.adapters.binance.exchange import BinanceSpotExchange
    from chalicelib.adapters.exchange_factory import ExchangeFactory
    from chalicelib.adapters.health import AwsHealth
    from chalicelib.adapters.sqs_queue import SqsQueue
    from chalicelib.adapters.webhooks import WebhookPolicy
    from chalicelib.services.account import AccountService
    from chalicelib.services.account_email import AccountEmails
    from chalicelib.services.api_keys import ApiKeyService
    from chalicelib.services.auth import AuthService
    from chalicelib.services.backtests import BacktestService
    from chalicelib.services.bot_plans import BotPlanner
    from chalicelib.services.bots import BotControl, BotService
    from chalicelib.services.candle_view import CandleView
    from chalicelib.services.dispatch import Dispatcher
    from chalicelib.services.key_recheck import KeyRecheck
    from chalicelib.services.notifications import NotificationService
    from chalicelib.services.ports.market import MarketData, SymbolCatalog
    from chalicelib.services.quotas import Quotas
    from chalicelib.services.signals import SignalService
    from chalicelib.services.tick import TickService
    from chalicelib.services.trades import TradeService


class Container:
    def __init__(
        self, cfg: Settings | None = None, clock: Clock | None = None, wall_clock: Clock | None = None
    ) -> None:
        self.settings = cfg or settings()
        self.clock = clock or clock_from_env(os.environ)
        # Sessions live in wall time whatever the market clock's speed (CLOCK_SPEED=60 must not make an
        # access token last 15 wall seconds). A test that hands in one clock gets it for both.
        self.wall_clock: Clock = wall_clock or (clock if clock is not None else SystemClock())

    @cached_property
    def auth(self) -> AuthService:
        from chalicelib.adapters.dynamo.attempts import DynamoAttemptCounter
        from chalicelib.adapters.dynamo.users import DynamoRefreshTokenStore, DynamoUserRepository
        from chalicelib.adapters.jwt_tokens import JwtAccessTokens, secret_from_secrets_manager
        from chalicelib.adapters.passwords import Argon2Hasher, ZxcvbnStrength
        from chalicelib.services.auth import AuthService, LoginLimits

        cfg = self.settings
        extra = cfg.extra
        wall = self.wall_clock  # token expiry, refresh and sign-in throttling follow the wall clock
        return AuthService(
            users=DynamoUserRepository(),
            refresh_tokens=DynamoRefreshTokenStore(),
            attempts=DynamoAttemptCounter(wall),
            hasher=Argon2Hasher(),
            access_tokens=JwtAccessTokens(
                secret=secret_from_secrets_manager(cfg.jwt_secret_name),
                issuer=cfg.jwt_issuer,
                audience=cfg.jwt_audience,
                ttl_s=cfg.access_token_ttl_s,
                clock=wall,
            ),
            clock=wall,
            limits=LoginLimits(
                cfg.login_max_per_account,
                cfg.login_max_per_ip,
                cfg.login_window_s,
                account_ceiling=int(extra.get("TRADEBOT_LOGIN_ACCOUNT_CEILING", "20")),
                register_per_address=int(extra.get("TRADEBOT_REGISTER_PER_ADDRESS", "10")),
                mail_per_address=int(extra.get("TRADEBOT_MAIL_PER_ADDRESS", "3")),
                mail_per_source=int(extra.get("TRADEBOT_MAIL_PER_SOURCE", "20")),
                session_max_age_s=int(extra.get("TRADEBOT_SESSION_MAX_AGE_S", str(30 * 24 * 3600))),
            ),
            refresh_ttl_s=cfg.refresh_token_ttl_s,
            strength=ZxcvbnStrength(),
            emails=self.account_emails,
        )

    @cached_property
    def account_emails(self) -> AccountEmails:
        """Verification, reset and security-notice e-mails through SES (locally moto's SES: the outbox)."""
        from chalicelib.adapters.dynamo.users import DynamoMailTokenStore
        from chalicelib.adapters.mail import SesMailer
        from chalicelib.services.account_email import AccountEmails, MailSettings

        extra = self.settings.extra
        return AccountEmails(
            mailer=SesMailer(mail_sender(self.settings)),
            tokens=DynamoMailTokenStore(),
            clock=self.wall_clock,
            settings=MailSettings(
                web_base_url=extra.get("TRADEBOT_WEB_BASE_URL", "http://127.0.0.1:8000"),
                verify_ttl_s=int(extra.get("TRADEBOT_VERIFY_TTL_S", str(24 * 3600))),
                reset_ttl_s=int(extra.get("TRADEBOT_RESET_TTL_S", "1800")),
            ),
        )

    # --- quotas ---------------------------------------------------------------------------------

    @cached_property
    def quotas(self) -> Quotas:
        """Per-user limits from the stage's TRADEBOT_QUOTA_* settings (chalicelib/services/quotas.py). Each
        quota's truth is the real records, recounted only when its ledger refuses or does not exist yet."""
        from chalicelib.adapters.dynamo.api_keys import DynamoApiKeyRepository
        from chalicelib.adapters.dynamo.backtests import DynamoBacktestStore
        from chalicelib.adapters.dynamo.bots import DynamoBotRepository
        from chalicelib.adapters.dynamo.quotas import DynamoQuotaLedger
        from chalicelib.domain.bots import BotStatus
        from chalicelib.services.backtests import active_ids, stored_ids
        from chalicelib.services.quotas import Limits, Quotas

        bots, keys, backtests = DynamoBotRepository(), DynamoApiKeyRepository(), DynamoBacktestStore()
        return Quotas(
            DynamoQuotaLedger(),
            Limits.from_settings(self.settings.extra),
            {
                "bots": lambda user: {c.id for c in bots.list_for(user)},
                "running_bots": lambda user: {c.id for c in bots.list_for(user) if c.status is BotStatus.RUNNING},
                "api_keys": lambda user: {k.key_id for k in keys.list(user)},
                "stored_backtests": lambda user: stored_ids(backtests, user, self.clock.now_ms()),
                "active_backtests": lambda user: active_ids(backtests, user, self.clock.now_ms()),
            },
            self.clock,
        )

    # --- market and exchanges ----------------------------------------------------------------

    @cached_property
    def market(self) -> MarketData:
        """Offline by default: the deterministic synthetic market; `replay` reads imported kline CSVs;
        `binance` reads Binance's public klines."""
        source = self.settings.market_source
        if source == "synthetic":
            from chalicelib.adapters.market.synthetic import SyntheticMarket

            return SyntheticMarket(self.clock, seed=int(self.settings.extra.get("TRADEBOT_MARKET_SEED", "7")))
        if source == "replay":
            from chalicelib.adapters.dynamo.market_candles import DynamoCandleStore
            from chalicelib.adapters.market.replay import ReplayMarket

            return ReplayMarket(DynamoCandleStore(), self.clock)
        if source == "binance":
            from chalicelib.adapters.market.binance_public import BinancePublicMarket

            return BinancePublicMarket(self.binance(None))
        raise ValueError(f"MARKET_SOURCE={source!r}: use synthetic, replay or binance")

    @cached_property
    def symbol_catalog(self) -> SymbolCatalog:
        from chalicelib.adapters.market.catalog import StaticSymbolCatalog

        return StaticSymbolCatalog()

    def binance(
        self, credentials: object | None, *, testnet: bool | None = None, user_triggered: UserTriggered | None = None
    ) -> BinanceSpotExchange:
        """A Binance adapter; BINANCE_BASE_URL (a proxy or the tests' canned exchange) overrides the venue,
        otherwise a testnet key talks to the spot testnet and any other key to BINANCE_ENV. Calls a user's
        request triggers pass `user_triggered` (see `users_share`): they never draw from the ticks' budget."""
        from chalicelib.adapters.binance.budget import WeightBudget
        from chalicelib.adapters.binance.endpoint import BinanceEndpoint
        from chalicelib.adapters.binance.exchange import BinanceSpotExchange
        from chalicelib.adapters.dynamo.market_cache import DynamoMarketCache
        from chalicelib.adapters.dynamo.rate_limits_weight import DynamoWeightStore

        cfg = self.settings
        env = "testnet" if testnet else cfg.binance_env
        read_timeout_s = float(cfg.extra.get("TRADEBOT_BINANCE_READ_TIMEOUT_S", "10"))
        return BinanceSpotExchange(
            BinanceEndpoint.from_settings(env, cfg.binance_base_url),
            WeightBudget(
                DynamoWeightStore(),
                cfg.egress_id,
                self.clock,
                time.sleep,
                limit=int(cfg.extra.get("TRADEBOT_BINANCE_WEIGHT_LIMIT", "6000")),
                user_triggered=user_triggered,
            ),
            credentials=credentials,  # type: ignore[arg-type]
            info_cache=DynamoMarketCache(),
            clock=self.clock,
            timeout_s=(3.05, read_timeout_s),
        )

    def users_share(self, user_id: str | None) -> UserTriggered:
        """Per stage: TRADEBOT_USER_WEIGHT_SHARE of the weight budget for every user-triggered call together
        (default 0.2), TRADEBOT_USER_WEIGHT_PER_USER for one user a minute (default 120: five key checks)."""
        from chalicelib.adapters.binance.budget import UserTriggered

        extra = self.settings.extra
        return UserTriggered(
            user_id=user_id,
            share=float(extra.get("TRADEBOT_USER_WEIGHT_SHARE", "0.2")),
            per_user=int(extra.get("TRADEBOT_USER_WEIGHT_PER_USER", "120")),
        )

    def user_market(self, user_id: str) -> MarketData:
        """Market data for what a user asked for (the web app's candles, a backtest's history): the same
        source as the ticks', but Binance calls draw from the users' share of the budget."""
        if self.settings.market_source != "binance":
            return self.market
        from chalicelib.adapters.market.binance_public import BinancePublicMarket

        return BinancePublicMarket(self.binance(None, user_triggered=self.users_share(user_id)))

    @cached_property
    def candle_view(self) -> CandleView:
        from chalicelib.adapters.dynamo.candle_cache import DynamoCandleCache
        from chalicelib.services.candle_view import CandleView

        return CandleView(DynamoCandleCache(self.clock), self.user_market, self.clock)

    def _live_exchange(self, config: object) -> object:
        from chalicelib.adapters.binance.endpoint import BinanceCredentials
        from chalicelib.domain.bots import BotConfig

        assert isinstance(config, BotConfig)
        creds = self.api_keys.get_decrypted_credentials(config.user_id, str(config.api_key_id))
        return self.binance(BinanceCredentials(creds.api_key, creds.api_secret), testnet=creds.testnet)

    @cached_property
    def api_keys(self) -> ApiKeyService:
        from chalicelib.adapters.binance.endpoint import BinanceCredentials
        from chalicelib.adapters.binance.keys import BinanceKeyVerifier
        from chalicelib.adapters.dynamo.api_keys import DynamoApiKeyRepository
        from chalicelib.adapters.dynamo.bots import DynamoBotRepository
        from chalicelib.adapters.kms_cipher import KmsCipher
        from chalicelib.services.api_keys import ApiKeyService

        cfg = self.settings

        def exchange_for(creds: BinanceCredentials, testnet: bool, user_id: str | None = None) -> BinanceSpotExchange:
            return self.binance(creds, testnet=testnet, user_triggered=self.users_share(user_id))

        return ApiKeyService(
            DynamoApiKeyRepository(),
            KmsCipher(cfg.kms_key_id, region=cfg.region, endpoint_url=cfg.aws_endpoint_url),
            BinanceKeyVerifier(exchange_for),
            DynamoBotRepository().uses_key,
            self.clock,
            quotas=self.quotas,
        )

    @cached_property
    def key_recheck(self) -> KeyRecheck:
        from chalicelib.adapters.dynamo.api_keys import DynamoApiKeyRepository
        from chalicelib.adapters.sqs_queue import SqsNotifier
        from chalicelib.services.key_recheck import KeyRecheck

        return KeyRecheck(
            keys=DynamoApiKeyRepository(),
            check=self.api_keys.recheck,
            pause_bots_using=self.bots.pause_using_key,
            notifier=SqsNotifier(self.queue(self.settings.notify_queue_url), self.clock),
        )

    @cached_property
    def exchanges(self) -> ExchangeFactory:
        from chalicelib.adapters.dynamo.paper import DynamoPaperStore
        from chalicelib.adapters.exchange_factory import ExchangeFactory
        from chalicelib.adapters.paper_exchange import PaperExchange

        store = DynamoPaperStore()
        return ExchangeFactory(
            paper=lambda account: PaperExchange(account, store, self.market, self.symbol_catalog, self.clock),
            seed_paper=store.seed,
            live=self._live_exchange,  # type: ignore[arg-type]
            catalog=self.symbol_catalog,
            live_rules=lambda symbol: self.binance(None, user_triggered=self.users_share(None)).symbol_rules(symbol),
        )

    # --- bots ------------------------------------------------------------------------------------

    def queue(self, url: str) -> SqsQueue:
        from chalicelib.adapters.sqs_queue import SqsQueue

        return SqsQueue(url)

    @cached_property
    def bots(self) -> BotService:
        from chalicelib.adapters.dynamo.bots import DynamoBotRepository, DynamoBotStateStore
        from chalicelib.services.bots import BotService

        return BotService(
            bots=DynamoBotRepository(),
            states=DynamoBotStateStore(),
            exchanges=self.exchanges,
            clock=self.clock,
            shards=self.settings.schedule_shards,
            key_exists=lambda user_id, key_id: any(k.id == key_id for k in self.api_keys.list(user_id)),
            quotas=self.quotas,
            planner=self.bot_planner,
        )

    @cached_property
    def bot_planner(self) -> BotPlanner:
        from chalicelib.services.bot_plans import BotPlanner

        return BotPlanner(exchanges=self.exchanges, price=self.current_price)

    def current_price(self, user_id: str, symbol: str) -> Decimal | None:
        """The close of the symbol's last closed 1m candle, from the candle cache the ticks and charts share."""
        rows = self.candle_view.closed(user_id, symbol, "1m", 1)
        return rows[-1].close if rows else None

    @cached_property
    def ticks(self) -> TickService:
        from chalicelib.adapters.dynamo.bots import DynamoBotStateStore, DynamoTickReader
        from chalicelib.adapters.dynamo.candle_cache import DynamoCandleCache
        from chalicelib.adapters.sqs_queue import SqsNotifier
        from chalicelib.services.tick import TickService

        return TickService(
            reader=DynamoTickReader(),
            states=DynamoBotStateStore(),
            exchanges=self.exchanges,
            market=self.market,
            candles=DynamoCandleCache(self.clock),
            notifier=SqsNotifier(self.queue(self.settings.notify_queue_url), self.clock),
            status=self.bots,
            clock=self.clock,
            max_failures=int(self.settings.extra.get("TRADEBOT_MAX_TICK_FAILURES", "5")),
        )

    @cached_property
    def signals(self) -> SignalService:
        from chalicelib.adapters.dynamo.bots import DynamoBotRepository
        from chalicelib.adapters.dynamo.signals import DynamoSignalStore
        from chalicelib.adapters.sqs_queue import SqsNotifier
        from chalicelib.services.signals import Limits, SignalService

        extra = self.settings.extra
        return SignalService(
            store=DynamoSignalStore(self.clock),
            bots=DynamoBotRepository(),
            queue=self.queue(self.settings.tick_queue_url),
            notifier=SqsNotifier(self.queue(self.settings.notify_queue_url), self.clock),
            clock=self.clock,
            apply=lambda config, record, mark: self.ticks.run_signal(config, record, mark),
            limits=Limits(
                per_bot_per_minute=int(extra.get("TRADEBOT_SIGNALS_PER_BOT_MINUTE", "30")),
                per_user_per_minute=int(extra.get("TRADEBOT_SIGNALS_PER_USER_MINUTE", "120")),
            ),
        )

    @cached_property
    def bot_control(self) -> BotControl:
        from chalicelib.services.bots import BotControl

        return BotControl(bots=self.bots, ticks=self.ticks)

    @cached_property
    def dispatcher(self) -> Dispatcher:
        from chalicelib.adapters.dynamo.bots import DynamoBotRepository
        from chalicelib.adapters.dynamo.claims import DynamoClaims
        from chalicelib.services.dispatch import Dispatcher

        return Dispatcher(
            index=DynamoBotRepository(),
            queue=self.queue(self.settings.tick_queue_url),
            claims=DynamoClaims(self.clock),
            shards=self.settings.schedule_shards,
        )

    @cached_property
    def trades(self) -> TradeService:
        from chalicelib.adapters.dynamo.bots import DynamoBotRepository, DynamoBotStateStore, DynamoTradeRepository
        from chalicelib.services.trades import TradeService

        return TradeService(
            trades=DynamoTradeRepository(), bots=DynamoBotRepository(), states=DynamoBotStateStore(), clock=self.clock
        )

    @cached_property
    def notifications(self) -> NotificationService:
        from chalicelib.adapters.dynamo.notifications import DynamoNotificationStore
        from chalicelib.adapters.dynamo.webhook_breaker import DynamoWebhookBreaker
        from chalicelib.adapters.webhooks import UrllibWebhookSender
        from chalicelib.services.notifications import NotificationService

        extra = self.settings.extra
        return NotificationService(
            store=DynamoNotificationStore(),
            targets=self.auth,
            sender=UrllibWebhookSender(
                self.webhook_policy, deadline_s=float(extra.get("TRADEBOT_WEBHOOK_DEADLINE_S", "5"))
            ),
            clock=self.clock,
            breaker=DynamoWebhookBreaker(
                self.clock,
                threshold=int(extra.get("TRADEBOT_WEBHOOK_BREAKER_FAILURES", "5")),
                cooldown_s=int(extra.get("TRADEBOT_WEBHOOK_BREAKER_COOLDOWN_S", "300")),
            ),
        )

    @cached_property
    def webhook_policy(self) -> WebhookPolicy:
        """Which webhook URLs are allowed (checked when saved and again at each send)."""
        from chalicelib.adapters.webhooks import policy_from_settings

        return policy_from_settings(self.settings.local_mode, self.settings.extra)

    @cached_property
    def backtests(self) -> BacktestService:
        from chalicelib.adapters.dynamo.backtests import DynamoBacktestStore
        from chalicelib.adapters.s3_results import S3ResultStore
        from chalicelib.services.backtests import BacktestService

        extra = self.settings.extra
        return BacktestService(
            store=DynamoBacktestStore(),
            results=S3ResultStore(self.settings.artifacts_bucket),
            queue=self.queue(self.settings.jobs_queue_url),
            market=self.market,
            market_for=self.user_market,
            clock=self.clock,
            sync_bars=int(extra.get("TRADEBOT_BACKTEST_SYNC_BARS", "20000")),
            max_bars=int(extra.get("TRADEBOT_BACKTEST_MAX_BARS", "200000")),
            quotas=self.quotas,
        )

    @cached_property
    def account(self) -> AccountService:
        """Account deletion and data export (chalicelib/services/account.py)."""
        from chalicelib.adapters.dynamo.account import DynamoAccountEraser
        from chalicelib.adapters.dynamo.bots import DynamoBotRepository, DynamoBotStateStore
        from chalicelib.adapters.s3_results import S3ResultStore
        from chalicelib.services.account import AccountService
        from chalicelib.services.quotas import QUOTAS

        cfg = self.settings
        return AccountService(
            passwords=self.auth,
            users=self.auth,
            bots=DynamoBotRepository(),
            states=DynamoBotStateStore(),
            api_keys=self.api_keys,
            trades=self.trades,
            backtests=self.backtests,
            notifications=self.notifications,
            eraser=DynamoAccountEraser(
                quota_names=list(QUOTAS),
                egress_id=cfg.egress_id,
                password_window_s=cfg.login_window_s,
            ),
            blobs=S3ResultStore(cfg.artifacts_bucket),
            clock=self.clock,
            trade_retention_days=int(cfg.extra.get("TRADEBOT_DELETED_TRADES_RETENTION_DAYS", "365")),
            export_max_bytes=int(cfg.extra.get("TRADEBOT_EXPORT_MAX_BYTES", "4500000")),
        )

    @cached_property
    def health(self) -> AwsHealth:
        from chalicelib.adapters.health import AwsHealth

        return AwsHealth(self.settings)


_container: Container | None = None


def container() -> Container:
    global _container
    if _container is None:
        _container = Container()
    return _container


def use(replacement: Container | None) -> None:
    """Swap the container (tests); None rebuilds it from the environment on next use."""
    global _container
    _container = replacement
