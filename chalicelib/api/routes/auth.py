"""/auth: register, login, refresh, logout, sign out everywhere; e-mail verification and password reset by
single-use links (registration, "resend" and "forgot password" answer the same whether the address has an
account or not). Browsers get the refresh token as an
httpOnly cookie scoped to /api/v1/auth and say so with `X-Session-Transport: cookie`: then the token is
never in the JSON body, where a script could read it. API clients use the JSON body. Both are accepted."""

from __future__ import annotations

from chalice.app import Blueprint, Response

from chalicelib.api.http import json_response
from chalicelib.api.routing import API_PREFIX, Ctx, endpoint
from chalicelib.api.schemas.auth import (
    EmailIn,
    EmailVerifiedOut,
    LoginIn,
    MailSentOut,
    RefreshIn,
    RegisterIn,
    ResetPasswordIn,
    TokenIn,
    TokenOut,
)
from chalicelib.api.schemas.auth_mfa import LoginMfaIn, LoginOut
from chalicelib.bootstrap import container
from chalicelib.domain.errors import Unauthorized
from chalicelib.services.auth import MfaChallenge, Session

bp = Blueprint(__name__)
_COOKIE = "refresh_token"
_COOKIE_PATH = f"{API_PREFIX}/auth"


def _cookie(value: str, max_age: int) -> str:
    secure = "" if container().settings.local_mode else "; Secure"
    return f"{_COOKIE}={value}; Max-Age={max_age}; Path={_COOKIE_PATH}; HttpOnly; SameSite=Strict{secure}"


TRANSPORT_HEADER = "X-Session-Transport"


def cookie_client(ctx: Ctx) -> bool:
    return (ctx.header(TRANSPORT_HEADER) or "").strip().lower() == "cookie"


def session_response(
    session: Session, status: int = 200, extra: dict[str, object] | None = None, *, cookie_only: bool = False
) -> Response:
    body: dict[str, object] = {
        **(extra or {}),
        "access_token": session.access_token,
        "token_type": "bearer",
        "expires_in": session.expires_in,
    }
    if not cookie_only:
        body["refresh_token"] = session.refresh_token
    return json_response(body, status, {"Set-Cookie": _cookie(session.refresh_token, session.refresh_expires_in)})


def user_agent(ctx: Ctx) -> str:
    return ctx.header("user-agent") or ""


def _refresh_token(ctx: Ctx, body: RefreshIn) -> str:
    token = body.refresh_token or ctx.cookie(_COOKIE)
    if not token:
        raise Unauthorized("Send a refresh_token in the body or the refresh cookie.", code="missing_refresh_token")
    return token


_CHECK_INBOX = "If the address can receive it, an e-mail is on its way; open the link in it."


@endpoint(
    bp,
    "/auth/register",
    "POST",
    summary="Create an account; a verification link is e-mailed (the same answer for a known address)",
    tags=("auth",),
    body=RegisterIn,
    response=MailSentOut,
    status=202,
    auth=False,
    errors=(429,),
)
def register(ctx: Ctx, body: RegisterIn) -> MailSentOut:
    container().auth.register(body.email, body.password, ctx.source_ip)
    return MailSentOut(email=body.email, message=_CHECK_INBOX)


@endpoint(
    bp,
    "/auth/verify-email",
    "POST",
    summary="Confirm the e-mail address with the token of the verification link",
    tags=("auth",),
    body=TokenIn,
    response=EmailVerifiedOut,
    auth=False,
    errors=(422,),
)
def verify_email(ctx: Ctx, body: TokenIn) -> EmailVerifiedOut:
    user = container().auth.verify_email(body.token)
    return EmailVerifiedOut(email=user.email, email_verified=user.email_verified)


@endpoint(
    bp,
    "/auth/resend-verification",
    "POST",
    summary="E-mail a new verification link (the same answer for any address; throttled)",
    tags=("auth",),
    body=EmailIn,
    response=MailSentOut,
    status=202,
    auth=False,
    errors=(429,),
)
def resend_verification(ctx: Ctx, body: EmailIn) -> MailSentOut:
    container().auth.resend_verification(body.email, ctx.source_ip)
    return MailSentOut(email=body.email, message=_CHECK_INBOX)


@endpoint(
    bp,
    "/auth/forgot-password",
    "POST",
    summary="E-mail a single-use password-reset link (the same answer for any address; throttled)",
    tags=("auth",),
    body=EmailIn,
    response=MailSentOut,
    status=202,
    auth=False,
    errors=(429,),
)
def forgot_password(ctx: Ctx, body: EmailIn) -> MailSentOut:
    container().auth.forgot_password(body.email, ctx.source_ip)
    return MailSentOut(email=body.email, message=_CHECK_INBOX)


@endpoint(
    bp,
    "/auth/reset-password",
    "POST",
    summary="Set a new password with the reset link's token; ends every session",
    tags=("auth",),
    body=ResetPasswordIn,
    status=204,
    auth=False,
    errors=(422,),
)
def reset_password(ctx: Ctx, body: ResetPasswordIn) -> Response:
    container().auth.reset_password(body.token, body.new_password)
    return Response(body="", status_code=204, headers={"Set-Cookie": _cookie("", 0), "Cache-Control": "no-store"})


@endpoint(
    bp,
    "/auth/login",
    "POST",
    summary="Sign in; returns an access and a refresh token, or `mfa_required` and an `mfa_token` for the code step",
    tags=("auth",),
    body=LoginIn,
    response=LoginOut,
    auth=False,
    errors=(401, 429),
)
def login(ctx: Ctx, body: LoginIn) -> Response:
    result = container().auth.login(body.email, body.password, ctx.source_ip, user_agent(ctx))
    if isinstance(result, MfaChallenge):
        body_out = {"mfa_required": True, "mfa_token": result.mfa_token, "expires_in": result.expires_in}
        return json_response(body_out, 200, {"Cache-Control": "no-store"})
    return session_response(result, cookie_only=cookie_client(ctx))


@endpoint(
    bp,
    "/auth/login/mfa",
    "POST",
    summary="Complete a two-factor sign-in with the mfa_token and a code (or a single-use recovery code)",
    tags=("auth",),
    body=LoginMfaIn,
    response=TokenOut,
    auth=False,
    errors=(401, 429),
)
def login_mfa(ctx: Ctx, body: LoginMfaIn) -> Response:
    mfa = container().mfa
    session = mfa.complete_login(body.mfa_token, body.code, body.recovery_code, user_agent(ctx))
    return session_response(session, cookie_only=cookie_client(ctx))


@endpoint(
    bp,
    "/auth/refresh",
    "POST",
    summary="Rotate the refresh token; returns a new pair",
    tags=("auth",),
    body=RefreshIn,
    body_required=False,
    response=TokenOut,
    auth=False,
    errors=(401,),
)
def refresh(ctx: Ctx, body: RefreshIn) -> Response:
    # A token that came in the cookie goes back only in the cookie.
    from_cookie = not body.refresh_token
    session = container().auth.refresh(_refresh_token(ctx, body), user_agent(ctx))
    return session_response(session, cookie_only=from_cookie or cookie_client(ctx))


@endpoint(
    bp,
    "/auth/logout",
    "POST",
    summary="End the session (revokes the refresh token's family)",
    tags=("auth",),
    body=RefreshIn,
    body_required=False,
    status=204,
    auth=False,
    errors=(401,),
)
def logout(ctx: Ctx, body: RefreshIn) -> Response:
    container().auth.logout(_refresh_token(ctx, body))
    return Response(body="", status_code=204, headers={"Set-Cookie": _cookie("", 0), "Cache-Control": "no-store"})


@endpoint(
    bp,
    "/auth/sign-out-everywhere",
    "POST",
    summary="End every session of the account: all access and refresh tokens issued so far stop working",
    tags=("auth",),
    status=204,
    errors=(401,),
)
def sign_out_everywhere(ctx: Ctx) -> Response:
    container().auth.sign_out_everywhere(ctx.user_id)
    return Response(body="", status_code=204, headers={"Set-Cookie": _cookie("", 0), "Cache-Control": "no-store"})
