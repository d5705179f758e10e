"""Per-user webhook circuit breakers, one item each in the rate-limits table (`webhook-breaker#<user id>`),
with a TTL so an idle breaker disappears. Failures are counted with an atomic ADD, so concurrent deliveries
of one user's notifications are all counted."""

from __future__ import annotations

from pynamodb.attributes import NumberAttribute, UnicodeAttribute

from chalicelib.adapters.aws_errors import AwsBoundary
from chalicelib.adapters.dynamo.base import Model, table_meta
from chalicelib.domain.clock import Clock
from chalicelib.domain.notifications import BreakerState


class BreakerModel(Model):
    Meta = table_meta("rate-limits")
    pk = UnicodeAttribute(hash_key=True)
    failures = NumberAttribute(default=0)
    open_until_ms = NumberAttribute(default=0)
    expires_at = NumberAttribute()


def _pk(user_id: str) -> str:
    return f"webhook-breaker#{user_id}"


class DynamoWebhookBreaker(AwsBoundary):
    def __init__(self, clock: Clock, *, threshold: int = 5, cooldown_s: int = 300, memory_s: int = 86_400) -> None:
        self._clock = clock
        self.threshold = threshold
        self.cooldown_s = cooldown_s
        self._memory_s = memory_s  # how long an idle breaker is remembered (its TTL)

    def state(self, user_id: str) -> BreakerState:
        try:
            item = BreakerModel.get(_pk(user_id), consistent_read=True)
        except BreakerModel.DoesNotExist:
            return BreakerState()
        open_until = int(item.open_until_ms or 0)
        return BreakerState(failures=int(item.failures or 0), open_until_ms=open_until, tripped=open_until > 0)

    def record_failure(self, user_id: str, state: BreakerState) -> BreakerState:
        """Counts one failure; opens the breaker at the threshold, or at once when it was half-open."""
        now_ms = self._clock.now_ms()
        expires = now_ms // 1000 + self._memory_s
        item = BreakerModel(pk=_pk(user_id))
        item.update(actions=[BreakerModel.failures.add(1), BreakerModel.expires_at.set(expires)])
        failures = int(item.failures)
        if state.tripped or failures >= self.threshold:
            open_until = now_ms + self.cooldown_s * 1000
            item.update(actions=[BreakerModel.failures.set(0), BreakerModel.open_until_ms.set(open_until)])
            return BreakerState(failures=0, open_until_ms=open_until, tripped=True)
        return BreakerState(failures=failures, open_until_ms=state.open_until_ms, tripped=state.tripped)

    def reset(self, user_id: str) -> None:
        BreakerModel(pk=_pk(user_id)).delete()
