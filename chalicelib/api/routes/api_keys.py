"""/api-keys: connect exchange keys. The secret goes in once and never comes back out."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalice.app import Blueprint
from pydantic import Field

from chalicelib.api.routing import Ctx, endpoint
from chalicelib.api.schemas.auth_mfa import MfaCodeField
from chalicelib.api.validation import ApiModel, StrictModel
from chalicelib.bootstrap import container

if TYPE_CHECKING:  # the service module pulls in the exchange port and numpy: a cold start of the API needs neither
    from chalicelib.services.api_keys import ApiKeyView

bp = Blueprint(__name__)
TAGS = ("api-keys",)


class ApiKeyIn(StrictModel):
    label: str = Field(min_length=1, max_length=64)
    api_key: str = Field(min_length=1, max_length=128)
    api_secret: str = Field(min_length=1, max_length=128)
    testnet: bool = False
    mfa_code: MfaCodeField = None


class ApiKeyOut(ApiModel):
    id: str
    label: str
    api_key_last4: str
    testnet: bool
    created_at: str
    checked: list[str] = Field(default_factory=list, description="What the exchange check verified")
    ip_warning: str | None = Field(default=None, description="Set when the key works from any IP (mainnet)")


class ApiKeyListOut(ApiModel):
    items: list[ApiKeyOut]


def _out(view: ApiKeyView) -> ApiKeyOut:
    return ApiKeyOut(
        id=view.id,
        label=view.label,
        api_key_last4=view.api_key_last4,
        testnet=view.testnet,
        created_at=view.created_at,
        checked=list(view.checked),
        ip_warning=view.ip_warning,
    )


@endpoint(
    bp,
    "/api-keys",
    "POST",
    summary="Connect an exchange API key (checked, then encrypted)",
    tags=TAGS,
    body=ApiKeyIn,
    response=ApiKeyOut,
    status=201,
    errors=(403, 409, 429, 503),
)
def add_api_key(ctx: Ctx, body: ApiKeyIn) -> ApiKeyOut:
    view = container().api_keys.add(
        ctx.user_id, body.label, body.api_key, body.api_secret, testnet=body.testnet, mfa_code=body.mfa_code
    )
    return _out(view)


@endpoint(bp, "/api-keys", "GET", summary="The caller's keys, masked", tags=TAGS, response=ApiKeyListOut)
def list_api_keys(ctx: Ctx) -> ApiKeyListOut:
    return ApiKeyListOut(items=[_out(v) for v in container().api_keys.list(ctx.user_id)])


@endpoint(
    bp, "/api-keys/{key_id}", "DELETE", summary="Delete a key no running bot uses", tags=TAGS, status=204, errors=(409,)
)
def delete_api_key(ctx: Ctx, key_id: str) -> None:
    container().api_keys.delete(ctx.user_id, key_id)
