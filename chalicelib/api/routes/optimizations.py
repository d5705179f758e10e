"""/optimizations: search a strategy's parameters over historical candles (docs/optimization.md). POST
answers 202 with the job; it runs on the jobs queue and is polled with GET. Every lookup is by (caller's
user id, job id): another user's job answers 404."""

from __future__ import annotations

from typing import Any

from chalice.app import Blueprint, Response

from chalicelib.api.http import json_response
from chalicelib.api.routes.bots import bot_out
from chalicelib.api.routing import API_PREFIX, Ctx, endpoint
from chalicelib.api.schemas.bots import BotOut
from chalicelib.api.schemas.optimizations import (
    MAX_BODY,
    OptimizationIn,
    OptimizationListOut,
    OptimizationOut,
    OptimizationQuery,
    TrialBotIn,
)
from chalicelib.api.validation import RequestError, parse_time
from chalicelib.bootstrap import container

bp = Blueprint(__name__)
TAGS = ("optimizations",)


def _view(user_id: str, job_id: str) -> OptimizationOut:
    from chalicelib.services.optimizations.view import job_view

    service = container().optimizations
    job = service.get(user_id, job_id)
    return OptimizationOut.model_validate(job_view(job, service.trials(job), container().clock.now_ms()))


@endpoint(bp, "/optimizations", "POST", summary="Start a parameter search: 202 with the job", tags=TAGS,
          body=OptimizationIn, max_body=MAX_BODY, response=OptimizationOut, status=202, errors=(409, 503))
def create_optimization(ctx: Ctx, body: OptimizationIn) -> Response:
    data: dict[str, Any] = body.model_dump(exclude={"risk", "start", "end"})
    data["risk"] = body.risk.as_dict()
    data["start_ms"], data["end_ms"] = parse_time(body.start, "start"), parse_time(body.end, "end")
    job = container().optimizations.create(ctx.user_id, data)
    out = _view(ctx.user_id, job.id)
    return json_response(out.model_dump(mode="json"), 202, {"Location": f"{API_PREFIX}/optimizations/{job.id}"})


@endpoint(bp, "/optimizations", "GET", summary="The caller's optimizations, newest first", tags=TAGS,
          query=OptimizationQuery, response=OptimizationListOut)
def list_optimizations(ctx: Ctx, query: OptimizationQuery) -> OptimizationListOut:
    from chalicelib.services.optimizations.view import job_view

    try:
        items, cursor = container().optimizations.page(ctx.user_id, query.cursor, query.limit)
    except (ValueError, TypeError, KeyError):
        raise RequestError(
            422, "validation_error", "The cursor is not valid.", [{"field": "cursor", "message": "invalid"}]
        ) from None
    now = container().clock.now_ms()
    return OptimizationListOut(items=[OptimizationOut.model_validate(job_view(j, None, now)) for j in items],
                               next_cursor=cursor)


@endpoint(bp, "/optimizations/{optimization_id}", "GET", tags=TAGS, response=OptimizationOut,
          summary="One optimization: status, progress (done/total, best so far, ETA), and its result once ended")
def get_optimization(ctx: Ctx, optimization_id: str) -> OptimizationOut:
    return _view(ctx.user_id, optimization_id)


@endpoint(bp, "/optimizations/{optimization_id}", "DELETE", tags=TAGS, response=OptimizationOut,
          summary="Cancel a running optimization: no more trials are dispatched; recorded trials stay")
def cancel_optimization(ctx: Ctx, optimization_id: str) -> OptimizationOut:
    container().optimizations.cancel(ctx.user_id, optimization_id)
    return _view(ctx.user_id, optimization_id)


@endpoint(bp, "/optimizations/{optimization_id}/bots", "POST", tags=TAGS, body=TrialBotIn, response=BotOut,
          status=201, errors=(409,), summary="Create a stopped bot (paper by default) with a trial's parameters")
def create_trial_bot(ctx: Ctx, optimization_id: str, body: TrialBotIn) -> BotOut:
    from chalicelib.services.optimizations.bots import trial_bot

    c = container()
    data = trial_bot(c.optimizations, ctx.user_id, optimization_id, body.model_dump())
    config = c.bots.create(ctx.user_id, data)
    return bot_out(*c.bots.get(ctx.user_id, config.id))
