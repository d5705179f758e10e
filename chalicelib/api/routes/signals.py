"""Signal bots: the public webhook (no JWT: the token in the URL, or the secret in the body, is the
credential), the secret's creation/rotation and the signal log.

The webhook answers from its own handler rather than the shared middleware's: the path carries the secret,
and nothing on this route may log the path, a header or the body."""

from __future__ import annotations

from chalice.app import Blueprint, Response

from chalicelib.api import openapi
from chalicelib.api.http import domain_error_response, error_response, json_response
from chalicelib.api.routing import API_PREFIX, Ctx, endpoint
from chalicelib.api.schemas.signals import (
    SignalIn,
    SignalOut,
    SignalPageOut,
    SignalQuery,
    SignalReceiptOut,
    SignalSecretOut,
)
from chalicelib.api.validation import RequestError
from chalicelib.bootstrap import container
from chalicelib.domain.errors import DomainError, InvalidInput
from chalicelib.observability import logger
from chalicelib.services.ports.signals import SignalRecord
from chalicelib.services.signal_auth import Signature

bp = Blueprint(__name__)
TAGS = ("signals",)
# TradingView posts application/json when the alert message is valid JSON, text/plain otherwise.
CONTENT_TYPES = ["application/json", "text/plain", "application/x-www-form-urlencoded", "application/octet-stream"]
_BAD_REQUEST_CODES = {"malformed_json", "invalid_encoding"}
_WEBHOOK = API_PREFIX + "/signals/{token}"

openapi.register(
    openapi.Operation(
        method="POST",
        path=_WEBHOOK,
        summary="Send a signal to a signal bot (TradingView alert or script); JSON or plain text body",
        tags=TAGS,
        operation_id="send_signal",
        body=SignalIn,
        query=None,
        response=SignalReceiptOut,
        status=202,
        auth=False,
        errors=(200, 400, 401, 409, 413, 422, 429, 503),
        other_responses={200: SignalReceiptOut},  # a duplicate: recorded, nothing queued
        headers=(
            (
                "X-Signature",
                "Hex HMAC-SHA256 of `<X-Signature-Timestamp>.<body>` keyed by the secret; the URL then "
                "carries the token id only (docs/signals.md)",
            ),
            ("X-Signature-Timestamp", "Unix seconds; within 5 minutes of the server's clock"),
        ),
    )
)


@bp.route("/signals/{token}", methods=["POST"], content_types=CONTENT_TYPES)
def send_signal(token: str) -> Response:
    request = bp.current_request
    raw = request.raw_body or b""
    headers = request.headers  # case-insensitive
    signed = None
    if "x-signature" in headers or "x-signature-timestamp" in headers:
        signed = Signature(headers.get("x-signature-timestamp"), headers.get("x-signature"))
    try:
        receipt = container().signals.receive(token, raw if isinstance(raw, bytes) else raw.encode(), signed)
    except InvalidInput as exc:
        if exc.code in _BAD_REQUEST_CODES:
            return error_response(400, exc.code, exc.message, exc.details)
        return domain_error_response(exc)
    except DomainError as exc:
        return domain_error_response(exc)
    except Exception as exc:
        # Not re-raised: the shared handler would log the path, and the path holds the secret.
        logger.error("signal webhook failed", extra={"error": type(exc).__name__})
        return error_response(503, "dependency_unavailable", "The signal could not be recorded; send it again.")
    record = receipt.record
    body = SignalReceiptOut(signal_id=record.signal_id, status=record.status, received_at=record.received_at_ms)
    return json_response(body.model_dump(), 200 if receipt.duplicate else 202)


def webhook_url(ctx: Ctx, token: str) -> str:
    base = container().settings.extra.get("TRADEBOT_PUBLIC_API_URL")
    if not base:
        headers = ctx.request.headers
        # Behind API Gateway / CloudFront the scheme is forwarded; the local runtime serves plain HTTP.
        proto = headers.get("x-forwarded-proto") or ("http" if container().settings.local_mode else "https")
        base = f"{proto}://{headers.get('host') or 'localhost'}"
    return f"{base.rstrip('/')}{API_PREFIX}/signals/{token}"


@endpoint(
    bp,
    "/bots/{bot_id}/signal-secret",
    "POST",
    summary="Create or rotate a signal bot's webhook secret (shown once; the old one stops working)",
    tags=TAGS,
    response=SignalSecretOut,
    status=201,
    errors=(409,),
)
def rotate_signal_secret(ctx: Ctx, bot_id: str) -> SignalSecretOut:
    token = container().signals.rotate_secret(ctx.user_id, bot_id)
    return SignalSecretOut(token=token, url=webhook_url(ctx, token))


def signal_out(r: SignalRecord) -> SignalOut:
    return SignalOut(
        seq=r.seq, signal_id=r.signal_id, action=r.action, symbol=r.symbol, received_at=r.received_at_ms,
        sent_at=r.sent_at_ms, status=r.status, reason=r.reason, message=r.message, order_ids=list(r.order_ids),
    )  # fmt: skip


@endpoint(
    bp,
    "/bots/{bot_id}/signals",
    "GET",
    summary="A bot's signals with their outcomes, newest first",
    tags=TAGS,
    query=SignalQuery,
    response=SignalPageOut,
)
def list_signals(ctx: Ctx, bot_id: str, query: SignalQuery) -> SignalPageOut:
    try:
        items, cursor = container().signals.page(ctx.user_id, bot_id, query.cursor, query.limit)
    except (ValueError, TypeError, KeyError, AttributeError):
        raise RequestError(
            422, "validation_error", "The cursor is not valid.", [{"field": "cursor", "message": "invalid"}]
        ) from None
    return SignalPageOut(items=[signal_out(r) for r in items], next_cursor=cursor)
