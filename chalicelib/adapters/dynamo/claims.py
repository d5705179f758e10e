"""Once-only claims (a conditional put with a TTL), e.g. 'dispatch shard S for tick T'.

A claim holds until its `expires_at` (epoch seconds, the table's TTL attribute) and is free afterwards, whether
or not DynamoDB has deleted it yet: TTL deletion is lazy (up to days late on AWS, never on moto), so the put is
conditional on the key being absent OR its expiry having passed."""

from __future__ import annotations

from pynamodb.exceptions import PutError
from pynamodb.expressions.condition import Condition

from chalicelib.adapters.aws_errors import AwsBoundary
from chalicelib.adapters.dynamo.attempts import CounterModel
from chalicelib.domain.clock import Clock


def free_at(now_s: int) -> Condition:
    """The condition under which a claim can be taken at `now_s`: nobody holds it, or its holder's expired."""
    condition: Condition = CounterModel.pk.does_not_exist() | (CounterModel.expires_at < now_s)
    return condition


class DynamoClaims(AwsBoundary):
    def __init__(self, clock: Clock) -> None:
        self._clock = clock

    def claim(self, key: str, ttl_s: int) -> bool:
        now_s = self._clock.now_ms() // 1000
        try:
            CounterModel(pk=f"claim#{key}", count=1, expires_at=now_s + ttl_s).save(condition=free_at(now_s))
        except PutError as exc:
            if "ConditionalCheckFailed" in str(exc.cause_response_code):
                return False
            raise
        return True

    def release(self, key: str) -> None:
        CounterModel(pk=f"claim#{key}").delete()
