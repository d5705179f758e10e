"""DELETE /users/me and POST /users/me/export: erasure and portability, both confirmed with the password."""

from __future__ import annotations

from chalice.app import Blueprint, Response

from chalicelib.api.http import error_response
from chalicelib.api.routing import Ctx, endpoint
from chalicelib.api.schemas.account import DeleteAccountIn, DeletionOut, ExportIn, PositionLeftOut
from chalicelib.bootstrap import container
from chalicelib.observability import logger

bp = Blueprint(__name__)
TAGS = ("users",)
ZIP = "application/zip"


def _accepts_zip(ctx: Ctx) -> bool:
    accept = (ctx.header("accept") or "").lower()
    return any(part.split(";")[0].strip() in (ZIP, "application/*", "*/*") for part in accept.split(","))


@endpoint(
    bp,
    "/users/me/export",
    "POST",
    summary="Export everything of the account as a zip of JSON and CSV files (needs the current password)",
    tags=TAGS,
    body=ExportIn,
    response_content_type=ZIP,
    errors=(403, 406, 413, 422, 429),
)
def export_account(ctx: Ctx, body: ExportIn) -> Response:
    if not _accepts_zip(ctx):
        return error_response(
            406, "not_acceptable", "The export is a zip archive: send `Accept: application/zip`.", None
        )
    data = container().account.export(ctx.user_id, body.password)
    return Response(
        body=data,
        status_code=200,
        headers={
            "Content-Type": ZIP,
            "Content-Disposition": 'attachment; filename="tradebot-export.zip"',
            "Cache-Control": "no-store",
        },
    )


@endpoint(
    bp,
    "/users/me",
    "DELETE",
    summary='Delete the account and its data (needs the current password and confirm: "DELETE")',
    tags=TAGS,
    body=DeleteAccountIn,
    response=DeletionOut,
    errors=(403, 422, 429),
)
def delete_account(ctx: Ctx, body: DeleteAccountIn) -> DeletionOut:
    account = container().account
    try:
        done = account.delete_account(ctx.user_id, body.password, body.confirm, source_ip=ctx.source_ip)
    except Exception:
        if account.pending(ctx.user_id):
            # Marked but not purged: sign-in already fails; `python -m chalicelib.cli purge-account` finishes.
            logger.error("account purge incomplete", extra={"user_id": ctx.user_id})
        raise
    return DeletionOut(
        bots_deleted=done.bots_deleted,
        positions_left=[PositionLeftOut(**p) for p in done.positions_left],
        api_keys_deleted=done.api_keys_deleted,
        backtests_deleted=done.backtests_deleted,
        notifications_deleted=done.notifications_deleted,
        trades_deleted=done.trades_deleted,
        trades_retained=done.trades_retained,
        trades_retained_until=done.trades_retained_until,
    )
