"""/users/me: the signed-in account."""

from __future__ import annotations

from chalice.app import Blueprint, Response

from chalicelib.api.routes.auth import cookie_client, session_response, user_agent
from chalicelib.api.routing import Ctx, endpoint
from chalicelib.api.schemas.auth import ChangePasswordIn, PasswordChangedOut, SettingsIn, UserOut, WebhookOut
from chalicelib.bootstrap import container
from chalicelib.domain.clock import iso_utc
from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.users import User

bp = Blueprint(__name__)

_LOOKUP_TIMEOUT_S = 2.0


def user_out(user: User) -> UserOut:
    return UserOut(
        id=user.id,
        email=user.email,
        created_at=iso_utc(user.created_at_ms),
        email_verified=user.email_verified,
        mfa_enabled=user.mfa_enabled,
        webhook_url=user.webhook_url,
        webhook_allows_http=container().webhook_policy.allow_http,
    )


def _check_webhook(url: str | None) -> str | None:
    """The outbound policy of chalicelib/adapters/webhooks.py, applied when the URL is saved (and again at
    every send). A name that does not resolve yet is accepted: the send-time check judges what it resolves
    to then, as it must anyway (DNS answers change)."""
    from chalicelib.adapters.webhooks import HostDoesNotResolve, UnsafeWebhookUrl, WebhookFailed

    if not url or not url.strip():
        return None
    url = url.strip()
    try:
        container().webhook_policy.check(url, timeout_s=_LOOKUP_TIMEOUT_S)
    except HostDoesNotResolve:
        pass
    except UnsafeWebhookUrl as exc:
        raise InvalidInput(
            exc.reason, code="invalid_webhook_url", details=[{"field": "webhook_url", "message": exc.reason}]
        ) from None
    except WebhookFailed:
        pass  # the lookup timed out: the send-time check decides
    return url


def _webhook_out(user: User) -> WebhookOut:
    return WebhookOut(webhook_url=user.webhook_url, webhook_secret=user.webhook_secret if user.webhook_url else None)


@endpoint(bp, "/users/me", "GET", summary="The signed-in user", tags=("users",), response=UserOut)
def get_me(ctx: Ctx) -> UserOut:
    return user_out(container().auth.get_user(ctx.user_id))


@endpoint(
    bp,
    "/users/me",
    "PATCH",
    summary="Change the password (ends other sessions; a fresh two-factor code when it is on)",
    tags=("users",),
    body=ChangePasswordIn,
    response=PasswordChangedOut,
    errors=(403, 422, 429),
)
def change_password(ctx: Ctx, body: ChangePasswordIn) -> Response:
    auth = container().auth
    user = auth.change_password(ctx.user_id, body.current_password, body.new_password, body.mfa_code)
    session = auth.new_session(user.id, user_agent(ctx))
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


@endpoint(
    bp,
    "/users/me/webhook",
    "GET",
    summary="The webhook URL and its signing secret",
    tags=("users",),
    response=WebhookOut,
)
def get_webhook(ctx: Ctx) -> WebhookOut:
    return _webhook_out(container().auth.get_user(ctx.user_id))


@endpoint(
    bp,
    "/users/me/webhook/secret",
    "POST",
    summary="Rotate the webhook signing secret (the old one stops signing at once)",
    tags=("users",),
    response=WebhookOut,
    errors=(409,),
)
def rotate_webhook_secret(ctx: Ctx) -> WebhookOut:
    return _webhook_out(container().auth.rotate_webhook_secret(ctx.user_id))
