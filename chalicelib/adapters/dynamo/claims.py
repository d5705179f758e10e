"""Once-only claims (a conditional put with a TTL), e.g. 'dispatch shard S for tick T'."""

from __future__ import annotations

from pynamodb.exceptions import PutError

from chalicelib.adapters.dynamo.attempts import CounterModel
from chalicelib.domain.clock import Clock


class DynamoClaims:
    def __init__(self, clock: Clock) -> None:
        self._clock = clock

    def claim(self, key: str, ttl_s: int) -> bool:
        try:
            CounterModel(pk=f"claim#{key}", count=1, expires_at=self._clock.now_ms() // 1000 + ttl_s).save(
                condition=CounterModel.pk.does_not_exist()
            )
        except PutError as exc:
            if "ConditionalCheckFailed" in str(exc.cause_response_code):
                return False
            raise
        return True

    def release(self, key: str) -> None:
        CounterModel(pk=f"claim#{key}").delete()
