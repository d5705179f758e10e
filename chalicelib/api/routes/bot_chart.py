"""/bots/{id}/chart: what the bot page draws over its candles to show the strategy at work (the indicator
series the strategy declares, grid levels, the DCA cycle's safety orders). Looked up by (caller, bot id)
like every bot route: another user's bot is a 404."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalice.app import Blueprint
from pydantic import Field

from chalicelib.api.routing import Ctx, endpoint
from chalicelib.api.validation import ApiModel, StrictModel
from chalicelib.bootstrap import container

if TYPE_CHECKING:  # the strategy engine loads on the first chart request, not at the API's cold start
    from chalicelib.domain.bot_chart import BotChart

bp = Blueprint(__name__)


class ChartQuery(StrictModel):
    limit: int = Field(default=300, ge=1, le=1000)


class PointOut(ApiModel):
    time: int = Field(description="Candle open time (Unix ms)")
    value: float


class PlotOut(ApiModel):
    name: str
    pane: str = Field(description="price (over the candles) or oscillator (a pane of its own)")
    points: list[PointOut]


class SafetyOrderOut(ApiModel):
    leg: str
    price: float
    quote: float
    filled: bool


class BotChartOut(ApiModel):
    plots: list[PlotOut]
    levels: list[float] = Field(description="Grid levels, lowest first (empty for other strategies)")
    held_cells: list[int] = Field(description="Grid cells holding a lot, by the index of their lower level")
    dca_base_price: float | None = Field(description="The DCA cycle's base entry, or the last close when flat")
    dca_in_cycle: bool
    safety_orders: list[SafetyOrderOut]


def chart_out(chart: BotChart) -> BotChartOut:
    return BotChartOut(
        plots=[
            PlotOut(name=p.name, pane=p.pane, points=[PointOut(time=t, value=v) for t, v in p.points])
            for p in chart.plots
        ],
        levels=list(chart.levels),
        held_cells=list(chart.held_cells),
        dca_base_price=chart.dca_base_price,
        dca_in_cycle=chart.dca_in_cycle,
        safety_orders=[
            SafetyOrderOut(leg=s.leg, price=s.price, quote=s.quote, filled=s.filled) for s in chart.safety_orders
        ],
    )


@endpoint(
    bp,
    "/bots/{bot_id}/chart",
    "GET",
    summary="The strategy at work: indicator series, grid levels, DCA safety orders",
    tags=("bots",),
    query=ChartQuery,
    response=BotChartOut,
    errors=(404, 429, 503),
)
def get_bot_chart(ctx: Ctx, bot_id: str, query: ChartQuery) -> BotChartOut:
    config, state = container().bots.get(ctx.user_id, bot_id)
    candles = container().candle_view.closed(ctx.user_id, config.symbol, config.interval, query.limit)
    from chalicelib.domain.bot_chart import bot_chart

    return chart_out(bot_chart(config.strategy, config.params, state.engine, candles))
