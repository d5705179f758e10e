"""Checks a user's Binance API key before it is stored: valid (a signed call succeeds), spot trading
allowed, and on mainnet withdrawals disabled (/sapi/v1/account/apiRestrictions). The spot testnet has no
/sapi endpoints, so there only the first two are checked, and `KeyCheck.checked` says so."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from chalicelib.adapters.binance.endpoint import BinanceCredentials
from chalicelib.adapters.binance.exchange import BinanceSpotExchange
from chalicelib.services.ports.exchange import KeyCheck

CHECK_VALID = "key and signature accepted (GET /api/v3/account)"
CHECK_SPOT = "spot trading allowed (account canTrade with SPOT permission)"
CHECK_WITHDRAWALS = "withdrawals disabled (GET /sapi/v1/account/apiRestrictions)"
TESTNET_NOTE = "withdrawal permission not checked: the spot testnet has no /sapi restrictions endpoint"


def _spot_allowed(account: dict[str, Any]) -> bool:
    permissions = set(account.get("permissions") or [])
    for permission_set in account.get("permissionSets") or []:
        permissions.update(permission_set)
    return bool(account.get("canTrade")) and (not permissions or "SPOT" in permissions)


class BinanceKeyVerifier:
    def __init__(self, exchange_for: Callable[[BinanceCredentials, bool, str | None], BinanceSpotExchange]) -> None:
        """`exchange_for(credentials, testnet, user_id)` builds a signed exchange on the right endpoint, whose
        calls count against that user's share of the request budget."""
        self._exchange_for = exchange_for

    def verify(self, api_key: str, api_secret: str, *, testnet: bool, user_id: str | None = None) -> KeyCheck:
        exchange = self._exchange_for(BinanceCredentials(api_key, api_secret), testnet, user_id)
        spot = _spot_allowed(exchange.account())
        if testnet:
            return KeyCheck(
                can_trade_spot=spot, withdrawals_enabled=None, checked=(CHECK_VALID, CHECK_SPOT, TESTNET_NOTE)
            )
        restrictions = exchange.api_restrictions()
        return KeyCheck(
            can_trade_spot=spot and bool(restrictions.get("enableSpotAndMarginTrading", False)),
            withdrawals_enabled=bool(restrictions.get("enableWithdrawals", False)),
            checked=(CHECK_VALID, CHECK_SPOT, CHECK_WITHDRAWALS),
            ip_restricted=bool(restrictions.get("ipRestrict", False)),
        )
