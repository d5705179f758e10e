"""/notifications: the in-app feed."""

from __future__ import annotations

from chalice.app import Blueprint

from chalicelib.api.routing import Ctx, endpoint
from chalicelib.api.schemas.bots import CountOut, NotificationOut, NotificationPageOut, NotificationQuery
from chalicelib.api.validation import RequestError
from chalicelib.bootstrap import container
from chalicelib.domain.clock import iso_utc

bp = Blueprint(__name__)
TAGS = ("notifications",)


@endpoint(
    bp,
    "/notifications",
    "GET",
    summary="The caller's notifications, newest first",
    tags=TAGS,
    query=NotificationQuery,
    response=NotificationPageOut,
)
def list_notifications(ctx: Ctx, query: NotificationQuery) -> NotificationPageOut:
    service = container().notifications
    try:
        items, cursor = service.page(ctx.user_id, query.cursor, query.limit, query.unread_only)
    except (ValueError, TypeError, KeyError):
        raise RequestError(
            422, "validation_error", "The cursor is not valid.", [{"field": "cursor", "message": "invalid"}]
        ) from None
    unread = len(service.page(ctx.user_id, None, 200, True)[0])
    return NotificationPageOut(
        items=[
            NotificationOut(
                id=n.id,
                kind=n.kind,
                message=n.message,
                bot_id=n.bot_id,
                created_at=iso_utc(n.created_at_ms),
                read=n.read,
                data=n.data,
            )
            for n in items
        ],
        next_cursor=cursor,
        unread=unread,
    )


@endpoint(
    bp, "/notifications/{notification_id}/read", "POST", summary="Mark one notification read", tags=TAGS, status=204
)
def mark_read(ctx: Ctx, notification_id: str) -> None:
    container().notifications.mark_read(ctx.user_id, notification_id)


@endpoint(bp, "/notifications/read-all", "POST", summary="Mark every notification read", tags=TAGS, response=CountOut)
def mark_all_read(ctx: Ctx) -> CountOut:
    return CountOut(updated=container().notifications.mark_all_read(ctx.user_id))
