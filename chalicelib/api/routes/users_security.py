"""/users/me/mfa (two-factor sign-in) and /users/me/sessions (signed-in devices) of the signed-in account.
Everything is keyed by the caller's own user id: another user's session answers 404 like a missing one."""

from __future__ import annotations

from chalice.app import Blueprint, Response

from chalicelib.api.http import json_response
from chalicelib.api.routing import Ctx, endpoint
from chalicelib.api.schemas.auth_mfa import (
    CodeIn,
    DisableIn,
    EnrolIn,
    EnrolOut,
    MfaStatusOut,
    RecoveryCodesOut,
    SessionListOut,
    SessionOut,
)
from chalicelib.bootstrap import container
from chalicelib.domain.clock import iso_utc

bp = Blueprint(__name__)
TAGS = ("users",)
_NO_STORE = {"Cache-Control": "no-store"}


@endpoint(bp, "/users/me/mfa", "GET", summary="Whether two-factor sign-in is on", tags=TAGS, response=MfaStatusOut)
def mfa_status(ctx: Ctx) -> MfaStatusOut:
    status = container().mfa.status(ctx.user_id)
    return MfaStatusOut(enabled=status.enabled, pending=status.pending, recovery_codes_left=status.recovery_codes_left)


@endpoint(
    bp,
    "/users/me/mfa",
    "POST",
    summary="Start two-factor enrolment (needs the current password): the TOTP secret and its otpauth URI, once",
    tags=TAGS,
    body=EnrolIn,
    response=EnrolOut,
    status=201,
    errors=(409, 422, 429),
)
def enrol_mfa(ctx: Ctx, body: EnrolIn) -> Response:
    enrolment = container().mfa.enrol(ctx.user_id, body.password)
    out = EnrolOut(secret=enrolment.secret, otpauth_uri=enrolment.otpauth_uri, qr_svg=enrolment.qr_svg)
    return json_response(out.model_dump(mode="json"), 201, _NO_STORE)


@endpoint(
    bp,
    "/users/me/mfa/confirm",
    "POST",
    summary="Turn two-factor sign-in on with a first code; returns ten single-use recovery codes, once",
    tags=TAGS,
    body=CodeIn,
    response=RecoveryCodesOut,
    errors=(409, 422, 429),
)
def confirm_mfa(ctx: Ctx, body: CodeIn) -> Response:
    codes = container().mfa.confirm(ctx.user_id, body.code)
    return json_response(RecoveryCodesOut(recovery_codes=codes).model_dump(), 200, _NO_STORE)


@endpoint(
    bp,
    "/users/me/mfa",
    "DELETE",
    summary="Turn two-factor sign-in off (needs a fresh code or a recovery code)",
    tags=TAGS,
    body=DisableIn,
    status=204,
    errors=(409, 422, 429),
)
def disable_mfa(ctx: Ctx, body: DisableIn) -> None:
    container().mfa.disable(ctx.user_id, body.code, body.recovery_code)


@endpoint(
    bp,
    "/users/me/sessions",
    "GET",
    summary="The signed-in devices: when each session started, was last used, and its user agent",
    tags=TAGS,
    response=SessionListOut,
)
def list_sessions(ctx: Ctx) -> SessionListOut:
    return SessionListOut(
        items=[
            SessionOut(
                id=s.id,
                created_at=iso_utc(s.started_ms),
                last_used_at=iso_utc(s.last_used_ms),
                expires_at=iso_utc(s.expires_at_ms),
                user_agent=s.user_agent,
            )
            for s in container().auth.list_sessions(ctx.user_id)
        ]
    )


@endpoint(
    bp,
    "/users/me/sessions/{session_id}",
    "DELETE",
    summary="Sign one session out (its refresh token stops working at once)",
    tags=TAGS,
    status=204,
)
def revoke_session(ctx: Ctx, session_id: str) -> None:
    container().auth.revoke_session(ctx.user_id, session_id)
