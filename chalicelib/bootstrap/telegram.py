"""Builders of the Telegram side: the Bot API client (base URL from TRADEBOT_TELEGRAM_API_URL, the platform's
bot token from Secrets Manager, TRADEBOT_TELEGRAM_TOKEN_SECRET default `<app>/<stage>/telegram-bot-token`),
the link/webhook service and the alert channel of the notification worker."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from chalicelib.bootstrap.container import Container
    from chalicelib.services.daily_summary import DailySummaries
    from chalicelib.services.ports.daily_summary import SummarySchedule
    from chalicelib.services.ports.telegram import TelegramApi, TelegramStore
    from chalicelib.services.telegram import TelegramService
    from chalicelib.services.telegram_alerts import TelegramAlerts


def bot_token(c: Container) -> Callable[[], str]:
    from chalicelib.adapters.jwt_tokens import secret_from_secrets_manager

    cfg = c.settings
    name = cfg.extra.get("TRADEBOT_TELEGRAM_TOKEN_SECRET", f"{cfg.app_name}/{cfg.stage}/telegram-bot-token")
    return secret_from_secrets_manager(name)


def store(c: Container) -> TelegramStore:
    from chalicelib.adapters.dynamo.telegram import DynamoTelegramStore

    return DynamoTelegramStore()


def api(c: Container) -> TelegramApi:
    from chalicelib.adapters.telegram import DEFAULT_API_URL, UrllibTelegramApi

    extra = c.settings.extra
    return UrllibTelegramApi(
        extra.get("TRADEBOT_TELEGRAM_API_URL", DEFAULT_API_URL),
        bot_token(c),
        timeout_s=float(extra.get("TRADEBOT_TELEGRAM_TIMEOUT_S", "5")),
    )


def service(c: Container) -> TelegramService:
    from chalicelib.services.telegram import TelegramService
    from chalicelib.services.telegram_commands import TelegramCommands

    client = api(c)
    commands = TelegramCommands(
        api=client,
        bots=c.bots,
        trades=c.trades,
        stop=lambda user_id, bot_id: c.bot_control.stop(user_id, bot_id, close_position=False),
        clock=c.clock,
    )
    return TelegramService(
        store=store(c),
        api=client,
        commands=commands,
        bot_token=bot_token(c),
        bot_name=c.settings.extra.get("TRADEBOT_TELEGRAM_BOT_NAME", "tradebot_alerts_bot"),
        clock=c.wall_clock,
        schedule=summary_schedule(c),
    )


def summary_schedule(c: Container) -> SummarySchedule:
    from chalicelib.adapters.dynamo.daily_summary import DynamoSummarySchedule

    return DynamoSummarySchedule()


def daily_summaries(c: Container) -> DailySummaries:
    """The daily summary at each user's time, run by the schedule beside the tick dispatch (workers.dispatch)."""
    from chalicelib.bootstrap.trading import notifier
    from chalicelib.services.daily_summary import DailySummaries

    return DailySummaries(
        schedule=summary_schedule(c),
        bots=c.ports.bots,
        states=c.ports.states,
        trades=c.ports.trades,
        notifier=notifier(c),  # type: ignore[arg-type]
    )


def alerts(c: Container) -> TelegramAlerts:
    from chalicelib.services.telegram_alerts import TelegramAlerts

    return TelegramAlerts(
        store=store(c),
        api=api(c),
        clock=c.wall_clock,
        sleep=time.sleep,
        max_wait_s=float(c.settings.extra.get("TRADEBOT_TELEGRAM_MAX_WAIT_S", "10")),
    )
