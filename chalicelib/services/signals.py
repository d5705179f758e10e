"""Signal bots' webhook: authenticate a signal by its bot's secret, record it, refuse what must not trade,
accept each signal once, and queue it for the worker that runs ticks; the worker applies a bot's signals in
arrival order through the tick service (services/tick/signals.py).

Secrets are 256-bit random values stored as SHA-256 hashes (a slow hash adds nothing to a value that cannot be
guessed) and as KMS ciphertexts for signed requests (services/signal_auth.py), compared in constant time; an
unknown token costs the same work as a wrong one."""

from __future__ import annotations

import functools
import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

from chalicelib.domain.bots import BotConfig, BotStatus
from chalicelib.domain.clock import Clock
from chalicelib.domain.errors import Conflict, InvalidInput, NotFound, PayloadTooLarge, RateLimited
from chalicelib.domain.signals import (
    MAX_BODY_BYTES,
    ParsedSignal,
    SignalRefused,
    check_action,
    check_fresh,
    check_symbol,
    parse_body,
    signal_identity,
)
from chalicelib.domain.strategies import validate_params
from chalicelib.services.messages import SignalMessage
from chalicelib.services.ports.bots import BotEvent, BotRepository, MessageQueue, Notifier, StateConflict
from chalicelib.services.ports.signals import FINAL, SignalRecord, SignalSecret, SignalStore
from chalicelib.services.signal_auth import SignalAuthenticator, Signature, secret_hash, unauthorized
from chalicelib.services.tick.signals import BotBusy, SignalResult

SIGNAL_STRATEGY = "signal"
IDENTITY_TTL_S = 7 * 86_400  # a signal id is accepted once a week; TradingView retries within seconds
_TOKEN = re.compile(r"^([a-f0-9]{16})(?:\.([A-Za-z0-9_-]{20,100}))?$")
LEASE_ATTEMPTS, LEASE_RETRY_S = 6, 0.5
APPLY_ATTEMPTS = 3
DRAIN_LEASE, DRAIN_LEASE_S = "~drain", 60  # "~" is outside signal ids' alphabet: no signal can take it


@dataclass(frozen=True)
class Limits:
    per_bot_per_minute: int = 30
    per_user_per_minute: int = 120


@dataclass(frozen=True)
class Receipt:
    record: SignalRecord

    @property
    def duplicate(self) -> bool:
        return self.record.status == "duplicate"


class SignalService:
    def __init__(
        self,
        *,
        store: SignalStore,
        bots: BotRepository,
        queue: MessageQueue,
        notifier: Notifier,
        clock: Clock,
        apply: Callable[[BotConfig, SignalRecord, Callable[[], None]], SignalResult],
        auth: SignalAuthenticator,
        limits: Limits | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._store = store
        self._bots = bots
        self._queue = queue
        self._notifier = notifier
        self._clock = clock
        self._apply = apply
        self._auth = auth
        self._limits = limits or Limits()
        self._sleep = sleep

    # --- the owner's side ------------------------------------------------------------------------

    def rotate_secret(self, user_id: str, bot_id: str) -> str:
        """A new token (shown once); the bot's previous token stops working at once."""
        config = self._owned(user_id, bot_id)
        if config.strategy != SIGNAL_STRATEGY:
            raise Conflict("Only a signal bot has a webhook secret.", code="not_a_signal_bot")
        token_id, secret = secrets.token_hex(8), secrets.token_urlsafe(32)
        old = self._store.current_token_id(bot_id)
        sealed = self._auth.seal(user_id, bot_id, token_id, secret)
        self._store.replace_secret(SignalSecret(token_id, bot_id, user_id, secret_hash(secret), sealed), old)
        return f"{token_id}.{secret}"

    def page(self, user_id: str, bot_id: str, cursor: str | None, limit: int) -> tuple[list[SignalRecord], str | None]:
        self._owned(user_id, bot_id)
        return self._store.page(bot_id, cursor, limit)

    def _owned(self, user_id: str, bot_id: str) -> BotConfig:
        config = self._bots.get(user_id, bot_id)
        if config is None:
            raise NotFound("No such bot.", code="bot_not_found")
        return config

    # --- the webhook -----------------------------------------------------------------------------

    def receive(self, token: str, raw: bytes, signed: Signature | None = None) -> Receipt:
        """`signed` (either header present) makes the signature the credential: the URL then names the token
        by its id, and a secret in the URL or the body is not looked at."""
        if len(raw) > MAX_BODY_BYTES:
            raise PayloadTooLarge(f"A signal body is at most {MAX_BODY_BYTES} bytes.", code="payload_too_large")
        match = _TOKEN.match(token)
        if match is None:
            raise unauthorized()
        token_id, secret = match.group(1), match.group(2)
        parsed: ParsedSignal | None = None
        if signed is not None:
            owner = self._auth.by_signature(token_id, signed, raw)
        else:
            if secret is None:  # the secret travels in the body (`"secret": "…"`)
                parsed = parse_body(raw)
                secret = parsed.secret
            owner = self._auth.by_secret(token_id, secret)
        self._rate_limit(owner)
        config = self._bots.get(owner.user_id, owner.bot_id)
        if config is None or config.strategy != SIGNAL_STRATEGY:
            raise unauthorized()
        return self._accept(config, parsed, raw)

    def _rate_limit(self, owner: SignalSecret) -> None:
        user_count, bot_count, left_s = self._store.hit(owner.user_id, owner.bot_id, 60)
        for count, limit in (
            (bot_count, self._limits.per_bot_per_minute),
            (user_count, self._limits.per_user_per_minute),
        ):
            if count > limit:
                raise RateLimited(
                    f"More than {limit} signals a minute; wait and send again.",
                    retry_after_s=max(left_s, 1),
                    code="signal_rate_limited",
                )

    def _accept(self, config: BotConfig, parsed: ParsedSignal | None, raw: bytes) -> Receipt:
        now = self._clock.now_ms()
        seq = f"{now:013d}#{secrets.token_hex(4)}"
        try:
            parsed = parsed or parse_body(raw)
        except InvalidInput as exc:
            self._log(config, seq, now, "invalid", exc.code, exc.message)
            raise
        record = SignalRecord(
            config.id, config.user_id, seq, signal_identity(config.id, parsed, raw, now), parsed.action,
            parsed.symbol, now, parsed.sent_at_ms, "queued",
        )  # fmt: skip
        try:
            self._check(config, parsed, now)
        except SignalRefused as refusal:
            status = "stale" if refusal.reason == "stale" else "refused"
            self._refuse(replace(record, status=status, reason=refusal.reason, message=refusal.message))
            raise _as_error(refusal) from None
        if not self._store.accept(record, IDENTITY_TTL_S):
            duplicate = replace(record, status="duplicate", message="this signal was already received")
            self._store.add(duplicate, enqueue=False)
            return Receipt(duplicate)
        self._queue.send_batch([SignalMessage(user_id=config.user_id, bot_id=config.id, seq=seq).body()])
        return Receipt(record)

    def _check(self, config: BotConfig, parsed: ParsedSignal, now: int) -> None:
        params = validate_params(config.strategy, config.params)
        check_symbol(parsed.symbol, config.symbol)
        check_action(parsed.action, params)
        check_fresh(parsed.sent_at_ms, now, now, int(params["max_lag_s"]))
        if config.status is not BotStatus.RUNNING:
            raise SignalRefused("bot_stopped", f"the bot is {config.status.value}")

    def _log(self, config: BotConfig, seq: str, now: int, status: str, reason: str, message: str) -> None:
        record = SignalRecord(config.id, config.user_id, seq, "-", "-", None, now, None, status, reason, message)
        self._store.add(record, enqueue=False)

    def _refuse(self, record: SignalRecord) -> None:
        self._store.add(record, enqueue=False)
        self._notify(record)

    def _notify(self, record: SignalRecord) -> None:
        message = f"A {record.action} signal was refused ({record.reason}): {record.message}"
        data = {"signal_id": record.signal_id, "reason": record.reason, "status": record.status}
        self._notifier.publish([BotEvent(record.user_id, record.bot_id, "signal_refused", message[:500], data)])

    # --- the worker ------------------------------------------------------------------------------

    def drain(self, user_id: str, bot_id: str, batch: int = 25) -> int:
        """Apply the bot's queued signals oldest first; stop at the first that must be retried (BotBusy,
        a state conflict) so a later signal never overtakes an earlier one. Returns how many were settled."""
        # One drain per bot at a time (a lease that expires if its holder dies): two workers never apply the
        # same bot's signals side by side, so arrival order holds and an intent is never resumed twice at once.
        if not self._lease(bot_id):
            raise BotBusy("another worker is applying this bot's signals", code="bot_busy")
        try:
            settled = total = self._drain(user_id, bot_id, batch)
            while settled:  # signals that arrived meanwhile: the next worker would wait for this lease
                settled = self._drain(user_id, bot_id, batch)
                total += settled
            return total
        finally:
            self._store.release_identity(bot_id, DRAIN_LEASE)

    def _lease(self, bot_id: str) -> bool:
        """The bot's drain lease. The holder drains until the queue is empty, so a signal that came while it
        held the lease is applied by it or, once it lets go, by this worker after a short wait (a failed message
        would come back only after the queue's visibility timeout, by when the signal would be stale)."""
        for attempt in range(LEASE_ATTEMPTS):
            if self._store.claim_identity(bot_id, DRAIN_LEASE, DRAIN_LEASE_S):
                return True
            if attempt + 1 < LEASE_ATTEMPTS:
                self._sleep(LEASE_RETRY_S)
        return False

    def _drain(self, user_id: str, bot_id: str, batch: int) -> int:
        config = self._bots.get(user_id, bot_id)
        settled = 0
        for queued in self._store.queued(bot_id, batch):
            current = self._store.get(bot_id, queued.seq) or queued
            if current.status in FINAL:
                self._store.settle(current)
                continue
            result = self._run(config, current)
            final = replace(
                current, status=result.status, reason=result.reason, message=result.message, order_ids=result.order_ids
            )
            self._store.settle(final)
            if final.status != "executed":
                self._notify(final)
            settled += 1
        return settled

    def _run(self, config: BotConfig | None, record: SignalRecord) -> SignalResult:
        if config is None or config.status is not BotStatus.RUNNING:
            state = config.status.value if config else "deleted"
            return SignalResult("refused", "bot_stopped", f"the bot is {state}")
        for attempt in range(APPLY_ATTEMPTS):
            # Re-read: a retry must see the `placing` mark, so an order already sent is looked up, not re-sent.
            current = self._store.get(record.bot_id, record.seq) or record
            try:
                return self._apply(config, current, functools.partial(self._mark_placing, current))
            except StateConflict:
                # A tick wrote the bot's state meanwhile: plan again on the new state (SQS would come back only
                # after the visibility timeout, by when the signal would be stale).
                if attempt + 1 == APPLY_ATTEMPTS:
                    raise
        raise AssertionError("unreachable")

    def _mark_placing(self, record: SignalRecord) -> None:
        self._store.settle(replace(record, status="placing"))


def _as_error(refusal: SignalRefused) -> InvalidInput | Conflict:
    code = {"stale": "stale_signal", "future_time": "stale_signal"}.get(refusal.reason, refusal.reason)
    if refusal.reason == "bot_stopped":
        return Conflict(f"Signal refused: {refusal.message}.", code=code)
    return InvalidInput(f"Signal refused: {refusal.message}.", code=code, details=[{"field": "body",
                        "message": refusal.message}])  # fmt: skip


__all__ = ["BotBusy", "Limits", "Receipt", "SignalService", "Signature"]
