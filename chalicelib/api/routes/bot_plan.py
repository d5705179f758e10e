"""/bots/plan: what a bot would do before it is created (the create form's preview). The same computation
refuses an unworkable bot at creation (`services/bot_plans.py`, `domain/plan.py`)."""

from __future__ import annotations

from typing import Literal

from chalice.app import Blueprint
from pydantic import ConfigDict, Field

from chalicelib.api.routing import Ctx, endpoint
from chalicelib.api.schemas.bots import _ID, BUDGET_PATTERN, Interval, RiskIn
from chalicelib.api.validation import ApiModel, StrictModel
from chalicelib.bootstrap import container

bp = Blueprint(__name__)


class BotPlanIn(StrictModel):
    """The create form's fields that decide the plan (name and interval are accepted and ignored)."""

    model_config = ConfigDict(extra="forbid", regex_engine="python-re")  # BUDGET_PATTERN has a look-ahead

    name: str | None = Field(default=None, max_length=80)
    strategy: str = Field(min_length=1, max_length=40)
    params: dict[str, object] = Field(default_factory=dict)
    symbol: str = Field(pattern=r"^[A-Za-z0-9]{2,20}$")
    interval: Interval | None = None
    mode: Literal["paper", "live"] = "paper"
    api_key_id: str | None = Field(default=None, pattern=_ID)
    budget: str = Field(pattern=BUDGET_PATTERN, description="Quote amount as a decimal string (0 < budget < 1e12)")
    risk: RiskIn = Field(default_factory=RiskIn)


class PlannedOrderOut(ApiModel):
    leg: str = Field(description="base, safety_<k>, grid_buy_<k> or entry")
    side: str
    price: str = Field(description="Where the order is planned: current price, safety trigger or grid level")
    quote: str = Field(description="Quote the order spends, fee included")
    quantity: str = Field(description="Base quantity it buys at that price, before rounding to the lot step")
    value: str = Field(description="The order value the exchange checks against the minimum notional")
    note: str


class PlanProblemOut(ApiModel):
    field: str
    code: str
    message: str = Field(description="What is wrong and how to fix it")


class BotPlanOut(ApiModel):
    strategy: str
    symbol: str
    quote_asset: str
    price: str | None = Field(description="The symbol's current price (last closed 1m candle), null if unknown")
    budget: str
    investment: str = Field(description="Quote the whole plan may spend")
    min_order_quote: str = Field(description="The smallest quote one buy may spend on this symbol, fees included")
    levels: list[str] = Field(description="Grid levels, lowest first (empty for other strategies)")
    orders: list[PlannedOrderOut]
    problems: list[PlanProblemOut] = Field(description="Why a bot created with these inputs would be refused")
    ok: bool


@endpoint(
    bp,
    "/bots/plan",
    "POST",
    summary="The plan of a bot before creating it: orders, investment, problems",
    tags=("bots",),
    body=BotPlanIn,
    response=BotPlanOut,
    errors=(429,),
)
def plan_bot(ctx: Ctx, body: BotPlanIn) -> BotPlanOut:
    data = body.model_dump()
    data["risk"] = body.risk.as_dict()
    plan = container().bot_planner.plan(ctx.user_id, data)
    return BotPlanOut.model_validate(plan.to_dict())
