"""The container: every service of the platform, built lazily on first use (a cold start pays only for what
its route touches) from the settings, the clocks and the adapters in `ports`. The builders live beside it
(accounts.py, markets.py, trading.py); this class is the public surface the API, the workers and the tests use."""

from __future__ import annotations

import os
from decimal import Decimal
from functools import cached_property
from typing import TYPE_CHECKING, Any

from chalicelib.bootstrap import accounts, markets, trading
from chalicelib.bootstrap import telegram as telegram_builders
from chalicelib.bootstrap.ports import Ports
from chalicelib.clock_env import clock_from_env
from chalicelib.config import Settings, settings
from chalicelib.domain.clock import Clock, SystemClock

if TYPE_CHECKING:
    from chalicelib.adapters.binance.budget import UserTriggered
    from chalicelib.adapters.binance.exchange import BinanceSpotExchange
    from chalicelib.adapters.health import AwsHealth
    from chalicelib.adapters.webhooks import WebhookPolicy
    from chalicelib.services.account import AccountService
    from chalicelib.services.account_email import AccountEmails
    from chalicelib.services.api_keys import ApiKeyService
    from chalicelib.services.auth import AuthService
    from chalicelib.services.backtests import BacktestService
    from chalicelib.services.bot_control import BotControl
    from chalicelib.services.bot_orders import BotOrders
    from chalicelib.services.bot_plans import BotPlanner
    from chalicelib.services.bots import BotService
    from chalicelib.services.candle_view import CandleView
    from chalicelib.services.daily_summary import DailySummaries
    from chalicelib.services.dispatch import Dispatcher
    from chalicelib.services.drift import DriftService
    from chalicelib.services.drift_alerts import DriftAlerts
    from chalicelib.services.drift_jobs import DriftJobs
    from chalicelib.services.key_audit import KeyAuditTrail
    from chalicelib.services.key_recheck import KeyRecheck
    from chalicelib.services.mfa import MfaService
    from chalicelib.services.notifications import NotificationService
    from chalicelib.services.optimizations import OptimizationService
    from chalicelib.services.ports.bots import ExchangeFactory
    from chalicelib.services.ports.market import MarketData, SymbolCatalog
    from chalicelib.services.quotas import Quotas
    from chalicelib.services.signals import SignalService
    from chalicelib.services.telegram import TelegramService
    from chalicelib.services.telegram_alerts import TelegramAlerts
    from chalicelib.services.tick import TickService
    from chalicelib.services.trades import TradeService


class Container:
    def __init__(
        self,
        cfg: Settings | None = None,
        clock: Clock | None = None,
        wall_clock: Clock | None = None,
        *,
        ports: Ports | None = None,
    ) -> None:
        self.settings = cfg or settings()
        self.clock = clock or clock_from_env(os.environ)
        # Sessions live in wall time whatever the market clock's speed (CLOCK_SPEED=60 must not make an
        # access token last 15 wall seconds). A test that hands in one clock gets it for both.
        self.wall_clock: Clock = wall_clock or (clock if clock is not None else SystemClock())
        self.ports = (ports or Ports()).bind(self.settings, self.clock)

    # --- users and accounts ------------------------------------------------------------------------

    @cached_property
    def auth(self) -> AuthService:
        return accounts.auth(self)

    @cached_property
    def mfa(self) -> MfaService:
        return accounts.mfa(self)

    def require_fresh_code(self, user_id: str, code: str | None) -> None:
        """The two-factor check before a sensitive action (password change, new API key, live trading)."""
        self.mfa.require_fresh_code(user_id, code)

    @cached_property
    def account_emails(self) -> AccountEmails:
        """Verification, reset and security-notice e-mails through SES (locally moto's SES: the outbox)."""
        return accounts.account_emails(self)

    @cached_property
    def api_keys(self) -> ApiKeyService:
        return accounts.api_keys(self)

    @cached_property
    def key_audit(self) -> KeyAuditTrail:
        """The audit trail of every use of an exchange key, and the pause of a refused key's bots."""
        return accounts.key_audit(self)

    @cached_property
    def telegram(self) -> TelegramService:
        """Linking a Telegram chat, its webhook and commands, the per-event channel choice."""
        return telegram_builders.service(self)

    @cached_property
    def daily_summaries(self) -> DailySummaries:
        return telegram_builders.daily_summaries(self)

    @cached_property
    def telegram_alerts(self) -> TelegramAlerts:
        return telegram_builders.alerts(self)

    @cached_property
    def notifications(self) -> NotificationService:
        return accounts.notifications(self)

    @cached_property
    def webhook_policy(self) -> WebhookPolicy:
        """Which webhook URLs are allowed (checked when saved and again at each send)."""
        from chalicelib.adapters.webhooks import policy_from_settings

        return policy_from_settings(self.settings.local_mode, self.settings.extra)

    @cached_property
    def account(self) -> AccountService:
        """Account deletion and data export (chalicelib/services/account.py)."""
        return accounts.account(self)

    @cached_property
    def quotas(self) -> Quotas:
        return trading.quotas(self)

    # --- market and exchanges ----------------------------------------------------------------------

    @cached_property
    def market(self) -> MarketData:
        given = self.ports.given("market")
        return given if given is not None else markets.market(self)

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
        return markets.binance(self, credentials, testnet, user_triggered)

    def users_share(self, user_id: str | None) -> UserTriggered:
        """Per stage: TRADEBOT_USER_WEIGHT_SHARE of the weight budget for every user-triggered call together
        (default 0.2), TRADEBOT_USER_WEIGHT_PER_USER for one user a minute (default 120: five key checks)."""
        return markets.users_share(self, user_id)

    def user_market(self, user_id: str) -> MarketData:
        """Market data for what a user asked for (the web app's candles, a backtest's history): the same
        source as the ticks', but Binance calls draw from the users' share of the budget."""
        return markets.user_market(self, user_id)

    @cached_property
    def candle_view(self) -> CandleView:
        return markets.candle_view(self)

    @cached_property
    def exchanges(self) -> ExchangeFactory:
        given = self.ports.given("exchanges")
        return given if given is not None else markets.exchanges(self)

    def current_price(self, user_id: str, symbol: str) -> Decimal | None:
        """The close of the symbol's last closed 1m candle, from the candle cache the ticks and charts share."""
        rows = self.candle_view.closed(user_id, symbol, "1m", 1)
        return rows[-1].close if rows else None

    # --- bots, ticks, trades, backtests -------------------------------------------------------------

    def queue(self, url: str) -> Any:
        return self.ports.queue(url)

    @cached_property
    def bots(self) -> BotService:
        return trading.bots(self)

    @cached_property
    def bot_planner(self) -> BotPlanner:
        from chalicelib.services.bot_plans import BotPlanner

        return BotPlanner(exchanges=self.exchanges, price=self.current_price)

    @cached_property
    def ticks(self) -> TickService:
        return trading.ticks(self)

    @cached_property
    def signals(self) -> SignalService:
        return trading.signals(self)

    @cached_property
    def bot_orders(self) -> BotOrders:
        from chalicelib.services.bot_orders import BotOrders

        return BotOrders(bots=self.bots, orders=self.ports.bot_orders)

    @cached_property
    def bot_control(self) -> BotControl:
        from chalicelib.services.bot_control import BotControl

        return BotControl(bots=self.bots, ticks=self.ticks)

    @cached_property
    def dispatcher(self) -> Dispatcher:
        return trading.dispatcher(self)

    @cached_property
    def trades(self) -> TradeService:
        return trading.trades(self)

    @cached_property
    def drift(self) -> DriftService:
        from chalicelib.services.drift import DriftService

        return DriftService(
            get_bot=self.bots.get,
            trades=self.ports.trades,
            market_for=self.user_market,
            quote_asset=lambda symbol: self.symbol_catalog.symbol_rules(symbol).quote_asset,
            clock=self.clock,
            history=self.ports.config_history,
        )

    @cached_property
    def drift_jobs(self) -> DriftJobs:
        """Drift reports through the cache and the jobs queue (long periods: 202 + poll)."""
        from chalicelib.bootstrap.drift import drift_jobs

        return drift_jobs(self)

    @cached_property
    def drift_alerts(self) -> DriftAlerts:
        from chalicelib.bootstrap.drift import drift_alerts

        return drift_alerts(self)

    @cached_property
    def key_recheck(self) -> KeyRecheck:
        return trading.key_recheck(self)

    @cached_property
    def backtests(self) -> BacktestService:
        return trading.backtests(self)

    @cached_property
    def optimizations(self) -> OptimizationService:
        from chalicelib.bootstrap.optimizations import optimizations

        return optimizations(self)

    @cached_property
    def health(self) -> AwsHealth:
        from chalicelib.adapters.health import AwsHealth

        return AwsHealth(self.settings)
