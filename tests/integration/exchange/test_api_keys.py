"""Exchange API keys: checked against Binance (canned answers), encrypted with KMS under {user_id, key_id}
(moto), stored in DynamoDB; never a secret in a log line, an error or a return value."""

from __future__ import annotations

import logging
import random
import uuid
from typing import Any

import pytest
import requests
import responses

from chalicelib.adapters.binance import BinanceCredentials, BinanceEndpoint, BinanceSpotExchange, RetryPolicy
from chalicelib.adapters.binance.budget import InMemoryWeightStore, WeightBudget
from chalicelib.domain.clock import ManualClock
from chalicelib.domain.errors import Conflict, DomainError, InvalidInput, NotFound, Unavailable
from chalicelib.services.ports.crypto import DecryptionFailed
from tests.unit.exchange.binance_fakes import API, BASE, T0, error

SECRET = "S3cr3tS3cr3tS3cr3tS3cr3tS3cr3tS3cr3tS3cr3tS3cr3tS3cr3tS3cr3tAbCd"
KEY = "KeYKeYKeYKeYKeYKeYKeYKeYKeYKeYKeYKeYKeYKeYKeYKeYKeYKeYKeYKeYWxYz"
TESTNET_API = "https://testnet.local/api/v3"
ACCOUNT = {"canTrade": True, "canWithdraw": True, "accountType": "SPOT", "permissions": ["SPOT"], "balances": []}


def _restrictions(withdrawals: bool) -> dict[str, Any]:
    return {
        "ipRestrict": False,
        "createTime": T0,
        "enableWithdrawals": withdrawals,
        "enableInternalTransfer": False,
        "permitsUniversalTransfer": False,
        "enableVanillaOptions": False,
        "enableReading": True,
        "enableFutures": False,
        "enableMargin": False,
        "enableSpotAndMarginTrading": True,
    }


class Bots:
    def __init__(self) -> None:
        self.in_use: set[tuple[str, str]] = set()

    def __call__(self, user_id: str, key_id: str) -> bool:
        return (user_id, key_id) in self.in_use


@pytest.fixture()
def service(aws: Any) -> Any:
    from chalicelib.adapters.binance.keys import BinanceKeyVerifier
    from chalicelib.adapters.dynamo.api_keys import DynamoApiKeyRepository
    from chalicelib.adapters.kms_cipher import KmsCipher
    from chalicelib.config import settings
    from chalicelib.services.api_keys import ApiKeyService

    clock = ManualClock(T0)
    budget = WeightBudget(InMemoryWeightStore(), "e", clock, lambda s: clock.advance(int(s * 1000)))

    def exchange_for(credentials: BinanceCredentials, testnet: bool, user_id: str | None = None) -> BinanceSpotExchange:
        endpoint = (
            BinanceEndpoint("testnet", "https://testnet.local/api", None) if testnet else BinanceEndpoint.custom(BASE)
        )
        policy = RetryPolicy(rng=random.Random(1))
        return BinanceSpotExchange(
            endpoint, budget, credentials=credentials, clock=clock, sleep=lambda s: None, policy=policy
        )

    bots = Bots()
    svc = ApiKeyService(
        DynamoApiKeyRepository(),
        KmsCipher(settings().kms_key_id, region="us-east-1"),
        BinanceKeyVerifier(exchange_for),
        bots,
        clock,
    )
    svc.bots = bots
    return svc


def _user() -> str:
    return f"user-{uuid.uuid4().hex[:8]}"


def _mainnet_ok(rsps: Any, withdrawals: bool = False) -> None:
    rsps.get(f"{API}/account", json=ACCOUNT)
    rsps.get(f"{BASE}/sapi/v1/account/apiRestrictions", json=_restrictions(withdrawals))


def test_add_checks_mainnet_restrictions_then_stores_encrypted(service: Any) -> None:
    user = _user()
    with responses.RequestsMock() as rsps:
        _mainnet_ok(rsps)
        view = service.add(user, " main ", KEY, SECRET, testnet=False)
    assert view.to_dict() == {
        "id": view.id,
        "label": "main",
        "api_key_last4": "WxYz",
        "testnet": False,
        "created_at": "2023-11-14T22:13:00Z",
    }
    assert any("apiRestrictions" in c for c in view.checked)
    assert [k.id for k in service.list(user)] == [view.id]
    creds = service.get_decrypted_credentials(user, view.id)
    assert (creds.api_key, creds.api_secret, creds.testnet) == (KEY, SECRET, False)
    assert SECRET not in repr(creds)
    from chalicelib.adapters.dynamo.api_keys import ApiKeyItem

    stored = ApiKeyItem.get(user, view.id)
    assert SECRET.encode() not in stored.ciphertext and KEY.encode() not in stored.ciphertext


def test_testnet_says_what_it_checks_and_calls_no_sapi(service: Any) -> None:
    with responses.RequestsMock() as rsps:
        rsps.get(f"{TESTNET_API}/account", json=ACCOUNT)
        view = service.add(_user(), "test", KEY, SECRET, testnet=True)
    assert view.testnet and any("testnet has no /sapi" in c for c in view.checked)


def test_a_key_that_can_withdraw_is_refused_with_how_to_fix_it(service: Any) -> None:
    user = _user()
    with responses.RequestsMock() as rsps:
        _mainnet_ok(rsps, withdrawals=True)
        with pytest.raises(InvalidInput) as info:
            service.add(user, "main", KEY, SECRET, testnet=False)
    assert info.value.code == "api_key_can_withdraw" and "untick 'Enable Withdrawals'" in info.value.message
    assert service.list(user) == []


def test_a_key_the_exchange_rejects_is_invalid_input(service: Any) -> None:
    with responses.RequestsMock() as rsps:
        rsps.get(f"{API}/account", json=error(-2015, "Invalid API-key, IP, or permissions for action."), status=401)
        with pytest.raises(InvalidInput) as info:
            service.add(_user(), "main", KEY, SECRET, testnet=False)
    assert info.value.details == {"exchange_code": -2015}


@pytest.mark.parametrize(
    "failure", [{"status": 503, "body": ""}, {"body": requests.exceptions.ConnectionError("down")}]
)
def test_exchange_unreachable_is_unavailable_and_stores_nothing(service: Any, failure: dict[str, Any]) -> None:
    user = _user()
    with responses.RequestsMock() as rsps:
        rsps.get(f"{API}/account", **failure)
        with pytest.raises(Unavailable):
            service.add(user, "main", KEY, SECRET, testnet=False)
    assert service.list(user) == []


def test_a_ciphertext_copied_to_another_user_does_not_decrypt(service: Any) -> None:
    from chalicelib.adapters.dynamo.api_keys import ApiKeyItem

    alice, mallory = _user(), _user()
    with responses.RequestsMock() as rsps:
        _mainnet_ok(rsps)
        view = service.add(alice, "main", KEY, SECRET, testnet=False)
    item = ApiKeyItem.get(alice, view.id)
    item.user_id = mallory
    item.save()
    with pytest.raises(DecryptionFailed):
        service.get_decrypted_credentials(mallory, view.id)


def test_kms_cipher_rejects_a_wrong_context(aws: Any) -> None:
    from chalicelib.adapters.kms_cipher import KmsCipher
    from chalicelib.config import settings

    cipher = KmsCipher(settings().kms_key_id, region="us-east-1")
    sealed = cipher.encrypt(b"hello", {"user_id": "u1", "key_id": "k1"})
    assert cipher.decrypt(sealed, {"user_id": "u1", "key_id": "k1"}) == b"hello"
    with pytest.raises(DecryptionFailed):
        cipher.decrypt(sealed, {"user_id": "u2", "key_id": "k1"})


def test_delete_refuses_a_key_a_running_bot_uses(service: Any) -> None:
    user = _user()
    with responses.RequestsMock() as rsps:
        _mainnet_ok(rsps)
        view = service.add(user, "main", KEY, SECRET, testnet=False)
    service.bots.in_use.add((user, view.id))
    with pytest.raises(Conflict):
        service.delete(user, view.id)
    service.bots.in_use.clear()
    service.delete(user, view.id)
    assert service.list(user) == []
    with pytest.raises(NotFound):
        service.delete(user, view.id)


def test_no_secret_in_any_log_output_of_the_key_flows(service: Any, caplog: Any, capsys: Any) -> None:
    from chalicelib.adapters.binance import exchange as binance_exchange
    from chalicelib.services import api_keys

    for module_logger in (api_keys.logger, binance_exchange.logger):
        module_logger.setLevel("DEBUG")
    caplog.set_level(logging.DEBUG)
    errors: list[str] = []
    user = _user()
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        _mainnet_ok(rsps)
        view = service.add(user, "main", KEY, SECRET, testnet=False)
        service.list(user)
        creds = service.get_decrypted_credentials(user, view.id)
        errors.append(repr(creds))
        rsps.replace(responses.GET, f"{BASE}/sapi/v1/account/apiRestrictions", json=_restrictions(True))
        for call in (
            lambda: service.add(user, "w", KEY, SECRET, testnet=False),
            lambda: service.add(user, "bad", KEY, SECRET + "!", testnet=False),
            lambda: service.get_decrypted_credentials(_user(), view.id),
        ):
            try:
                call()
            except DomainError as exc:
                errors.append(f"{exc!r} {exc.message} {exc.details}")
        rsps.replace(responses.GET, f"{API}/account", status=500, body="")
        try:
            service.add(user, "down", KEY, SECRET, testnet=False)
        except DomainError as exc:
            errors.append(f"{exc!r} {exc.message} {exc.details}")
    service.delete(user, view.id)
    out, err = capsys.readouterr()
    logged = caplog.text + out + err
    assert "exchange API key added" in logged  # the capture did see the flows' logs
    for text in (logged, *errors, repr(view), str(view.to_dict())):
        assert SECRET not in text and KEY not in text
