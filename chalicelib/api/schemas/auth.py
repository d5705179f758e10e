from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, Field
from pydantic.config import JsonDict

from chalicelib.api.schemas.auth_mfa import MfaCodeField
from chalicelib.api.validation import ApiModel, StrictModel
from chalicelib.domain.users import (
    EMAIL_MAX,
    EMAIL_PATTERN,
    PASSWORD_MAX,
    PASSWORD_MIN,
    PASSWORD_MIN_DISTINCT,
    check_password_policy,
    normalize_email,
)

# The domain's account rules (chalicelib/domain/users.py) as JSON Schema, so a client generated from the
# document refuses what the server refuses; tests/unit/test_api_schemas.py checks both accept the same strings.
# Surrounding whitespace is trimmed by the server, so the document allows it.
EMAIL_JSON_PATTERN = r"^\s*" + EMAIL_PATTERN + r"\s*$"


def _distinct_characters(count: int) -> str:
    r"""A pattern that matches a string holding `count` different characters: each capture differs from the
    ones before it (for 3: `[\s\S]*?([\s\S])[\s\S]*?(?!\1)([\s\S])[\s\S]*?(?!\1|\2)([\s\S])`)."""
    parts = []
    for i in range(1, count + 1):
        earlier = "|".join("\\" + str(j) for j in range(1, i))
        parts.append(r"[\s\S]*?" + (f"(?!{earlier})" if earlier else "") + r"([\s\S])")
    return "".join(parts)


# Not only whitespace, and PASSWORD_MIN_DISTINCT different characters.
PASSWORD_JSON_PATTERN = r"^(?=[\s\S]*\S)" + _distinct_characters(PASSWORD_MIN_DISTINCT)
_PASSWORD_TEXT = (
    f"{PASSWORD_MIN}-{PASSWORD_MAX} characters, at least {PASSWORD_MIN_DISTINCT} different ones, not only spaces"
)


def _password_schema(description: str) -> JsonDict:
    return {
        "minLength": PASSWORD_MIN,
        "maxLength": PASSWORD_MAX,
        "pattern": PASSWORD_JSON_PATTERN,
        "description": f"{description}: {_PASSWORD_TEXT}",
    }


def _password(value: str) -> str:
    check_password_policy(value)  # InvalidInput(code="weak_password") -> 422
    return value


def _new_password(value: str) -> str:
    check_password_policy(value, field="new_password")
    return value


Email = Annotated[
    str,
    Field(
        max_length=EMAIL_MAX,
        json_schema_extra={"pattern": EMAIL_JSON_PATTERN, "description": "An e-mail address (case-insensitive)"},
    ),
    AfterValidator(normalize_email),  # InvalidInput(code="invalid_email") -> 422; returns it trimmed, lower case
]
Password = Annotated[
    str, Field(max_length=PASSWORD_MAX, json_schema_extra=_password_schema("The password")), AfterValidator(_password)
]
NewPassword = Annotated[
    str,
    Field(max_length=PASSWORD_MAX, json_schema_extra=_password_schema("The new password")),
    AfterValidator(_new_password),
]


class EmailIn(StrictModel):
    email: Email


class TokenIn(StrictModel):
    token: str = Field(min_length=1, max_length=128, description="The token of the link the e-mail carried")


class ResetPasswordIn(StrictModel):
    token: str = Field(min_length=1, max_length=128, description="The token of the reset link")
    new_password: NewPassword


class MailSentOut(ApiModel):
    """The same answer whether or not the address has an account."""

    email: str
    message: str


class EmailVerifiedOut(ApiModel):
    email: str
    email_verified: bool


class RegisterIn(StrictModel):
    email: Email
    password: Password


class LoginIn(StrictModel):
    email: str = Field(min_length=1, max_length=254)
    password: str = Field(min_length=1, max_length=128)


class RefreshIn(StrictModel):
    """Browsers leave the body empty and send the httpOnly `refresh_token` cookie instead."""

    refresh_token: str | None = Field(default=None, min_length=1, max_length=256)


class ChangePasswordIn(StrictModel):
    current_password: str = Field(min_length=1, max_length=PASSWORD_MAX)
    new_password: NewPassword
    mfa_code: MfaCodeField = None


class SettingsIn(StrictModel):
    webhook_url: str | None = Field(default=None, max_length=2048)


class UserOut(ApiModel):
    id: str
    email: str
    created_at: str
    email_verified: bool = False
    mfa_enabled: bool = False
    webhook_url: str | None = None
    # Only in the answer that sets a webhook: the HMAC key that signs its requests.
    webhook_secret: str | None = None
    # True only in local mode, where an http:// webhook (a receiver on this machine) is accepted too.
    webhook_allows_http: bool = False


class WebhookOut(ApiModel):
    webhook_url: str | None = None
    # The HMAC key that signs the webhook's requests (`X-Tradebot-Signature`); null when no webhook is set.
    webhook_secret: str | None = None


class TokenOut(ApiModel):
    access_token: str
    # Absent for browsers that sent `X-Session-Transport: cookie`: theirs is in the httpOnly cookie only.
    refresh_token: str | None = None
    token_type: Literal["bearer"] = "bearer"
    expires_in: int


class PasswordChangedOut(UserOut):
    """The password change ends every other session; the caller gets a fresh one."""

    access_token: str
    refresh_token: str | None = None
    token_type: Literal["bearer"] = "bearer"
    expires_in: int
