"""/bots: lifecycle and a bot's trades. Every lookup is by (caller's user id, bot id): another user's bot
answers 404, exactly like a bot that does not exist."""

from __future__ import annotations

from chalice.app import Blueprint

from chalicelib.api.routes.trades import trade_page
from chalicelib.api.routing import Ctx, endpoint
from chalicelib.api.schemas.bots import (
    BotIn,
    BotListOut,
    BotOut,
    BotPatch,
    BotStateOut,
    StartIn,
    StopIn,
    TradePageOut,
    TradeQuery,
)
from chalicelib.bootstrap import container
from chalicelib.domain.bots import BotConfig, BotState, BotStatus, next_tick_at
from chalicelib.domain.clock import iso_utc

bp = Blueprint(__name__)
TAGS = ("bots",)


def bot_out(config: BotConfig, state: BotState, now_ms: int | None = None) -> BotOut:
    now = container().clock.now_ms() if now_ms is None else now_ms
    due = next_tick_at(config.interval, now, state.last_tick_at) if config.status is BotStatus.RUNNING else None
    return BotOut(
        id=config.id,
        name=config.name,
        strategy=config.strategy,
        params=config.params,
        symbol=config.symbol,
        interval=config.interval,
        mode=config.mode.value,
        api_key_id=config.api_key_id,
        budget=str(config.budget),
        risk=config.risk,
        status=config.status.value,
        status_reason=config.status_reason,
        created_at=iso_utc(config.created_at_ms),
        updated_at=iso_utc(config.updated_at_ms),
        state=BotStateOut(
            in_position=state.in_position,
            entry_price=None if state.entry_price is None else str(state.entry_price),
            quantity=str(state.position_qty),
            unrealised_pnl=str(state.unrealised_pnl),
            realised_pnl=str(state.realised_pnl),
            fees_paid=str(state.fees_paid),
            last_price=None if state.last_price is None else str(state.last_price),
            last_tick_at=iso_utc(state.last_tick_at) if state.last_tick_at else None,
            last_error=state.last_error,
            consecutive_failures=state.consecutive_failures,
            trades_count=state.trades_count,
            cash=None if state.cash is None else str(state.cash),
            dust_quantity=str(state.dust_qty),
        ),
        next_tick_at=None if due is None else iso_utc(due),
    )


def _current(ctx: Ctx, bot_id: str) -> BotOut:
    return bot_out(*container().bots.get(ctx.user_id, bot_id))


@endpoint(
    bp,
    "/bots",
    "POST",
    summary="Create a bot (stopped)",
    tags=TAGS,
    body=BotIn,
    response=BotOut,
    status=201,
    errors=(409,),  # quota_exceeded
)
def create_bot(ctx: Ctx, body: BotIn) -> BotOut:
    data = body.model_dump()
    data["risk"] = body.risk.as_dict()
    config = container().bots.create(ctx.user_id, data)
    return _current(ctx, config.id)


@endpoint(bp, "/bots", "GET", summary="The caller's bots with their state", tags=TAGS, response=BotListOut)
def list_bots(ctx: Ctx) -> BotListOut:
    now = container().clock.now_ms()
    return BotListOut(items=[bot_out(c, s, now) for c, s in container().bots.list_for(ctx.user_id)])


@endpoint(bp, "/bots/{bot_id}", "GET", summary="One bot: config and live state", tags=TAGS, response=BotOut)
def get_bot(ctx: Ctx, bot_id: str) -> BotOut:
    return _current(ctx, bot_id)


@endpoint(
    bp,
    "/bots/{bot_id}",
    "PATCH",
    summary="Edit a bot (name, risk, budget while running)",
    tags=TAGS,
    body=BotPatch,
    response=BotOut,
    errors=(409,),
)
def update_bot(ctx: Ctx, bot_id: str, body: BotPatch) -> BotOut:
    changes = body.model_dump(exclude_unset=True)
    if body.risk is not None:
        changes["risk"] = body.risk.as_dict()
    container().bots.update(ctx.user_id, bot_id, changes)
    return _current(ctx, bot_id)


@endpoint(
    bp,
    "/bots/{bot_id}",
    "DELETE",
    summary="Delete a stopped bot (409 open_orders while it has orders on the exchange: stop with cancel_orders)",
    tags=TAGS,
    status=204,
    errors=(409,),
)
def delete_bot(ctx: Ctx, bot_id: str) -> None:
    container().bots.delete(ctx.user_id, bot_id)


@endpoint(
    bp,
    "/bots/{bot_id}/start",
    "POST",
    summary="Start trading (a live bot needs a fresh two-factor code when it is on)",
    tags=TAGS,
    body=StartIn,
    body_required=False,
    response=BotOut,
    errors=(403, 409, 429),
)
def start_bot(ctx: Ctx, bot_id: str, body: StartIn) -> BotOut:
    container().bots.change_status(ctx.user_id, bot_id, "start", mfa_code=body.mfa_code)
    return _current(ctx, bot_id)


@endpoint(
    bp,
    "/bots/{bot_id}/stop",
    "POST",
    summary="Stop; cancel the open orders and close the position, cancel and keep it, or leave the orders resting",
    tags=TAGS,
    body=StopIn,
    body_required=False,
    response=BotOut,
    errors=(409, 422, 503),
)
def stop_bot(ctx: Ctx, bot_id: str, body: StopIn) -> BotOut:
    cancel = body.close_position if body.cancel_orders is None else body.cancel_orders
    container().bot_control.stop(ctx.user_id, bot_id, close_position=body.close_position, cancel_orders=cancel)
    return _current(ctx, bot_id)


@endpoint(
    bp,
    "/bots/{bot_id}/pause",
    "POST",
    summary="Pause ticking, keep the position",
    tags=TAGS,
    response=BotOut,
    errors=(409,),
)
def pause_bot(ctx: Ctx, bot_id: str) -> BotOut:
    container().bots.change_status(ctx.user_id, bot_id, "pause")
    return _current(ctx, bot_id)


@endpoint(bp, "/bots/{bot_id}/resume", "POST", summary="Resume a paused bot", tags=TAGS, response=BotOut, errors=(409,))
def resume_bot(ctx: Ctx, bot_id: str) -> BotOut:
    container().bots.change_status(ctx.user_id, bot_id, "resume")
    return _current(ctx, bot_id)


@endpoint(
    bp,
    "/bots/{bot_id}/trades",
    "GET",
    summary="A bot's trades, newest first",
    tags=TAGS,
    query=TradeQuery,
    response=TradePageOut,
)
def bot_trades(ctx: Ctx, bot_id: str, query: TradeQuery) -> TradePageOut:
    container().bots.get(ctx.user_id, bot_id)
    query.bot_id = bot_id
    return trade_page(ctx, query)
