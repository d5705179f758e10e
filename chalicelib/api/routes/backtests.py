"""/backtests: run a strategy over historical candles (a date range of the market source, or an uploaded
kline CSV). Small jobs answer 201 with the result; large ones answer 202 `queued` and are polled with GET.
Every lookup is by (caller's user id, backtest id): another user's backtest answers 404."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalice.app import Blueprint, Response

from chalicelib.api.http import json_response
from chalicelib.api.routing import API_PREFIX, Ctx, endpoint
from chalicelib.api.schemas.backtests import (
    MAX_BODY,
    BacktestIn,
    BacktestListItemOut,
    BacktestListOut,
    BacktestOut,
    BacktestQuery,
    BacktestResultOut,
    BacktestSummaryResultOut,
)
from chalicelib.api.validation import RequestError, parse_time
from chalicelib.bootstrap import container
from chalicelib.domain.clock import iso_utc

if TYPE_CHECKING:  # the backtest service brings the strategy engine and numpy: imported when a request needs it
    from chalicelib.services.backtests import Backtest

bp = Blueprint(__name__)
TAGS = ("backtests",)


def _base(b: Backtest) -> dict[str, Any]:
    return {
        "id": b.id,
        "status": b.status,
        "progress": b.progress,
        "error": b.error,
        "strategy": b.strategy,
        "symbol": b.symbol,
        "interval": b.interval,
        "source": b.source,
        "bars": b.bars,
        "created_at": iso_utc(b.created_at_ms),
        "updated_at": iso_utc(b.updated_at_ms),
        "metrics": b.metrics,
        "params": b.params,
        "risk": b.risk,
        "start": None if b.start_ms is None else iso_utc(b.start_ms),
        "end": None if b.end_ms is None else iso_utc(b.end_ms),
        "fee": b.fee,
        "slippage": b.slippage,
        "cash": b.cash,
    }


def backtest_out(b: Backtest, result: dict[str, Any] | None) -> BacktestOut:
    from chalicelib.services.backtests import MAX_TRADES_OUT

    shown = None
    if result is not None:
        trades = result["trades"]
        shown = BacktestResultOut.model_validate(
            {
                "trades": trades[-MAX_TRADES_OUT:],
                "trades_total": len(trades),
                "metrics": result["metrics"],
                "equity": result.get("equity", []),
                "benchmark": result.get("benchmark"),
                "open_position": result.get("open_position"),
                "candles": result.get("candles", []),
                "signals": result.get("signals"),
                "plots": result.get("plots", []),
            }
        )
    return BacktestOut.model_validate(
        {
            **_base(b),
            "result": shown,
        }
    )


@endpoint(
    bp,
    "/backtests",
    "POST",
    summary="Run a backtest: 201 with the result, or 202 queued for a large job",
    tags=TAGS,
    body=BacktestIn,
    max_body=MAX_BODY,
    response=BacktestOut,
    status=201,
    errors=(409, 429, 503),
    other_responses={202: BacktestOut},
)
def create_backtest(ctx: Ctx, body: BacktestIn) -> BacktestOut | Response:
    from chalicelib.services.backtests import BacktestRequest

    created = container().backtests.create(
        ctx.user_id,
        BacktestRequest(
            strategy=body.strategy,
            params=body.params,
            risk=body.risk.as_dict(),
            symbol=body.symbol,
            interval=body.interval,
            start_ms=parse_time(body.start, "start"),
            end_ms=parse_time(body.end, "end"),
            csv=body.csv,
            signals=body.signals if isinstance(body.signals, str | None) else [s.model_dump() for s in body.signals],
            fee=body.fee,
            slippage=body.slippage,
            cash=body.cash,
        ),
    )
    out = backtest_out(created.backtest, created.result)
    if created.result is None:
        location = f"{API_PREFIX}/backtests/{created.backtest.id}"
        return json_response(out.model_dump(mode="json"), 202, {"Location": location})
    return out


@endpoint(
    bp,
    "/backtests",
    "GET",
    summary="The caller's backtests, newest first (metrics only)",
    tags=TAGS,
    query=BacktestQuery,
    response=BacktestListOut,
)
def list_backtests(ctx: Ctx, query: BacktestQuery) -> BacktestListOut:
    try:
        items, cursor = container().backtests.page(ctx.user_id, query.cursor, query.limit)
    except (ValueError, TypeError, KeyError):
        raise RequestError(
            422, "validation_error", "The cursor is not valid.", [{"field": "cursor", "message": "invalid"}]
        ) from None
    return BacktestListOut(
        items=[
            BacktestListItemOut.model_validate(
                {
                    **_base(b),
                    "result": BacktestSummaryResultOut.model_validate({"metrics": b.metrics}) if b.metrics else None,
                }
            )
            for b in items
        ],
        next_cursor=cursor,
    )


@endpoint(
    bp,
    "/backtests/{backtest_id}",
    "GET",
    summary="One backtest: status and progress, and the result when done",
    tags=TAGS,
    response=BacktestOut,
)
def get_backtest(ctx: Ctx, backtest_id: str) -> BacktestOut:
    service = container().backtests
    found = service.get(ctx.user_id, backtest_id)
    return backtest_out(found, service.result(found))


@endpoint(bp, "/backtests/{backtest_id}", "DELETE", summary="Delete a backtest and its result", tags=TAGS, status=204)
def delete_backtest(ctx: Ctx, backtest_id: str) -> None:
    container().backtests.delete(ctx.user_id, backtest_id)
