"""Quota ledgers in the rate-limits table: one item per (user, quota), `pk = quota#<user>#<quota>`, holding a
map `members` (id -> admitted at, ms), a `ver` bumped by every write and `checked_at` (the last recount).
No `expires_at`: a ledger never expires. Admission is one conditional UpdateItem, so concurrent requests can
never admit more than the limit; release is an idempotent REMOVE."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from chalicelib.adapters.aws_clients import client
from chalicelib.adapters.aws_errors import AwsBoundary
from chalicelib.config import settings
from chalicelib.services.ports.quotas import Ledger


def _pk(user_id: str, quota: str) -> str:
    return f"quota#{user_id}#{quota}"


def _conditional_failed(exc: Exception) -> bool:
    response = getattr(exc, "response", None) or {}
    return bool(response.get("Error", {}).get("Code") == "ConditionalCheckFailedException")


class DynamoQuotaLedger(AwsBoundary):
    def __init__(self, table: str | None = None) -> None:
        self._table = table or settings().table("rate-limits")

    def _update(self, user_id: str, quota: str, **kwargs: Any) -> bool:
        try:
            client("dynamodb").update_item(TableName=self._table, Key={"pk": {"S": _pk(user_id, quota)}}, **kwargs)
        except Exception as exc:
            if _conditional_failed(exc):
                return False
            raise
        return True

    def admit(self, user_id: str, quota: str, member: str, limit: int, now_ms: int) -> bool:
        return self._update(
            user_id,
            quota,
            UpdateExpression="SET #m.#id = if_not_exists(#m.#id, :now) ADD ver :one",
            ConditionExpression="attribute_exists(#m) AND (size(#m) < :limit OR attribute_exists(#m.#id))",
            ExpressionAttributeNames={"#m": "members", "#id": member},
            ExpressionAttributeValues={":now": {"N": str(now_ms)}, ":one": {"N": "1"}, ":limit": {"N": str(limit)}},
        )

    def release(self, user_id: str, quota: str, member: str) -> None:
        self._update(
            user_id,
            quota,
            UpdateExpression="REMOVE #m.#id ADD ver :one",
            ConditionExpression="attribute_exists(#m.#id)",
            ExpressionAttributeNames={"#m": "members", "#id": member},
            ExpressionAttributeValues={":one": {"N": "1"}},
        )

    def read(self, user_id: str, quota: str) -> Ledger | None:
        item = (
            client("dynamodb")
            .get_item(TableName=self._table, Key={"pk": {"S": _pk(user_id, quota)}}, ConsistentRead=True)
            .get("Item")
        )
        if item is None or "members" not in item:
            return None
        members = {k: int(v["N"]) for k, v in item["members"]["M"].items()}
        return Ledger(
            members=members,
            version=int(item.get("ver", {}).get("N", "0")),
            checked_at_ms=int(item.get("checked_at", {}).get("N", "0")),
        )

    def replace(
        self, user_id: str, quota: str, members: Mapping[str, int], expected: Ledger | None, now_ms: int
    ) -> bool:
        values: dict[str, Any] = {
            ":m": {"M": {k: {"N": str(v)} for k, v in members.items()}},
            ":now": {"N": str(now_ms)},
            ":one": {"N": "1"},
        }
        if expected is None:
            condition = "attribute_not_exists(#m)"
        else:
            condition = "ver = :ver"
            values[":ver"] = {"N": str(expected.version)}
        return self._update(
            user_id,
            quota,
            UpdateExpression="SET #m = :m, checked_at = :now ADD ver :one",
            ConditionExpression=condition,
            ExpressionAttributeNames={"#m": "members"},
            ExpressionAttributeValues=values,
        )
