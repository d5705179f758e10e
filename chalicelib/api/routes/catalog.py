"""/strategies and /market: what a trader picks from."""

from __future__ import annotations

from typing import Any, Literal

from chalice.app import Blueprint
from pydantic import Field

from chalicelib.api.routing import Ctx, endpoint
from chalicelib.api.validation import ApiModel, StrictModel
from chalicelib.bootstrap import container

bp = Blueprint(__name__)


class StrategyOut(ApiModel):
    id: str
    name: str
    description: str
    params_schema: dict[str, Any]


class StrategyListOut(ApiModel):
    items: list[StrategyOut]


class SymbolOut(ApiModel):
    symbol: str
    status: str
    base_asset: str
    quote_asset: str
    min_notional: str
    min_qty: str
    step_size: str
    tick_size: str


class SymbolListOut(ApiModel):
    items: list[SymbolOut]


class CandleQuery(StrictModel):
    symbol: str = Field(pattern=r"^[A-Za-z0-9]{2,20}$")
    interval: Literal["1m", "5m", "15m", "1h", "4h", "1d"] = "1m"
    limit: int = Field(default=300, ge=1, le=1000)


class CandleOut(ApiModel):
    open_time: int
    open: str
    high: str
    low: str
    close: str
    volume: str


class CandleListOut(ApiModel):
    items: list[CandleOut]


@endpoint(
    bp,
    "/strategies",
    "GET",
    summary="The strategy catalog with parameter schemas",
    tags=("strategies",),
    response=StrategyListOut,
    auth=False,
)
def strategies(ctx: Ctx) -> StrategyListOut:
    # The registry imports every strategy: loaded by the request that lists them, not by the API's cold start.
    from chalicelib.domain.strategies import list_strategies

    return StrategyListOut(items=[StrategyOut(**s) for s in list_strategies()])


@endpoint(
    bp, "/market/symbols", "GET", summary="Tradable symbols and their filters", tags=("market",), response=SymbolListOut
)
def symbols(ctx: Ctx) -> SymbolListOut:
    catalog = container().symbol_catalog
    items = []
    for name in catalog.symbols():
        r = catalog.symbol_rules(name)
        items.append(
            SymbolOut(
                symbol=r.symbol,
                status=r.status,
                base_asset=r.base_asset,
                quote_asset=r.quote_asset,
                min_notional=str(r.notional.min_notional if r.notional else 0),
                min_qty=str(r.lot_size.min_qty),
                step_size=str(r.lot_size.step_size),
                tick_size=str(r.price_filter.tick_size),
            )
        )
    return SymbolListOut(items=items)


@endpoint(
    bp,
    "/market/candles",
    "GET",
    summary="Closed candles of a symbol",
    tags=("market",),
    query=CandleQuery,
    response=CandleListOut,
    errors=(404, 429, 503),
)
def candles(ctx: Ctx, query: CandleQuery) -> CandleListOut:
    symbol = query.symbol.upper()
    container().symbol_catalog.symbol_rules(symbol)
    rows = container().candle_view.closed(ctx.user_id, symbol, query.interval, query.limit)
    return CandleListOut(
        items=[
            CandleOut(
                open_time=c.open_time,
                open=str(c.open),
                high=str(c.high),
                low=str(c.low),
                close=str(c.close),
                volume=str(c.volume),
            )
            for c in rows
        ]
    )
