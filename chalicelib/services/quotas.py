"""Per-user quotas: how many bots, running bots, API keys, queued/running and stored backtests a user may
have, and how large an upload may be. Limits come from the stage's settings (`TRADEBOT_QUOTA_*`, see
`QUOTAS`); a negative limit means unlimited.

Counting is atomic. Each (user, quota) has one ledger record holding the ids of what it counts; admitting an
id is one conditional write ("fewer than the limit, or already in"), and releasing removes the id. Both are
idempotent, so retries and duplicate deliveries never drift the count. The ledger is an admission gate, not
the truth: when it refuses (or does not exist yet, e.g. for users from before quotas), the service recounts
the real records and rewrites the ledger conditionally on its version, keeping ids admitted in the last
`grace_ms` (creations still in flight). A crash between admission and creation therefore holds a slot for at
most `grace_ms`, and a release that was lost is repaired at the next refusal. The recount runs at most once
per `recheck_ms` per (user, quota), so a user at the limit cannot turn refusals into repeated full reads.

Adding a quota (e.g. stored optimizations when they exist) is one `Quota` entry plus a `truth` function in the
composition root, and `acquire`/`release` calls where the thing is created and deleted."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from chalicelib.domain.clock import Clock
from chalicelib.domain.errors import DomainError, PayloadTooLarge, QuotaExceeded, RateLimited
from chalicelib.services.ports.quotas import QuotaLedger

UNLIMITED = -1
GRACE_MS = 120_000  # longer than the API's 29 s timeout: every creation admitted earlier has finished or died
RECHECK_MS = 60_000


@dataclass(frozen=True)
class Quota:
    name: str
    env: str
    default: int
    noun: str
    remedy: str
    # "conflict": 409 (free one first); "busy": 429 with Retry-After (one frees itself soon).
    kind: str = "conflict"
    retry_after_s: int = 30


QUOTAS: dict[str, Quota] = {
    q.name: q
    for q in (
        Quota("bots", "TRADEBOT_QUOTA_BOTS", 100, "bots", "delete a bot first"),
        Quota("running_bots", "TRADEBOT_QUOTA_RUNNING_BOTS", 50, "running bots", "pause or stop a bot first"),
        Quota("api_keys", "TRADEBOT_QUOTA_API_KEYS", 10, "API keys", "delete a key first"),
        Quota(
            "active_backtests",
            "TRADEBOT_QUOTA_ACTIVE_BACKTESTS",
            3,
            "queued or running backtests",
            "wait for one to finish",
            kind="busy",
        ),
        Quota("stored_backtests", "TRADEBOT_QUOTA_STORED_BACKTESTS", 500, "stored backtests", "delete one first"),
    )
}
UPLOAD_ENV = "TRADEBOT_QUOTA_UPLOAD_BYTES"
UPLOAD_DEFAULT = 6 * 1024 * 1024  # the API's hard cap on a CSV (the request body limit); a stage may lower it


def _limit(extra: Mapping[str, str], env: str, default: int) -> int:
    raw = extra.get(env)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ValueError(f"{env} must be an integer (negative: unlimited), got {raw!r}") from None


@dataclass(frozen=True)
class Limits:
    counts: Mapping[str, int]
    upload_bytes: int

    @classmethod
    def from_settings(cls, extra: Mapping[str, str]) -> Limits:
        return cls(
            counts={name: _limit(extra, q.env, q.default) for name, q in QUOTAS.items()},
            upload_bytes=_limit(extra, UPLOAD_ENV, UPLOAD_DEFAULT),
        )


Truth = Callable[[str], set[str]]


class Quotas:
    def __init__(
        self,
        ledger: QuotaLedger,
        limits: Limits,
        truth: Mapping[str, Truth],
        clock: Clock,
        *,
        grace_ms: int = GRACE_MS,
        recheck_ms: int = RECHECK_MS,
    ) -> None:
        self._ledger = ledger
        self._limits = limits
        self._truth = truth
        self._clock = clock
        self._grace_ms = grace_ms
        self._recheck_ms = recheck_ms

    @property
    def limits(self) -> Limits:
        return self._limits

    def limit(self, quota: str) -> int:
        return self._limits.counts[quota]

    def acquire(self, user_id: str, quota: str, member: str) -> None:
        """Admit `member` under `quota` or raise its 4xx. Call before creating the thing; `release` if the
        creation then fails."""
        limit = self.limit(quota)
        if limit < 0:
            return
        if limit > 0:
            for _ in range(3):
                if self._ledger.admit(user_id, quota, member, limit, self._clock.now_ms()):
                    return
                if not self._reconcile(user_id, quota):
                    break
        raise self._exceeded(quota, limit, self._used(user_id, quota))

    def release(self, user_id: str, quota: str, member: str) -> None:
        if self.limit(quota) < 0:
            return
        self._ledger.release(user_id, quota, member)

    def check_upload(self, size_bytes: int, field: str = "csv") -> None:
        limit = self._limits.upload_bytes
        if 0 <= limit < size_bytes:
            raise PayloadTooLarge(
                f"The upload is {size_bytes} bytes; the limit is {limit} bytes.",
                code="quota_exceeded",
                details={"quota": "upload_bytes", "limit": limit, "used": size_bytes, "field": field},
            )

    def _used(self, user_id: str, quota: str) -> int:
        found = self._ledger.read(user_id, quota)
        return len(found.members) if found is not None else 0

    def _reconcile(self, user_id: str, quota: str) -> bool:
        """Rewrite the ledger from the real records. True when it changed (so admission may be retried)."""
        now = self._clock.now_ms()
        current = self._ledger.read(user_id, quota)
        if current is not None and now - current.checked_at_ms < self._recheck_ms:
            return False
        real = self._truth[quota](user_id)
        held = dict(current.members) if current is not None else {}
        members = {m: held.get(m, now) for m in real}
        # Admitted moments ago and not created yet: keep, or a concurrent creation would go uncounted.
        members.update({m: at for m, at in held.items() if now - at < self._grace_ms})
        self._ledger.replace(user_id, quota, members, current, now)
        # Whether or not our write won, the ledger was just recounted (by us or by a concurrent caller).
        return True

    @staticmethod
    def _exceeded(quota: str, limit: int, used: int) -> DomainError:
        q = QUOTAS[quota]
        message = f"You have reached the limit of {limit} {q.noun}; {q.remedy}."
        details = {"quota": quota, "limit": limit, "used": used}
        if q.kind == "busy":
            return RateLimited(message, retry_after_s=q.retry_after_s, code="quota_exceeded", details=details)
        return QuotaExceeded(message, code="quota_exceeded", details=details)
