"""/api-keys through the real app: checked against a canned Binance, encrypted, masked, guarded."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import requests
import responses

from chalicelib import bootstrap
from chalicelib.config import settings
from tests.integration.api.helpers import call, signup
from tests.integration.bots.conftest import bot_body

MAINNET = "https://api.binance.com"
ACCOUNT = {"canTrade": True, "permissions": ["SPOT"], "balances": []}


@pytest.fixture()
def mainnet(api: Any) -> Iterator[responses.RequestsMock]:
    """The app configured for Binance mainnet, whose answers are canned here."""
    bootstrap.use(bootstrap.Container(cfg=dataclasses.replace(settings(), binance_env="mainnet")))
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        rsps.get(f"{MAINNET}/api/v3/time", json={"serverTime": 0})
        yield rsps
    bootstrap.use(None)


def _key_body(**overrides: Any) -> dict[str, Any]:
    body = {"label": "main", "api_key": "K" * 20 + "abcd", "api_secret": "S" + uuid.uuid4().hex * 2, "testnet": False}
    body.update(overrides)
    return body


def test_add_list_delete_masked(api, mainnet):
    mainnet.get(f"{MAINNET}/api/v3/account", json=ACCOUNT)
    mainnet.get(
        f"{MAINNET}/sapi/v1/account/apiRestrictions",
        json={"enableWithdrawals": False, "enableSpotAndMarginTrading": True},
    )
    user = signup(api)
    body = _key_body()
    status, key, _ = call(api, "POST", "/api-keys", body, user["access_token"])
    assert status == 201, key
    assert key["api_key_last4"] == "abcd" and key["label"] == "main" and key["testnet"] is False
    assert body["api_secret"] not in str(key) and body["api_key"] not in str(key)
    assert any("withdrawals disabled" in c for c in key["checked"])
    signed = [c.request for c in mainnet.calls if "/account" in c.request.url]
    assert all("signature=" in r.url for r in signed) and signed
    status, listed, _ = call(api, "GET", "/api-keys", None, user["access_token"])
    assert [k["id"] for k in listed["items"]] == [key["id"]]
    assert body["api_secret"] not in str(listed)
    status, _, _ = call(api, "DELETE", f"/api-keys/{key['id']}", None, user["access_token"])
    assert status == 204
    status, listed, _ = call(api, "GET", "/api-keys", None, user["access_token"])
    assert listed["items"] == []


def test_key_with_withdrawals_enabled_is_refused_with_instructions(api, mainnet):
    mainnet.get(f"{MAINNET}/api/v3/account", json=ACCOUNT)
    mainnet.get(
        f"{MAINNET}/sapi/v1/account/apiRestrictions",
        json={"enableWithdrawals": True, "enableSpotAndMarginTrading": True},
    )
    user = signup(api)
    status, body, _ = call(api, "POST", "/api-keys", _key_body(), user["access_token"])
    assert status == 422
    assert "Enable Withdrawals" in body["error"]["message"]
    status, listed, _ = call(api, "GET", "/api-keys", None, user["access_token"])
    assert listed["items"] == []


def test_unreachable_exchange_is_503_and_stores_nothing(api, mainnet):
    mainnet.get(f"{MAINNET}/api/v3/account", body=requests.exceptions.ConnectionError("no route"))
    user = signup(api)
    status, body, _ = call(api, "POST", "/api-keys", _key_body(), user["access_token"])
    assert status == 503, body
    assert body["error"]["code"] and body["error"]["message"]
    status, listed, _ = call(api, "GET", "/api-keys", None, user["access_token"])
    assert listed["items"] == []


def test_rejected_key_is_a_clear_4xx(api, mainnet):
    mainnet.get(
        f"{MAINNET}/api/v3/account",
        status=401,
        json={"code": -2015, "msg": "Invalid API-key, IP, or permissions for action."},
    )
    user = signup(api)
    status, body, _ = call(api, "POST", "/api-keys", _key_body(), user["access_token"])
    assert 400 <= status < 500 and status != 401
    assert "-2015" in str(body["error"]) or "Invalid API-key" in body["error"]["message"]


def test_key_used_by_a_running_live_bot_cannot_be_deleted(api, mainnet):
    mainnet.get(f"{MAINNET}/api/v3/account", json=ACCOUNT)
    mainnet.get(
        f"{MAINNET}/sapi/v1/account/apiRestrictions",
        json={"enableWithdrawals": False, "enableSpotAndMarginTrading": True},
    )
    mainnet.get(
        f"{MAINNET}/api/v3/exchangeInfo",
        json={
            "symbols": [
                {
                    "symbol": "BTCUSDT",
                    "status": "TRADING",
                    "baseAsset": "BTC",
                    "quoteAsset": "USDT",
                    "orderTypes": ["LIMIT", "MARKET"],
                    "filters": [
                        {"filterType": "PRICE_FILTER", "minPrice": "0.01", "maxPrice": "1000000", "tickSize": "0.01"},
                        {"filterType": "LOT_SIZE", "minQty": "0.00001", "maxQty": "9000", "stepSize": "0.00001"},
                        {
                            "filterType": "NOTIONAL",
                            "minNotional": "5",
                            "applyMinToMarket": True,
                            "maxNotional": "9000000",
                            "applyMaxToMarket": False,
                            "avgPriceMins": 5,
                        },
                    ],
                }
            ]
        },
    )
    user = signup(api)
    token = user["access_token"]
    status, key, _ = call(api, "POST", "/api-keys", _key_body(), token)
    assert status == 201
    status, bot, _ = call(api, "POST", "/bots", bot_body(mode="live", api_key_id=key["id"]), token)
    assert status == 201, bot
    status, _, _ = call(api, "POST", f"/bots/{bot['id']}/start", None, token)
    status, body, _ = call(api, "DELETE", f"/api-keys/{key['id']}", None, token)
    assert status == 409 and body["error"]["code"] == "api_key_in_use"
    other = signup(api)["access_token"]
    status, _, _ = call(api, "DELETE", f"/api-keys/{key['id']}", None, other)
    assert status == 404
    call(api, "POST", f"/bots/{bot['id']}/stop", {}, token)
    status, _, _ = call(api, "DELETE", f"/api-keys/{key['id']}", None, token)
    assert status == 204
