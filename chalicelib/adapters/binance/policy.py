"""The exchange's one retry policy: how long to back off after a temporary failure, how many calls to
try, and how many times to look up an order whose placement (or cancel) could not be confirmed.

Every exchange call of the Binance adapter goes through it, and nothing above the adapter retries an
exchange call on its own. An order request whose answer could mean it executed is never sent again:
it is resolved by looking the order up by its client order id (`resolve_by_lookup`)."""

from __future__ import annotations

import random
from collections.abc import Callable

from chalicelib.domain.errors import ExchangeError, ExchangeTemporaryError, OrderOutcomeUnknown
from chalicelib.domain.orders import Order, OrderRequest

# Binance answers "unknown order" for a moment after a cancel too: look a few times before giving up.
_FINAL_AFTER_CANCEL = frozenset({"CANCELED", "FILLED", "EXPIRED", "EXPIRED_IN_MATCH", "REJECTED"})


class RetryPolicy:
    """Exponential backoff with equal jitter, capped per wait and in total per call."""

    def __init__(
        self,
        *,
        max_attempts: int = 4,
        base_delay_s: float = 0.5,
        max_delay_s: float = 8.0,
        max_total_wait_s: float = 20.0,
        lookup_attempts: int = 4,
        rng: random.Random | None = None,
    ) -> None:
        self.max_attempts = max_attempts
        self.base_delay_s = base_delay_s
        self.max_delay_s = max_delay_s
        self.max_total_wait_s = max_total_wait_s
        self.lookup_attempts = lookup_attempts
        self._rng = rng or random.Random()

    def delay(self, attempt: int, retry_after_s: float | None = None) -> float:
        cap = min(self.max_delay_s, self.base_delay_s * (2**attempt))
        backoff = cap / 2 + self._rng.uniform(0, cap / 2)
        return float(max(backoff, retry_after_s)) if retry_after_s is not None else backoff

    def gives_up(self, attempt: int, waited_s: float, delay_s: float) -> bool:
        """After `attempt` failed tries and `waited_s` of backoff, is a wait of `delay_s` one too many?"""
        return attempt >= self.max_attempts or waited_s + delay_s > self.max_total_wait_s


def resolve_by_lookup(
    policy: RetryPolicy,
    lookup: Callable[[], Order | None],
    sleep: Callable[[float], None],
    done: Callable[[Order], bool] = lambda _found: True,
) -> tuple[Order | None, bool]:
    """Look an order up at most `policy.lookup_attempts` times, backing off between tries. An exchange
    out of reach counts as a miss: the order may still exist. Returns (last answer, resolved)."""
    found: Order | None = None
    for attempt in range(policy.lookup_attempts):
        try:
            found = lookup()
        except ExchangeTemporaryError:
            found = None
        if found is not None and done(found):
            return found, True
        if attempt + 1 < policy.lookup_attempts:
            sleep(policy.delay(attempt))
    return found, False


def resolve_order(
    policy: RetryPolicy,
    lookup: Callable[[], Order | None],
    sleep: Callable[[float], None],
    request: OrderRequest,
    cause: ExchangeError,
) -> Order:
    """Find an order whose placement could not be confirmed, or report it unknown; never resend."""
    found, resolved = resolve_by_lookup(policy, lookup, sleep)
    if resolved and found is not None:
        return found
    raise OrderOutcomeUnknown(
        f"order {request.client_order_id} on {request.symbol}: outcome unknown after "
        f"{policy.lookup_attempts} lookups ({cause.message}); look it up again later, do not resend",
        exchange_code=cause.exchange_code,
        details={"client_order_id": request.client_order_id, "symbol": request.symbol},
    )


def resolve_cancel(
    policy: RetryPolicy,
    lookup: Callable[[], Order | None],
    sleep: Callable[[float], None],
    cause: ExchangeError,
    *,
    symbol: str,
    client_order_id: str,
) -> Order:
    """A cancel whose answer was lost: the order's own state says whether it took effect. Never resent:
    an order still open after the lookups is reported unknown, and the caller decides again later."""
    found, resolved = resolve_by_lookup(policy, lookup, sleep, lambda order: order.status.value in _FINAL_AFTER_CANCEL)
    if resolved and found is not None:
        return found
    state = "still open" if found is not None else "not found"
    raise OrderOutcomeUnknown(
        f"cancel of {client_order_id} on {symbol}: outcome unknown after {policy.lookup_attempts} "
        f"lookups, order {state} ({cause.message}); look it up again later",
        exchange_code=cause.exchange_code,
        details={"client_order_id": client_order_id, "symbol": symbol},
    )
