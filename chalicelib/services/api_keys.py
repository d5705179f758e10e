"""Users' exchange API keys: add (checked against the exchange, then encrypted and stored), list, delete,
and decrypt for a tick. The secret is never returned, logged or put in an error; only the last 4
characters of the key are ever shown."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aws_lambda_powertools import Logger

from chalicelib.domain.clock import Clock, iso_utc
from chalicelib.domain.errors import (
    Conflict,
    ExchangeOperationalError,
    ExchangeRejected,
    ExchangeTemporaryError,
    InvalidInput,
    NotFound,
    Unavailable,
)
from chalicelib.services.key_audit import KeyAuditTrail, Use, check_summary, ip_warning
from chalicelib.services.ports.crypto import SecretCipher
from chalicelib.services.ports.exchange import KeyCheck, KeyVerifier
from chalicelib.services.ports.keys import ApiKeyRepository, StoredApiKey
from chalicelib.services.quotas import Quotas

logger = Logger(child=True)

_CREDENTIAL = re.compile(r"^[A-Za-z0-9]{16,128}$")
WITHDRAWALS_HELP = (
    "this API key can withdraw funds; the platform only accepts keys that cannot. On Binance open "
    "Account > API Management, choose Edit restrictions for this key, untick 'Enable Withdrawals', save, "
    "and add the key again"
)
SPOT_HELP = (
    "this API key cannot trade spot; on Binance open Account > API Management, choose Edit restrictions "
    "and tick 'Enable Spot & Margin Trading', then add the key again"
)


@dataclass(frozen=True, slots=True)
class ApiKeyView:
    id: str
    label: str
    api_key_last4: str
    testnet: bool
    created_at: str
    checked: tuple[str, ...] = ()
    ip_warning: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "label": self.label,
            "api_key_last4": self.api_key_last4,
            "testnet": self.testnet,
            "created_at": self.created_at,
        }


@dataclass(frozen=True, slots=True)
class ExchangeCredentials:
    api_key: str
    api_secret: str
    testnet: bool

    def __repr__(self) -> str:
        return f"ExchangeCredentials(api_key='...{self.api_key[-4:]}', api_secret='***', testnet={self.testnet})"

    __str__ = __repr__


def _view(key: StoredApiKey, checked: tuple[str, ...] = (), egress_ips: tuple[str, ...] = ()) -> ApiKeyView:
    warning = ip_warning(egress_ips) if key.ip_restricted is False else None
    created = iso_utc(key.created_at_ms)
    return ApiKeyView(key.key_id, key.label, key.api_key_last4, key.testnet, created, checked, warning)


def _context(user_id: str, key_id: str) -> dict[str, str]:
    return {"user_id": user_id, "key_id": key_id}


class ApiKeyService:
    def __init__(
        self,
        repository: ApiKeyRepository,
        cipher: SecretCipher,
        verifier: KeyVerifier,
        bot_in_use: Callable[[str, str], bool],
        clock: Clock,
        new_id: Callable[[], str] = lambda: uuid.uuid4().hex,
        quotas: Quotas | None = None,
        step_up: Callable[[str, str | None], None] | None = None,
        audit: KeyAuditTrail | None = None,
        egress_ips: tuple[str, ...] = (),
    ) -> None:
        self._audit = audit  # the key's audit trail records the check (services/key_audit.py)
        self._egress_ips = egress_ips  # the platform's fixed egress IPs users should whitelist
        self._step_up = step_up  # a fresh two-factor code when the user has it on (services/mfa.py)
        self._repo = repository
        self._quotas = quotas
        self._cipher = cipher
        self._verifier = verifier
        self._bot_in_use = bot_in_use
        self._clock = clock
        self._new_id = new_id

    def add(
        self, user_id: str, label: str, api_key: str, api_secret: str, *, testnet: bool, mfa_code: str | None = None
    ) -> ApiKeyView:
        label = _validated(label, api_key, api_secret)
        if self._step_up is not None:
            self._step_up(user_id, mfa_code)
        key_id = self._new_id()
        # The quota is taken before the exchange check, so a user at the limit spends no exchange weight.
        if self._quotas is not None:
            self._quotas.acquire(user_id, "api_keys", key_id)
        try:
            return self._add(user_id, key_id, label, api_key, api_secret, testnet=testnet)
        except Exception:
            if self._quotas is not None:
                self._quotas.release(user_id, "api_keys", key_id)
            raise

    def _add(
        self, user_id: str, key_id: str, label: str, api_key: str, api_secret: str, *, testnet: bool
    ) -> ApiKeyView:
        check = self._check_with_exchange(user_id, api_key, api_secret, testnet)
        plaintext = json.dumps({"api_key": api_key, "api_secret": api_secret}).encode()
        stored = StoredApiKey(
            user_id=user_id,
            key_id=key_id,
            label=label,
            api_key_last4=api_key[-4:],
            testnet=testnet,
            created_at_ms=self._clock.now_ms(),
            ciphertext=self._cipher.encrypt(plaintext, _context(user_id, key_id)),
            ip_restricted=check.ip_restricted,
        )
        self._repo.add(stored)
        logger.info("exchange API key added", extra={"user_id": user_id, "key_id": key_id, "testnet": testnet})
        if self._audit is not None:
            self._audit.record(Use(user_id, key_id), "key_check", detail=check_summary(check))
        return _view(stored, check.checked, self._egress_ips)

    def list(self, user_id: str) -> list[ApiKeyView]:
        keys = sorted(self._repo.list(user_id), key=lambda k: k.created_at_ms)
        return [_view(k, egress_ips=self._egress_ips) for k in keys]

    def delete(self, user_id: str, key_id: str) -> None:
        if self._repo.get(user_id, key_id) is None:
            raise NotFound("no such API key", code="api_key_not_found")
        if self._bot_in_use(user_id, key_id):
            raise Conflict("a running bot uses this API key; stop the bot first", code="api_key_in_use")
        self._repo.delete(user_id, key_id)
        if self._quotas is not None:
            self._quotas.release(user_id, "api_keys", key_id)
        logger.info("exchange API key deleted", extra={"user_id": user_id, "key_id": key_id})

    def recheck(self, key: StoredApiKey) -> KeyCheck:
        """Ask the exchange again what a stored key may do (the daily re-check)."""
        creds = self.get_decrypted_credentials(key.user_id, key.key_id)
        return self._verifier.verify(creds.api_key, creds.api_secret, testnet=creds.testnet)

    def get_decrypted_credentials(self, user_id: str, key_id: str) -> ExchangeCredentials:
        stored = self._repo.get(user_id, key_id)
        if stored is None:
            raise NotFound("no such API key", code="api_key_not_found")
        opened = json.loads(self._cipher.decrypt(stored.ciphertext, _context(user_id, key_id)))
        return ExchangeCredentials(str(opened["api_key"]), str(opened["api_secret"]), stored.testnet)

    def _check_with_exchange(self, user_id: str, api_key: str, api_secret: str, testnet: bool) -> KeyCheck:
        try:
            check = self._verifier.verify(api_key, api_secret, testnet=testnet, user_id=user_id)
        except ExchangeRejected as exc:
            raise InvalidInput(
                f"the exchange rejected this API key: {exc.message}",
                code="api_key_rejected",
                details={"exchange_code": exc.exchange_code},
            ) from None
        except (ExchangeTemporaryError, ExchangeOperationalError) as exc:
            logger.warning("exchange unreachable while checking an API key", extra={"error": exc.message})
            raise Unavailable(
                "the exchange cannot be reached to check this API key; nothing was stored, try again shortly",
                code="exchange_unavailable",
            ) from None
        if not check.can_trade_spot:
            raise InvalidInput(SPOT_HELP, code="api_key_cannot_trade")
        if check.withdrawals_enabled:
            raise InvalidInput(WITHDRAWALS_HELP, code="api_key_can_withdraw")
        return check


def _validated(label: str, api_key: str, api_secret: str) -> str:
    label = label.strip()
    if not 1 <= len(label) <= 64:
        raise InvalidInput("label must be 1 to 64 characters", code="invalid_label")
    if not _CREDENTIAL.match(api_key):
        raise InvalidInput("api_key must be 16 to 128 letters and digits", code="invalid_api_key")
    if not _CREDENTIAL.match(api_secret):
        raise InvalidInput("api_secret must be 16 to 128 letters and digits", code="invalid_api_secret")
    return label
