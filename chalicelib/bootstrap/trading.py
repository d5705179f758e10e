"""Builders of the trading side: quotas, bots and their lifecycle, the tick, the dispatcher, trades, the key
re-check and backtests. Each takes the container it builds for; its adapters come from `container.ports`."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from chalicelib.bootstrap.container import Container
    from chalicelib.services.backtests import BacktestService
    from chalicelib.services.bots import BotService
    from chalicelib.services.dispatch import Dispatcher
    from chalicelib.services.key_recheck import KeyRecheck
    from chalicelib.services.quotas import Quotas
    from chalicelib.services.signals import SignalService
    from chalicelib.services.tick import TickService
    from chalicelib.services.trades import TradeService


def quotas(c: Container) -> Quotas:
    """Per-user limits from the stage's TRADEBOT_QUOTA_* settings (chalicelib/services/quotas.py). Each
    quota's truth is the real records, recounted only when its ledger refuses or does not exist yet."""
    from chalicelib.domain.bots import BotStatus
    from chalicelib.services.backtests import active_ids, stored_ids
    from chalicelib.services.quotas import Limits, Quotas

    bots, keys, backtests = c.ports.bots, c.ports.api_keys, c.ports.backtests
    return Quotas(
        c.ports.quota_ledger,
        Limits.from_settings(c.settings.extra),
        {
            "bots": lambda user: {b.id for b in bots.list_for(user)},
            "running_bots": lambda user: {b.id for b in bots.list_for(user) if b.status is BotStatus.RUNNING},
            "api_keys": lambda user: {k.key_id for k in keys.list(user)},
            "stored_backtests": lambda user: stored_ids(backtests, user, c.clock.now_ms()),
            "active_backtests": lambda user: active_ids(backtests, user, c.clock.now_ms()),
        },
        c.clock,
    )


def notifier(c: Container) -> object:
    from chalicelib.adapters.sqs_queue import SqsNotifier

    return SqsNotifier(c.queue(c.settings.notify_queue_url), c.clock)


def key_recheck(c: Container) -> KeyRecheck:
    from chalicelib.services.key_recheck import KeyRecheck

    return KeyRecheck(
        keys=c.ports.api_keys,
        check=c.key_audit.audited_check(c.api_keys.recheck),
        pause_bots_using=c.bots.pause_using_key,
        notifier=notifier(c),  # type: ignore[arg-type]
    )


def bots(c: Container) -> BotService:
    from chalicelib.services.bot_history import RecordingBotService

    return RecordingBotService(
        history=c.ports.config_history,
        bots=c.ports.bots,
        states=c.ports.states,
        exchanges=c.exchanges,
        clock=c.clock,
        shards=c.settings.schedule_shards,
        key_exists=lambda user_id, key_id: any(k.id == key_id for k in c.api_keys.list(user_id)),
        quotas=c.quotas,
        planner=c.bot_planner,
        step_up=c.require_fresh_code,
        orders=c.ports.bot_orders,
    )


def ticks(c: Container) -> TickService:
    from chalicelib.services.tick import TickService

    return TickService(
        reader=c.ports.tick_reader,
        states=c.ports.states,
        exchanges=c.exchanges,
        market=c.market,
        candles=c.ports.candles,
        notifier=notifier(c),  # type: ignore[arg-type]
        status=c.bots,
        clock=c.clock,
        max_failures=int(c.settings.extra.get("TRADEBOT_MAX_TICK_FAILURES", "5")),
        # The local runtime writes every tick (0) so its UI shows each one; a stage writes quiet ticks at most
        # every 15 minutes (docs/cost.md).
        heartbeat_ms=int(c.settings.extra.get("TRADEBOT_TICK_HEARTBEAT_S", "900")) * 1000,
        orders=c.ports.bot_orders,
    )


def dispatcher(c: Container) -> Dispatcher:
    from chalicelib.services.dispatch import Dispatcher

    return Dispatcher(
        index=c.ports.bots,
        queue=c.queue(c.settings.tick_queue_url),
        claims=c.ports.claims,
        shards=c.settings.schedule_shards,
    )


def trades(c: Container) -> TradeService:
    from chalicelib.services.trades import TradeService

    return TradeService(
        trades=c.ports.trades, bots=c.ports.bots, states=c.ports.states, clock=c.clock, catalog=c.symbol_catalog
    )


def backtests(c: Container) -> BacktestService:
    from chalicelib.services.backtests import BacktestService

    extra = c.settings.extra
    return BacktestService(
        store=c.ports.backtests,
        results=c.ports.results,
        queue=c.queue(c.settings.jobs_queue_url),
        market=c.market,
        market_for=c.user_market,
        clock=c.clock,
        sync_bars=int(extra.get("TRADEBOT_BACKTEST_SYNC_BARS", "20000")),
        max_bars=int(extra.get("TRADEBOT_BACKTEST_MAX_BARS", "200000")),
        quotas=c.quotas,
    )


def signals(c: Container) -> SignalService:
    """The signal webhook's side: record, claim once, queue; the worker applies them through the tick."""
    from chalicelib.adapters.dynamo.signals import DynamoSignalStore
    from chalicelib.adapters.kms_cipher import KmsCipher
    from chalicelib.services.signal_auth import SignalAuthenticator
    from chalicelib.services.signals import Limits, SignalService

    cfg, extra = c.settings, c.settings.extra
    store = DynamoSignalStore(c.clock)
    cipher = KmsCipher(cfg.kms_key_id, region=cfg.region, endpoint_url=cfg.aws_endpoint_url)
    return SignalService(
        store=store,
        bots=c.ports.bots,
        queue=c.queue(c.settings.tick_queue_url),
        notifier=notifier(c),  # type: ignore[arg-type]
        clock=c.clock,
        apply=lambda config, record, mark: c.ticks.run_signal(config, record, mark),
        # Signatures carry the sender's wall-clock time: checked against wall time, whatever the market clock.
        auth=SignalAuthenticator(store, cipher, c.wall_clock),
        limits=Limits(
            per_bot_per_minute=int(extra.get("TRADEBOT_SIGNALS_PER_BOT_MINUTE", "30")),
            per_user_per_minute=int(extra.get("TRADEBOT_SIGNALS_PER_USER_MINUTE", "120")),
        ),
    )
