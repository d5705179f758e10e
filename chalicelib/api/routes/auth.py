"""/auth: register, login, refresh, logout. Browsers get the refresh token as an httpOnly cookie scoped
to /api/v1/auth; API clients use the JSON body. Both are accepted."""

from __future__ import annotations

from chalice.app import Blueprint, Response

from chalicelib.api.http import json_response
from chalicelib.api.routing import API_PREFIX, Ctx, endpoint
from chalicelib.api.schemas.auth import LoginIn, RefreshIn, RegisteredOut, RegisterIn, TokenOut
from chalicelib.bootstrap import container
from chalicelib.domain.errors import Unauthorized
from chalicelib.services.auth import Session

bp = Blueprint(__name__)
_COOKIE = "refresh_token"
_COOKIE_PATH = f"{API_PREFIX}/auth"


def _cookie(value: str, max_age: int) -> str:
    secure = "" if container().settings.local_mode else "; Secure"
    return f"{_COOKIE}={value}; Max-Age={max_age}; Path={_COOKIE_PATH}; HttpOnly; SameSite=Strict{secure}"


def session_response(session: Session, status: int = 200, extra: dict[str, object] | None = None) -> Response:
    body = {
        **(extra or {}),
        "access_token": session.access_token,
        "refresh_token": session.refresh_token,
        "token_type": "bearer",
        "expires_in": session.expires_in,
    }
    return json_response(body, status, {"Set-Cookie": _cookie(session.refresh_token, session.refresh_expires_in)})


def _refresh_token(ctx: Ctx, body: RefreshIn) -> str:
    token = body.refresh_token or ctx.cookie(_COOKIE)
    if not token:
        raise Unauthorized("Send a refresh_token in the body or the refresh cookie.", code="missing_refresh_token")
    return token


@endpoint(
    bp,
    "/auth/register",
    "POST",
    summary="Create an account",
    tags=("auth",),
    body=RegisterIn,
    response=RegisteredOut,
    status=201,
    auth=False,
    errors=(409,),
)
def register(ctx: Ctx, body: RegisterIn) -> RegisteredOut:
    user = container().auth.register(body.email, body.password)
    return RegisteredOut(id=user.id, email=user.email)


@endpoint(
    bp,
    "/auth/login",
    "POST",
    summary="Sign in; returns an access and a refresh token",
    tags=("auth",),
    body=LoginIn,
    response=TokenOut,
    auth=False,
    errors=(401, 429),
)
def login(ctx: Ctx, body: LoginIn) -> Response:
    return session_response(container().auth.login(body.email, body.password, ctx.source_ip))


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
    return session_response(container().auth.refresh(_refresh_token(ctx, body)))


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
