"""The shared Binance request-weight budget and ban/pause marks, per egress address, in the rate-limits
table. Every user's bots behind one egress IP share one budget, so the counter lives in DynamoDB and is
updated atomically (ADD), never read-then-written."""

from __future__ import annotations

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import UpdateError

from chalicelib.adapters.aws_errors import AwsBoundary
from chalicelib.adapters.dynamo.base import Model, table_meta


class RateLimitItem(Model):
    Meta = table_meta("rate-limits")

    pk = UnicodeAttribute(hash_key=True)
    used = NumberAttribute(null=True)
    until_ms = NumberAttribute(null=True)
    reason = UnicodeAttribute(null=True)
    expires_at = NumberAttribute(null=True)  # TTL, epoch seconds


def _weight_pk(egress_id: str, minute: int) -> str:
    return f"binance-weight#{egress_id}#{minute}"


def _pause_pk(egress_id: str) -> str:
    return f"binance-pause#{egress_id}"


def _conditional_failed(exc: UpdateError) -> bool:
    return exc.cause_response_code == "ConditionalCheckFailedException"


class DynamoWeightStore(AwsBoundary):
    def add_weight(self, egress_id: str, minute: int, weight: int) -> int:
        item = RateLimitItem(_weight_pk(egress_id, minute))
        item.update(
            actions=[RateLimitItem.used.add(weight), RateLimitItem.expires_at.set((minute + 2) * 60)],
        )
        return int(item.used or 0)

    def observe_weight(self, egress_id: str, minute: int, used: int) -> None:
        """Binance's own count (X-MBX-USED-WEIGHT-1M) wins when it is higher than ours."""
        item = RateLimitItem(_weight_pk(egress_id, minute))
        try:
            item.update(
                actions=[RateLimitItem.used.set(used), RateLimitItem.expires_at.set((minute + 2) * 60)],
                condition=RateLimitItem.used.does_not_exist() | (RateLimitItem.used < used),
            )
        except UpdateError as exc:
            if not _conditional_failed(exc):
                raise

    def pause(self, egress_id: str, until_ms: int, reason: str) -> None:
        item = RateLimitItem(_pause_pk(egress_id))
        try:
            item.update(
                actions=[
                    RateLimitItem.until_ms.set(until_ms),
                    RateLimitItem.reason.set(reason),
                    RateLimitItem.expires_at.set(until_ms // 1000 + 3600),
                ],
                condition=RateLimitItem.until_ms.does_not_exist() | (RateLimitItem.until_ms < until_ms),
            )
        except UpdateError as exc:
            if not _conditional_failed(exc):
                raise

    def paused_until(self, egress_id: str) -> tuple[int, str] | None:
        try:
            item = RateLimitItem.get(_pause_pk(egress_id), consistent_read=True)
        except RateLimitItem.DoesNotExist:
            return None
        if item.until_ms is None:
            return None
        return int(item.until_ms), item.reason or ""
