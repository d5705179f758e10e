"""/bots/{id}/drift: the bot's live trades against a replay of its configuration over the same candles, each
difference attributed (docs/drift.md). Looked up by (caller, bot id): another user's bot is a 404."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from chalice.app import Blueprint, Response
from pydantic import Field

from chalicelib.api.http import json_response
from chalicelib.api.routing import Ctx, endpoint
from chalicelib.api.validation import ApiModel, StrictModel
from chalicelib.bootstrap import container

if TYPE_CHECKING:  # the engine loads on the first drift request, not at the API's cold start
    from chalicelib.domain.drift.model import Pair, Report, SideFill, Unmatched

bp = Blueprint(__name__)
MAX_MS = 4_102_444_800_000  # 2100-01-01


class DriftQuery(StrictModel):
    from_: int | None = Field(default=None, alias="from", ge=0, le=MAX_MS, description="Unix ms; default: last start")
    to: int | None = Field(default=None, ge=0, le=MAX_MS, description="Unix ms; default: now")


class SummaryOut(ApiModel):
    live_pnl: str
    backtest_pnl: str
    slippage: str
    fees: str
    quantity: str = Field(description="Matched pairs' quantity differences (rounding, dust, cash carried)")
    timing: str
    rejections: str
    config: str
    unexplained: str


class FillOut(ApiModel):
    id: str
    side: str
    leg: str | None
    tick_at: int | None
    executed_at: int
    price: str
    quantity: str
    fee: str
    fee_asset: str
    fee_rate: str
    reason: str


class PairOut(ApiModel):
    kind: str = Field(
        description="tick: same tick and leg; bar: a resting order's fill on the same bar; late: same side, a later bar"
    )
    live: FillOut
    backtest: FillOut
    time_ms: int
    slippage_bps: str
    fee_diff: str
    fee_rate_diff: str
    quantity_diff: str
    amounts: dict[str, str]


class UnmatchedOut(ApiModel):
    side: str = Field(description="live or backtest: the side that has the fill")
    fill: FillOut
    reason: str
    detail: str
    amount: str


class EquityOut(ApiModel):
    t: int = Field(description="Unix ms of a bar close in the period")
    live: float = Field(description="Live equity (cash + held x close), quote")
    backtest: float = Field(description="The replay's equity from the same starting cash, quote")


class DriftOut(ApiModel):
    summary: SummaryOut
    pairs: list[PairOut]
    unmatched: list[UnmatchedOut]
    source: str = Field(description="Where the replay's candles came from")
    equity: list[EquityOut] = Field(description="Both equity curves, at most 500 bar closes")


class DriftPendingOut(ApiModel):
    status: str = Field(description="pending: the report is being computed by the jobs worker")
    report_id: str
    retry_after_ms: int = Field(description="Ask the same URL again after this long")


def _s(x: Decimal) -> str:
    return format(x.quantize(Decimal("1e-8")).normalize(), "f")


def _fill(f: SideFill) -> FillOut:
    return FillOut(id=f.id, side=f.side, leg=f.leg, tick_at=f.tick_at, executed_at=f.executed_at_ms, price=_s(f.price),
                   quantity=_s(f.quantity), fee=_s(f.fee), fee_asset=f.fee_asset, fee_rate=_s(f.fee_rate),
                   reason=f.reason)  # fmt: skip


def _pair(p: Pair) -> PairOut:
    return PairOut(kind=p.kind, live=_fill(p.live), backtest=_fill(p.backtest), time_ms=p.time_ms,
                   slippage_bps=_s(p.slippage_bps), fee_diff=_s(p.fee_diff), fee_rate_diff=_s(p.fee_rate_diff),
                   quantity_diff=_s(p.quantity_diff),
                   amounts={k.value: _s(v) for k, v in p.amounts.items()})  # fmt: skip


def _unmatched(u: Unmatched) -> UnmatchedOut:
    return UnmatchedOut(side=u.side, fill=_fill(u.fill), reason=u.why.value, detail=u.detail, amount=_s(u.amount))


def drift_out(r: Report, source: str) -> DriftOut:
    buckets = {k.value: _s(v) for k, v in r.buckets.items()}
    summary = SummaryOut(live_pnl=_s(r.live_pnl), backtest_pnl=_s(r.backtest_pnl), **buckets)
    return DriftOut(summary=summary, pairs=[_pair(p) for p in r.pairs],
                    unmatched=[_unmatched(u) for u in r.unmatched], source=source,
                    equity=[EquityOut(t=e.t, live=float(_s(e.live)), backtest=float(_s(e.backtest)))
                            for e in r.equity])  # fmt: skip


@endpoint(
    bp,
    "/bots/{bot_id}/drift",
    "GET",
    summary="Live versus backtest: the bot's trades against a replay over the same candles, each gap explained "
    "(a long period answers 202 while the jobs worker computes it: ask the same URL again)",
    tags=("bots",),
    query=DriftQuery,
    response=DriftOut,
    other_responses={202: DriftPendingOut},
    errors=(404, 422, 429, 503),
)
def get_bot_drift(ctx: Ctx, bot_id: str, query: DriftQuery) -> Response | dict[str, Any]:
    from chalicelib.services.drift_jobs import Pending

    answer = container().drift_jobs.get(ctx.user_id, bot_id, query.from_, query.to)
    if isinstance(answer, Pending):
        retry_s = str(max(1, -(-answer.retry_after_ms // 1000)))
        return json_response(answer.body(), 202, {"Retry-After": retry_s, "Cache-Control": "no-store"})
    return answer
