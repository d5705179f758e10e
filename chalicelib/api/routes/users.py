"""/users/me: the signed-in account."""

from __future__ import annotations

from urllib.parse import urlparse

from chalice.app import Blueprint, Response

from chalicelib.api.routes.auth import cookie_client, session_response
from chalicelib.api.routing import Ctx, endpoint
from chalicelib.api.schemas.auth import ChangePasswordIn, PasswordChangedOut, SettingsIn, UserOut
from chalicelib.bootstrap import container
from chalicelib.domain.clock import iso_utc
from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.users import User

bp = Blueprint(__name__)


def user_out(user: User) -> UserOut:
    return UserOut(id=user.id, email=user.email, created_at=iso_utc(user.created_at_ms), webhook_url=user.webhook_url)


def _check_webhook(url: str | None) -> str | None:
    if not url:
        return None
    parsed = urlparse(url)
    allowed = ("https",) if not container().settings.local_mode else ("https", "http")
    if parsed.scheme not in allowed or not parsed.netloc:
        raise InvalidInput(
            "The webhook URL must be an https:// URL.",
            code="invalid_webhook_url",
            details=[{"field": "webhook_url", "message": "must be an absolute https URL"}],
        )
    return url


@endpoint(bp, "/users/me", "GET", summary="The signed-in user", tags=("users",), response=UserOut)
def get_me(ctx: Ctx) -> UserOut:
    return user_out(container().auth.get_user(ctx.user_id))


@endpoint(
    bp,
    "/users/me",
    "PATCH",
    summary="Change the password (ends other sessions)",
    tags=("users",),
    body=ChangePasswordIn,
    response=PasswordChangedOut,
    errors=(422, 429),
)
def change_password(ctx: Ctx, body: ChangePasswordIn) -> Response:
    auth = container().auth
    user = auth.change_password(ctx.user_id, body.current_password, body.new_password)
    session = auth.new_session(user.id)
    return session_response(session, extra=user_out(user).model_dump(mode="json"), cookie_only=cookie_client(ctx))


@endpoint(
    bp,
    "/users/me/settings",
    "PATCH",
    summary="Update settings (webhook URL)",
    tags=("users",),
    body=SettingsIn,
    response=UserOut,
)
def update_settings(ctx: Ctx, body: SettingsIn) -> UserOut:
    user = container().auth.set_webhook(ctx.user_id, _check_webhook(body.webhook_url))
    out = user_out(user)
    out.webhook_secret = user.webhook_secret
    return out
