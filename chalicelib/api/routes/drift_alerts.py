"""/account/drift-alerts: the caller's daily drift alert (docs/drift.md, "Daily alert"): on or off, and the
threshold in bps of each bot's budget that |unexplained| or |slippage| must pass. The caller's own setting only."""

from __future__ import annotations

from chalice.app import Blueprint
from pydantic import Field

from chalicelib.api.routing import Ctx, endpoint
from chalicelib.api.validation import ApiModel, StrictModel
from chalicelib.bootstrap import container

bp = Blueprint(__name__)
TAGS = ("users",)


class DriftAlertsIn(StrictModel):
    enabled: bool
    threshold_bps: int = Field(ge=1, le=10_000, description="Basis points of the bot's budget (50 = 0.5 %)")


class DriftAlertsOut(ApiModel):
    enabled: bool
    threshold_bps: int


@endpoint(
    bp,
    "/account/drift-alerts",
    "GET",
    summary="The daily drift alert's setting (default: on, 50 bps)",
    tags=TAGS,
    response=DriftAlertsOut,
)
def get_drift_alerts(ctx: Ctx) -> DriftAlertsOut:
    s = container().drift_alerts.setting(ctx.user_id)
    return DriftAlertsOut(enabled=s.enabled, threshold_bps=s.threshold_bps)


@endpoint(
    bp,
    "/account/drift-alerts",
    "PUT",
    summary="Set the daily drift alert: on or off and its threshold",
    tags=TAGS,
    body=DriftAlertsIn,
    response=DriftAlertsOut,
    errors=(422,),
)
def put_drift_alerts(ctx: Ctx, body: DriftAlertsIn) -> DriftAlertsOut:
    from chalicelib.services.ports.drift_reports import AlertSetting

    s = container().drift_alerts.set_setting(ctx.user_id, AlertSetting(body.enabled, body.threshold_bps))
    return DriftAlertsOut(enabled=s.enabled, threshold_bps=s.threshold_bps)
