"""The adapters behind the services' main ports, each one overridable: `Ports(states=InMemoryBotStateStore())`
hands the container a fake; whatever is not given is the production adapter (DynamoDB, SQS, S3), built on
first use and then shared by every service of the container, so a test that holds `container.ports.states`
holds the very store the tick and the bot service write through."""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property
from typing import TYPE_CHECKING, Any

from chalicelib.config import Settings
from chalicelib.domain.clock import Clock

if TYPE_CHECKING:
    from chalicelib.services.ports.account import AccountEraser, BlobEraser
    from chalicelib.services.ports.backtests import BacktestStore, ResultStore
    from chalicelib.services.ports.bot_orders import BotOrderStore
    from chalicelib.services.ports.bots import (
        BotRepository,
        BotStateStore,
        CandleCache,
        DispatchClaims,
        ExchangeFactory,
        TickReader,
        TradeRepository,
    )
    from chalicelib.services.ports.config_history import ConfigHistory
    from chalicelib.services.ports.drift_reports import DriftAlertStore, DriftReportStore
    from chalicelib.services.ports.key_audit import KeyAuditLog
    from chalicelib.services.ports.keys import ApiKeyRepository
    from chalicelib.services.ports.market import MarketData
    from chalicelib.services.ports.optimizations import OptimizationStore
    from chalicelib.services.ports.quotas import QuotaLedger

# A queue by its URL: SqsQueue in production; anything with `send_batch` (ticks, notifications) and `send`
# (backtest jobs) in a test.
QueueFactory = Callable[[str], Any]


class Ports:
    def __init__(
        self,
        *,
        bots: BotRepository | None = None,
        states: BotStateStore | None = None,
        trades: TradeRepository | None = None,
        tick_reader: TickReader | None = None,
        candles: CandleCache | None = None,
        queue: QueueFactory | None = None,
        claims: DispatchClaims | None = None,
        api_keys: ApiKeyRepository | None = None,
        quota_ledger: QuotaLedger | None = None,
        backtests: BacktestStore | None = None,
        results: ResultStore | None = None,
        eraser: AccountEraser | None = None,
        blobs: BlobEraser | None = None,
        market: MarketData | None = None,
        exchanges: ExchangeFactory | None = None,
        key_audit: KeyAuditLog | None = None,
        optimizations: OptimizationStore | None = None,
        bot_orders: BotOrderStore | None = None,
        config_history: ConfigHistory | None = None,
        drift_reports: DriftReportStore | DriftAlertStore | None = None,
    ) -> None:
        self._given: dict[str, Any] = {k: v for k, v in locals().items() if k != "self" and v is not None}
        self._cfg: Settings | None = None
        self._clock: Clock | None = None

    def bind(self, cfg: Settings, clock: Clock) -> Ports:
        """The settings and market clock the production adapters are built with (the container's)."""
        self._cfg, self._clock = cfg, clock
        return self

    @property
    def cfg(self) -> Settings:
        assert self._cfg is not None, "Ports.bind(cfg, clock) first (Container does)"
        return self._cfg

    @property
    def clock(self) -> Clock:
        assert self._clock is not None, "Ports.bind(cfg, clock) first (Container does)"
        return self._clock

    def given(self, name: str) -> Any | None:
        """The override handed in for `name` (market, exchanges: the container builds their defaults)."""
        return self._given.get(name)

    def _pick(self, name: str, default: Callable[[], Any]) -> Any:
        return self._given[name] if name in self._given else default()

    @cached_property
    def bots(self) -> BotRepository:
        from chalicelib.adapters.dynamo.bots import DynamoBotRepository

        return self._pick("bots", DynamoBotRepository)  # type: ignore[no-any-return]

    @cached_property
    def states(self) -> BotStateStore:
        from chalicelib.adapters.dynamo.bots import DynamoBotStateStore

        return self._pick("states", DynamoBotStateStore)  # type: ignore[no-any-return]

    @cached_property
    def trades(self) -> TradeRepository:
        from chalicelib.adapters.dynamo.bots import DynamoTradeRepository

        return self._pick("trades", DynamoTradeRepository)  # type: ignore[no-any-return]

    @cached_property
    def bot_orders(self) -> BotOrderStore:
        from chalicelib.adapters.dynamo.bot_orders import DynamoBotOrderStore

        return self._pick("bot_orders", DynamoBotOrderStore)  # type: ignore[no-any-return]

    @cached_property
    def config_history(self) -> ConfigHistory:
        from chalicelib.adapters.dynamo.config_history import DynamoConfigHistory

        return self._pick("config_history", DynamoConfigHistory)  # type: ignore[no-any-return]

    @cached_property
    def tick_reader(self) -> TickReader:
        from chalicelib.adapters.dynamo.bots import DynamoTickReader

        return self._pick("tick_reader", DynamoTickReader)  # type: ignore[no-any-return]

    @cached_property
    def candles(self) -> CandleCache:
        from chalicelib.adapters.dynamo.candle_cache import DynamoCandleCache

        return self._pick("candles", lambda: DynamoCandleCache(self.clock))  # type: ignore[no-any-return]

    def queue(self, url: str) -> Any:
        if "queue" in self._given:
            return self._given["queue"](url)
        from chalicelib.adapters.sqs_queue import SqsQueue

        return SqsQueue(url)

    @cached_property
    def claims(self) -> DispatchClaims:
        from chalicelib.adapters.dynamo.claims import DynamoClaims

        return self._pick("claims", lambda: DynamoClaims(self.clock))  # type: ignore[no-any-return]

    @cached_property
    def api_keys(self) -> ApiKeyRepository:
        from chalicelib.adapters.dynamo.api_keys import DynamoApiKeyRepository

        return self._pick("api_keys", DynamoApiKeyRepository)  # type: ignore[no-any-return]

    @cached_property
    def key_audit(self) -> KeyAuditLog:
        from chalicelib.adapters.dynamo.key_audit import DynamoKeyAuditLog

        return self._pick("key_audit", DynamoKeyAuditLog)  # type: ignore[no-any-return]

    @cached_property
    def quota_ledger(self) -> QuotaLedger:
        from chalicelib.adapters.dynamo.quotas import DynamoQuotaLedger

        return self._pick("quota_ledger", DynamoQuotaLedger)  # type: ignore[no-any-return]

    @cached_property
    def backtests(self) -> BacktestStore:
        from chalicelib.adapters.dynamo.backtests import DynamoBacktestStore

        return self._pick("backtests", DynamoBacktestStore)  # type: ignore[no-any-return]

    @cached_property
    def optimizations(self) -> OptimizationStore:
        from chalicelib.adapters.dynamo.optimizations import DynamoOptimizationStore

        return self._pick("optimizations", DynamoOptimizationStore)  # type: ignore[no-any-return]

    @cached_property
    def drift_reports(self) -> Any:
        """The drift reports, the drift-alert setting and the daily claims: one table, one adapter (both ports)."""
        from chalicelib.adapters.dynamo.drift_reports import DynamoDriftReports

        return self._pick("drift_reports", lambda: DynamoDriftReports(self.results))

    @cached_property
    def results(self) -> ResultStore:
        from chalicelib.adapters.s3_results import S3ResultStore

        return self._pick("results", lambda: S3ResultStore(self.cfg.artifacts_bucket))  # type: ignore[no-any-return]

    @cached_property
    def blobs(self) -> BlobEraser:
        from chalicelib.adapters.s3_results import S3ResultStore

        return self._pick("blobs", lambda: S3ResultStore(self.cfg.artifacts_bucket))  # type: ignore[no-any-return]

    @cached_property
    def eraser(self) -> AccountEraser:
        from chalicelib.adapters.dynamo.account import DynamoAccountEraser
        from chalicelib.services.quotas import QUOTAS

        cfg = self.cfg
        return self._pick(  # type: ignore[no-any-return]
            "eraser",
            lambda: DynamoAccountEraser(
                quota_names=list(QUOTAS), egress_id=cfg.egress_id, password_window_s=cfg.login_window_s
            ),
        )
