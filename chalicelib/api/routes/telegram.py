"""/telegram: link a Telegram chat (a one-time deep link), unlink it, choose the channels of each event, and
the webhook Telegram calls (checked by its X-Telegram-Bot-Api-Secret-Token header, compared in constant time)."""

from __future__ import annotations

from typing import Any

from chalice.app import Blueprint
from pydantic import ConfigDict, Field

from chalicelib.api.routing import Ctx, endpoint
from chalicelib.api.validation import ApiModel, StrictModel
from chalicelib.bootstrap import container
from chalicelib.domain.clock import iso_utc

bp = Blueprint(__name__)
TAGS = ("telegram",)
Channel = str


class TelegramLinkOut(ApiModel):
    url: str = Field(description="t.me deep link; open it in Telegram and press Start (one use, 10 minutes)")
    expires_at: str


class TelegramSettingsOut(ApiModel):
    linked: bool
    bot_name: str
    channels: dict[str, list[str]] = Field(description="event kind -> channels: in_app, webhook, telegram")
    daily_summary_time: str | None = Field(description="HH:MM (UTC) of the daily summary, or null: none")


class ChannelsIn(StrictModel):
    channels: dict[str, list[Channel]] = Field(max_length=20)


class DailySummaryIn(StrictModel):
    daily_summary_time: str | None = Field(
        max_length=5, description="HH:MM (UTC, 00:00-23:59) for a daily summary of your bots, or null for none"
    )


class TelegramUpdateIn(ApiModel):
    """A Telegram Update (https://core.telegram.org/bots/api#update); only messages and callback queries
    are acted on, everything else is acknowledged and ignored."""

    model_config = ConfigDict(extra="allow")
    update_id: int
    message: dict[str, Any] | None = None
    callback_query: dict[str, Any] | None = None


class OkOut(ApiModel):
    ok: bool = True


@endpoint(bp, "/telegram", "GET", summary="Telegram link state and channel choices", tags=TAGS,
          response=TelegramSettingsOut)  # fmt: skip
def telegram_settings(ctx: Ctx) -> TelegramSettingsOut:
    return TelegramSettingsOut(**container().telegram.settings(ctx.user_id))


@endpoint(bp, "/telegram/link", "POST", summary="A one-time deep link to link a Telegram chat", tags=TAGS,
          response=TelegramLinkOut, status=201)  # fmt: skip
def telegram_link(ctx: Ctx) -> TelegramLinkOut:
    url, expires_ms = container().telegram.link_url(ctx.user_id)
    return TelegramLinkOut(url=url, expires_at=iso_utc(expires_ms))


@endpoint(bp, "/telegram/link", "DELETE", summary="Unlink the Telegram chat", tags=TAGS, status=204)
def telegram_unlink(ctx: Ctx) -> None:
    container().telegram.unlink(ctx.user_id)


@endpoint(bp, "/telegram/channels", "PUT", summary="Choose the channels of each event", tags=TAGS,
          body=ChannelsIn, response=TelegramSettingsOut)  # fmt: skip
def telegram_channels(ctx: Ctx, body: ChannelsIn) -> TelegramSettingsOut:
    return TelegramSettingsOut(**container().telegram.set_channels(ctx.user_id, body.channels))


@endpoint(bp, "/telegram/daily-summary", "PUT", summary="Choose the time of the daily summary (or none)",
          tags=TAGS, body=DailySummaryIn, response=TelegramSettingsOut)  # fmt: skip
def telegram_daily_summary(ctx: Ctx, body: DailySummaryIn) -> TelegramSettingsOut:
    return TelegramSettingsOut(**container().telegram.set_daily_summary(ctx.user_id, body.daily_summary_time))


@endpoint(bp, "/telegram/webhook", "POST", summary="Telegram's webhook (secret-token header)", tags=TAGS,
          auth=False, body=TelegramUpdateIn, response=OkOut, errors=(401,))  # fmt: skip
def telegram_webhook(ctx: Ctx, body: TelegramUpdateIn) -> OkOut:
    service = container().telegram
    service.check_secret(ctx.header("X-Telegram-Bot-Api-Secret-Token"))
    service.handle(body.model_dump(exclude_none=True))
    return OkOut()
