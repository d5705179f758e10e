"""Bodies of two-factor sign-in and the sessions page."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from chalicelib.api.validation import ApiModel, RequestError, StrictModel
from chalicelib.domain.mfa import CODE_PATTERN, RECOVERY_PATTERN
from chalicelib.domain.users import MAIL_TOKEN_MAX, PASSWORD_MAX

Code = Annotated[
    str, Field(max_length=16, pattern=CODE_PATTERN, description="A 6-digit code from the authenticator app")
]
RecoveryCode = Annotated[
    str, Field(max_length=40, pattern=RECOVERY_PATTERN, description="One of the recovery codes (single use)")
]
# A field of the sensitive requests (password change, new API key, starting a live bot): required when
# two-factor sign-in is on, or the request fails with 403 `mfa_required`.
MfaCodeField = Annotated[
    Code | None,
    Field(default=None, description="A fresh two-factor code; required when two-factor sign-in is on"),
]


def _one_of(code: str | None, recovery_code: str | None) -> None:
    if bool(code) == bool(recovery_code):
        raise RequestError(
            422,
            "invalid_input",
            "Send either a code or a recovery_code.",
            [{"field": "code", "message": "exactly one of code and recovery_code"}],
        )


class EnrolIn(StrictModel):
    password: str = Field(min_length=1, max_length=PASSWORD_MAX, description="The current password")


class EnrolOut(ApiModel):
    """Shown once: the secret is never returned again (it is stored encrypted)."""

    secret: str = Field(description="The base32 TOTP secret, for typing into an authenticator app")
    otpauth_uri: str
    qr_svg: str = Field(description="The otpauth URI as an SVG QR code (a data: URI for an <img>)")


class CodeIn(StrictModel):
    code: Code


class RecoveryCodesOut(ApiModel):
    """Shown once: only their hashes are stored."""

    recovery_codes: list[str]


class DisableIn(StrictModel):
    code: Code | None = None
    recovery_code: RecoveryCode | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> DisableIn:
        _one_of(self.code, self.recovery_code)
        return self


class LoginMfaIn(StrictModel):
    mfa_token: str = Field(min_length=1, max_length=MAIL_TOKEN_MAX, description="From POST /auth/login")
    code: Code | None = None
    recovery_code: RecoveryCode | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> LoginMfaIn:
        _one_of(self.code, self.recovery_code)
        return self


class MfaStatusOut(ApiModel):
    enabled: bool
    pending: bool = Field(description="Enrolled, waiting for the first code")
    recovery_codes_left: int


class LoginOut(ApiModel):
    """Either a session (tokens), or, when two-factor sign-in is on, `mfa_required` with a short-lived
    `mfa_token` for POST /auth/login/mfa and no token."""

    access_token: str | None = None
    refresh_token: str | None = None
    token_type: Literal["bearer"] | None = None
    expires_in: int = Field(description="Seconds until the access token, or the mfa_token, expires")
    mfa_required: bool = False
    mfa_token: str | None = None


class SessionOut(ApiModel):
    id: str
    created_at: str
    last_used_at: str
    expires_at: str
    user_agent: str


class SessionListOut(ApiModel):
    items: list[SessionOut]
