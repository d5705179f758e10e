"""/bots/{id}/orders: the orders a bot keeps resting on the exchange, as the platform last saw them. Another
user's bot answers 404 like one that does not exist, and a cursor only pages the bot it came from."""

from __future__ import annotations

from chalice.app import Blueprint

from chalicelib.api.routing import Ctx, endpoint
from chalicelib.api.schemas.bot_orders import BotOrderOut, BotOrderPageOut, BotOrderQuery
from chalicelib.api.validation import RequestError
from chalicelib.bootstrap import container
from chalicelib.domain.clock import iso_utc
from chalicelib.services.ports.bot_orders import BotOrderRecord

bp = Blueprint(__name__)


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def order_out(r: BotOrderRecord) -> BotOrderOut:
    return BotOrderOut(
        client_order_id=r.client_order_id, type=r.type.value, side=r.side.value, price=_text(r.price),
        stop_price=_text(r.stop_price), quantity=str(r.quantity), filled_quantity=str(r.filled_quantity),
        average_price=_text(r.average_price), status=r.status.value, purpose=r.purpose.value, key=r.key,
        order_list_id=r.order_list_id, created_at=iso_utc(r.created_at), updated_at=iso_utc(r.updated_at),
    )  # fmt: skip


@endpoint(
    bp,
    "/bots/{bot_id}/orders",
    "GET",
    summary="A bot's orders on the exchange (open ones by default), newest first",
    tags=("bots",),
    query=BotOrderQuery,
    response=BotOrderPageOut,
)
def list_bot_orders(ctx: Ctx, bot_id: str, query: BotOrderQuery) -> BotOrderPageOut:
    try:
        page = container().bot_orders.page(
            ctx.user_id, bot_id, open_only=query.status == "open", limit=query.limit, cursor=query.cursor
        )
    except (ValueError, TypeError, KeyError, AttributeError):
        raise RequestError(
            422, "validation_error", "The cursor is not valid.", [{"field": "cursor", "message": "invalid"}]
        ) from None
    return BotOrderPageOut(items=[order_out(r) for r in page.items], next_cursor=page.next_cursor)
