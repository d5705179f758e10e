from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from chalicelib.api.validation import StrictModel


class RegisterIn(StrictModel):
    email: str = Field(min_length=3, max_length=254)
    password: str = Field(min_length=1, max_length=128)


class LoginIn(StrictModel):
    email: str = Field(min_length=1, max_length=254)
    password: str = Field(min_length=1, max_length=128)


class RefreshIn(StrictModel):
    """Browsers leave the body empty and send the httpOnly `refresh_token` cookie instead."""

    refresh_token: str | None = Field(default=None, min_length=1, max_length=256)


class ChangePasswordIn(StrictModel):
    current_password: str = Field(min_length=1, max_length=128)
    new_password: str = Field(min_length=1, max_length=128)


class SettingsIn(StrictModel):
    webhook_url: str | None = Field(default=None, max_length=2048)


class UserOut(BaseModel):
    id: str
    email: str
    created_at: str
    webhook_url: str | None = None
    # Only in the answer that sets a webhook: the HMAC key that signs its requests.
    webhook_secret: str | None = None


class WebhookOut(BaseModel):
    webhook_url: str | None = None
    # The HMAC key that signs the webhook's requests (`X-Tradebot-Signature`); null when no webhook is set.
    webhook_secret: str | None = None


class RegisteredOut(BaseModel):
    id: str
    email: str


class TokenOut(BaseModel):
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
