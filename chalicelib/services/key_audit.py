"""The audit trail of every use of a user's exchange key, and what happens when the exchange refuses a key.

Each use (the check when the key is added, each order placed, cancelled or looked up, each balance lookup)
is recorded with its time, bot and outcome: never a secret, nor the full key. Recording must never stop a
trade, so a failed write is logged and dropped. When Binance says the key is invalid, its signature is wrong,
its IP whitelist refuses us or it lacks a permission, every running bot on the key is paused with the reason
and the user is told once: the key's flag (the one the daily re-check sets) remembers they were."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from aws_lambda_powertools import Logger

from chalicelib.domain.clock import Clock
from chalicelib.domain.errors import ExchangeError, ExchangeRejected, ExchangeTemporaryError, NotFound
from chalicelib.services.ports.bots import BotEvent, Notifier
from chalicelib.services.ports.exchange import KeyCheck
from chalicelib.services.ports.key_audit import KeyAuditLog, KeyUse
from chalicelib.services.ports.keys import ApiKeyRepository, StoredApiKey

logger = Logger(child=True)

KEY_REJECTED = "exchange_key_rejected"  # the code adapters/binance/errors.py gives a refused key
KEY_PAUSED = "api_key_rejected"  # raised on once the key's bots are paused and the user told
# Binance's own codes (https://developers.binance.com/docs/binance-spot-api-docs/errors).
OUTCOMES = {
    -1022: "invalid_signature",
    -2014: "invalid_key",
    -2015: "ip_or_permission",
    -1002: "unauthorized",
}


def outcome_of(exc: ExchangeError) -> str:
    if exc.code == KEY_REJECTED:
        return OUTCOMES.get(exc.exchange_code or 0, "key_rejected")
    if isinstance(exc, ExchangeTemporaryError):
        return "unreachable"
    return "rejected" if isinstance(exc, ExchangeRejected) else "failed"


@dataclass(frozen=True, slots=True)
class Use:
    """Who used which key for what (one bot's exchange, or the key check)."""

    user_id: str
    key_id: str
    bot_id: str | None = None


class KeyAuditTrail:
    def __init__(
        self,
        *,
        log: KeyAuditLog,
        keys: ApiKeyRepository,
        pause_bots_using: Callable[[str, str, str], list[str]],
        notifier: Callable[[], Notifier],
        clock: Clock,
    ) -> None:
        """`notifier` is built on the first refusal only: a tick whose key works never touches the queue."""
        self._log = log
        self._keys = keys
        self._pause = pause_bots_using
        self._notifier = notifier
        self._clock = clock

    def record(self, use: Use, action: str, outcome: str = "ok", detail: str = "", code: int | None = None) -> None:
        entry = KeyUse(use.user_id, use.key_id, self._clock.now_ms(), action, outcome, use.bot_id, detail[:300], code)
        try:
            self._log.record([entry])
        except Exception as exc:  # the audit must never stop an order nor its bookkeeping
            logger.warning("key use not recorded", extra={"key_id": use.key_id, "error": type(exc).__name__})

    def failed(self, use: Use, action: str, exc: ExchangeError, detail: str = "") -> ExchangeError:
        """Record a failed use; for a refused key, pause its bots and tell the user once. What to raise."""
        outcome = outcome_of(exc)
        self.record(use, action, outcome, detail, exc.exchange_code)
        if exc.code != KEY_REJECTED:
            return exc
        self.key_refused(use, f"the exchange refused the API key ({outcome}): {exc.message}")
        return ExchangeRejected(exc.message, exchange_code=exc.exchange_code, code=KEY_PAUSED)

    def key_refused(self, use: Use, reason: str) -> list[str]:
        paused = self._pause(use.user_id, use.key_id, reason)
        if not self._keys.set_flag(use.user_id, use.key_id, reason[:500]):
            return paused  # already flagged: the user was told the first time
        key = self._keys.get(use.user_id, use.key_id)
        name = f"'{key.label}' (…{key.api_key_last4})" if key else "of a bot"
        message = f"The API key {name} was refused by the exchange; paused {len(paused)} bot(s). {reason}"
        data = {"key_id": use.key_id, "bots": paused}
        self._notifier().publish([BotEvent(use.user_id, use.bot_id or "", "api_key_rejected", message[:900], data)])
        logger.info("API key refused", extra={"user_id": use.user_id, "key_id": use.key_id, "paused": len(paused)})
        return paused

    def audited_check(self, check: Callable[[StoredApiKey], KeyCheck]) -> Callable[[StoredApiKey], KeyCheck]:
        """The daily re-check of a stored key, recorded in its trail (the re-check pauses and notifies itself)."""

        def checked(key: StoredApiKey) -> KeyCheck:
            use = Use(key.user_id, key.key_id)
            try:
                result = check(key)
            except ExchangeError as exc:
                self.record(use, "key_check", outcome_of(exc), "daily re-check", exc.exchange_code)
                raise
            self.record(use, "key_check", detail="daily re-check: " + check_summary(result))
            return result

        return checked

    def page(self, user_id: str, key_id: str, limit: int, cursor: str | None) -> tuple[list[KeyUse], str | None]:
        """The trail of the caller's own key (NotFound for a key they do not have)."""
        if self._keys.get(user_id, key_id) is None:
            raise NotFound("no such API key", code="api_key_not_found")
        return self._log.page(user_id, key_id, limit, cursor)


def ip_warning(egress_ips: tuple[str, ...]) -> str:
    """What to tell the owner of a mainnet key that works from any IP."""
    where = (
        "restrict it to the platform's egress IPs: " + ", ".join(egress_ips)
        if egress_ips
        else "this deployment has no fixed egress IPs yet (deploy with EGRESS=fixed publishes them)"
    )
    return (
        "This key is not restricted to trusted IPs: anyone who obtains it can use it from anywhere. "
        f"On Binance open Account > API Management, choose Edit restrictions and {where}."
    )


def check_summary(check: KeyCheck) -> str:
    restricted = {True: "IP restricted", False: "IP restriction off", None: "IP restriction not reported"}
    return f"{len(check.checked)} checks passed; {restricted[check.ip_restricted]}"
