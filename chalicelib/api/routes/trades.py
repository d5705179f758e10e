"""/trades, /trades/export.csv and /dashboard."""

from __future__ import annotations

from chalice.app import Blueprint, Response

from chalicelib.api.routing import Ctx, endpoint
from chalicelib.api.schemas.bots import DashboardOut, TradeOut, TradePageOut, TradeQuery
from chalicelib.api.validation import RequestError, parse_time
from chalicelib.bootstrap import container
from chalicelib.domain.trades import TradeFilter
from chalicelib.services.trades import trade_dict

bp = Blueprint(__name__)


def parse_filter(query: TradeQuery) -> TradeFilter:
    return TradeFilter(
        bot_id=query.bot_id,
        symbol=query.symbol.upper() if query.symbol else None,
        side=query.side.upper() if query.side else None,
        start_ms=parse_time(query.start, "start"),
        end_ms=parse_time(query.end, "end"),
    )


def trade_page(ctx: Ctx, query: TradeQuery) -> TradePageOut:
    try:
        items, cursor = container().trades.page(ctx.user_id, parse_filter(query), query.cursor, query.limit)
    except (ValueError, TypeError, KeyError):
        raise RequestError(
            422, "validation_error", "The cursor is not valid.", [{"field": "cursor", "message": "invalid"}]
        ) from None
    return TradePageOut(items=[TradeOut(**trade_dict(t)) for t in items], next_cursor=cursor)


@endpoint(
    bp,
    "/trades",
    "GET",
    summary="The caller's trades, filtered, newest first",
    tags=("trades",),
    query=TradeQuery,
    response=TradePageOut,
)
def list_trades(ctx: Ctx, query: TradeQuery) -> TradePageOut:
    return trade_page(ctx, query)


@endpoint(
    bp,
    "/trades/export.csv",
    "GET",
    summary="The same trades as CSV",
    tags=("trades",),
    query=TradeQuery,
    response_content_type="text/csv",
)
def export_trades(ctx: Ctx, query: TradeQuery) -> Response:
    body = container().trades.export_csv(ctx.user_id, parse_filter(query))
    return Response(
        body=body,
        status_code=200,
        headers={
            "Content-Type": "text/csv",
            "Content-Disposition": 'attachment; filename="trades.csv"',
            "Cache-Control": "no-store",
        },
    )


@endpoint(
    bp,
    "/dashboard",
    "GET",
    summary="Totals: equity, PnL, positions, bots, latest trades",
    tags=("dashboard",),
    response=DashboardOut,
)
def dashboard(ctx: Ctx) -> DashboardOut:
    return DashboardOut(**container().trades.dashboard(ctx.user_id))
