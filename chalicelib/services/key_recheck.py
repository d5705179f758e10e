"""The daily re-check of every stored exchange API key.

A key is checked when it is added; a user can later give it withdrawal permission or take its trading
permission away on the exchange. Once a day each key is checked again: a key that can now withdraw, or can no
longer trade spot, pauses every running bot that uses it and the user is told once (the flag on the key keeps
them from being told every day). A key that is fine again loses its flag; its bots stay paused until the user
resumes them. A key the exchange cannot be asked about today is left as it is and asked again tomorrow."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from aws_lambda_powertools import Logger

from chalicelib.domain.errors import ExchangeRejected, ExchangeTemporaryError, NotFound
from chalicelib.services.api_keys import SPOT_HELP, WITHDRAWALS_HELP
from chalicelib.services.ports.bots import BotEvent, Notifier
from chalicelib.services.ports.exchange import KeyCheck
from chalicelib.services.ports.keys import ApiKeyRepository, StoredApiKey

logger = Logger(child=True)


@dataclass
class RecheckReport:
    checked: int = 0
    fine: int = 0
    flagged: list[str] = field(default_factory=list)  # key ids newly flagged
    unreachable: int = 0
    failed: int = 0  # keys the job could not check for another reason (logged; asked again tomorrow)
    bots_paused: int = 0


class KeyRecheck:
    def __init__(
        self,
        *,
        keys: ApiKeyRepository,
        check: Callable[[StoredApiKey], KeyCheck],
        pause_bots_using: Callable[[str, str, str], list[str]],
        notifier: Notifier,
    ) -> None:
        """`check(key)` decrypts and asks the exchange; `pause_bots_using(user_id, key_id, reason)` pauses the
        running bots on that key and returns their ids."""
        self._keys = keys
        self._check = check
        self._pause = pause_bots_using
        self._notifier = notifier

    def run(self) -> RecheckReport:
        report = RecheckReport()
        for key in self._keys.all_keys():
            report.checked += 1
            problem = self._ask(key, report)
            if problem is False:
                continue
            if problem is None:
                report.fine += 1
                if key.flagged:
                    self._keys.set_flag(key.user_id, key.key_id, None)
                continue
            self._act_on(key, problem, report)
        logger.info("keys re-checked", extra={**report.__dict__, "flagged": len(report.flagged)})
        return report

    def _ask(self, key: StoredApiKey, report: RecheckReport) -> str | Literal[False] | None:
        """What is wrong with the key now (None: nothing); False when it could not be checked (counted)."""
        try:
            return _problem(self._check(key))
        except ExchangeRejected as exc:
            return f"the exchange no longer accepts this API key ({exc.message})"
        except (ExchangeTemporaryError, NotFound) as exc:
            report.unreachable += 1
            logger.warning("key re-check skipped", extra={"key_id": key.key_id, "error": type(exc).__name__})
        except Exception as exc:
            # One key that cannot be read (a ciphertext that does not open, a bug) must not stop the rest.
            report.failed += 1
            logger.error(
                "key re-check failed", extra={"key_id": key.key_id, "error": type(exc).__name__}, exc_info=True
            )
        return False

    def _act_on(self, key: StoredApiKey, problem: str, report: RecheckReport) -> None:
        # Pause even when already flagged: a bot resumed on an unsafe key is paused again.
        paused = self._pause(key.user_id, key.key_id, problem)
        report.bots_paused += len(paused)
        if not self._keys.set_flag(key.user_id, key.key_id, problem):
            return  # already flagged: the user was told when it was
        report.flagged.append(key.key_id)
        name = f"'{key.label}' (…{key.api_key_last4})"
        events = [
            BotEvent(
                key.user_id, bot_id, "api_key_unsafe", f"Paused: the API key {name} {problem}", {"key_id": key.key_id}
            )
            for bot_id in paused
        ]
        self._notifier.publish(
            events
            or [BotEvent(key.user_id, "", "api_key_unsafe", f"The API key {name} {problem}", {"key_id": key.key_id})]
        )


def _problem(check: KeyCheck) -> str | None:
    if check.withdrawals_enabled:
        return "can now withdraw funds: " + WITHDRAWALS_HELP
    if not check.can_trade_spot:
        return "can no longer trade spot: " + SPOT_HELP
    return None
