"""Sign-in throttling. Every attempt is counted atomically BEFORE the password is checked (40 parallel guesses
are 40 attempts, and only the first few reach argon2), and slows the attacker down without locking the owner
out:
- per (account, source): a few free failures, then a delay that doubles with each further one;
- per source, across accounts: a ceiling (one address spraying many accounts);
- per account, across sources: above a ceiling, only sources that already failed against the account are
  refused, so the owner signing in from their own address still gets in while an attacker pays one address
  per guess.
"""

from __future__ import annotations

from dataclasses import dataclass

from chalicelib.domain.clock import Clock
from chalicelib.domain.errors import RateLimited
from chalicelib.services.ports.auth import AttemptCounter


@dataclass(frozen=True)
class LoginLimits:
    per_account: int  # free failures of one account from one source before the delay starts
    per_address: int  # attempts from one source, across accounts, per window
    window_s: int
    account_ceiling: int = 20  # failures of one account from every source before failed sources are refused
    pair_window_s: int = 3600  # how long an (account, source) pair's failures are remembered
    base_delay_s: int = 2
    max_delay_s: int = 900
    register_per_address: int = 10  # registrations from one source per hour
    password_changes: int = 5  # password-change attempts per user per window
    mail_per_address: int = 3  # "forgot password" / "resend verification" mails to one address per hour
    mail_per_source: int = 20  # such requests from one source address per hour
    session_max_age_s: int = 30 * 24 * 3600  # absolute: no refresh past this from the sign-in


def too_many(retry_after_s: int) -> RateLimited:
    return RateLimited(
        "Too many failed sign-in attempts; try again later.",
        retry_after_s=max(1, int(retry_after_s)),
        code="too_many_attempts",
    )


class SignInThrottle:
    def __init__(self, attempts: AttemptCounter, clock: Clock, limits: LoginLimits) -> None:
        self._attempts = attempts
        self._clock = clock
        self._limits = limits

    def admit(self, email: str, source_ip: str) -> None:
        """Count this attempt on every key first (atomic adds), then decide; see the module docstring."""
        lim = self._limits
        now = self._clock.now_ms()
        pair_before, pair_last = self._attempts.hit(self._pair(email, source_ip), lim.pair_window_s)
        source_before, _ = self._attempts.hit(f"login#ip#{source_ip}", lim.window_s)
        account_before, _ = self._attempts.hit(f"login#acct#{email}", lim.pair_window_s)
        if pair_before >= lim.per_account and pair_last + self._delay_s(pair_before) * 1000 > now:
            # This refused attempt is the new reference: the next one is admitted after the next delay.
            raise too_many(self._delay_s(pair_before + 1))
        if source_before >= lim.per_address:
            raise too_many(lim.window_s)
        if account_before >= lim.account_ceiling and pair_before > 0:
            raise too_many(lim.max_delay_s)

    def succeeded(self, email: str, source_ip: str) -> None:
        """The owner's success clears their own address's record; other addresses keep theirs. The source and
        account counters were counted before the check: a success is given back, so they count failures."""
        self._attempts.reset(self._pair(email, source_ip), self._limits.pair_window_s)
        self._attempts.undo(f"login#ip#{source_ip}", self._limits.window_s)
        self._attempts.undo(f"login#acct#{email}", self._limits.pair_window_s)

    @staticmethod
    def _pair(email: str, source_ip: str) -> str:
        return f"login#pair#{email}#{source_ip}"

    def _delay_s(self, failures: int) -> int:
        lim = self._limits
        return int(min(lim.base_delay_s * 2 ** max(0, failures - lim.per_account), lim.max_delay_s))
