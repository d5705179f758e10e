"""/api-keys/{key_id}/audit: what was done with one of the caller's exchange keys, newest first."""

from __future__ import annotations

from chalice.app import Blueprint
from pydantic import Field

from chalicelib.api.routing import Ctx, endpoint
from chalicelib.api.validation import ApiModel, RequestError, StrictModel
from chalicelib.bootstrap import container
from chalicelib.domain.clock import iso_utc

bp = Blueprint(__name__)
TAGS = ("api-keys",)


class KeyAuditQuery(StrictModel):
    cursor: str | None = Field(default=None, max_length=256)
    limit: int = Field(default=50, ge=1, le=200)


class KeyUseOut(ApiModel):
    at: str
    action: str = Field(description="key_check, order_placed, order_cancelled, order_lookup or balance_lookup")
    outcome: str = Field(description="ok, or why the exchange refused (invalid_signature, ip_or_permission, ...)")
    bot_id: str | None
    detail: str
    exchange_code: int | None


class KeyAuditPageOut(ApiModel):
    items: list[KeyUseOut]
    next_cursor: str | None


@endpoint(
    bp,
    "/api-keys/{key_id}/audit",
    "GET",
    summary="Every use of one of the caller's API keys, newest first (kept 90 days)",
    tags=TAGS,
    query=KeyAuditQuery,
    response=KeyAuditPageOut,
)
def key_audit(ctx: Ctx, key_id: str, query: KeyAuditQuery) -> KeyAuditPageOut:
    try:
        uses, cursor = container().key_audit.page(ctx.user_id, key_id, query.limit, query.cursor)
    except ValueError:
        raise RequestError(
            422, "validation_error", "The cursor is not valid.", [{"field": "cursor", "message": "invalid"}]
        ) from None
    items = [
        KeyUseOut(
            at=iso_utc(u.at_ms),
            action=u.action,
            outcome=u.outcome,
            bot_id=u.bot_id,
            detail=u.detail,
            exchange_code=u.exchange_code,
        )
        for u in uses
    ]
    return KeyAuditPageOut(items=items, next_cursor=cursor)
