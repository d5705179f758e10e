"""Shared steps of the security tests: an exchange key added through the API with Binance answered by
canned responses (the `responses` library, as in tests/integration/exchange), never the network."""

from __future__ import annotations

import uuid
from typing import Any

import responses

from tests.integration.api.helpers import call

# The API's default venue in tests is the spot testnet (BINANCE_ENV=testnet; it has no /sapi).
TESTNET_API = "https://testnet.binance.vision/api/v3"
ACCOUNT = {"canTrade": True, "canWithdraw": False, "accountType": "SPOT", "permissions": ["SPOT"], "balances": []}


def canned_binance() -> responses.RequestsMock:
    rsps = responses.RequestsMock(assert_all_requests_are_fired=False)
    rsps.add_passthru("http://127.0.0.1")
    rsps.get(f"{TESTNET_API}/account", json=ACCOUNT)
    rsps.get(f"{TESTNET_API}/time", json={"serverTime": 0})
    return rsps


def new_secret() -> str:
    return "sec" + uuid.uuid4().hex + uuid.uuid4().hex


def add_api_key(
    api: Any, token: str, *, label: str = "main", api_key: str | None = None, api_secret: str | None = None
) -> dict[str, Any]:
    body = {
        "label": label[:64],
        "api_key": api_key or "key" + uuid.uuid4().hex,
        "api_secret": api_secret or new_secret(),
        "testnet": True,
    }
    with canned_binance():
        status, data, _ = call(api, "POST", "/api-keys", body, token)
    assert status == 201, data
    return data
