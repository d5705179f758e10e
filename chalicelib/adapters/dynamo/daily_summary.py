"""Daily-summary times in the telegram table, one item per UTC hour so the schedule reads a whole day in one
BatchGetItem (at most 24 keys):

pk=dsum#<HH>   t_<user_id> = "HH:MM"        the user's chosen time in that hour
               s_<user_id> = "YYYY-MM-DD"   the last day a summary was claimed for the user

Top-level attributes per user (not a map) so a first SET needs no parent document. An hour item holds about
4,000 users before DynamoDB's 400 KB item limit; more would need the hour split into shards by user."""

from __future__ import annotations

from typing import Any

from chalicelib.adapters.aws_clients import UNPROCESSED_KEYS, client
from chalicelib.adapters.aws_errors import AwsBoundary
from chalicelib.config import settings
from chalicelib.services.ports.daily_summary import ScheduledSummary


def _key(time: str) -> dict[str, Any]:
    return {"pk": {"S": f"dsum#{time[:2]}"}}


def _conditional_failed(exc: Exception) -> bool:
    code: object = getattr(exc, "response", {}).get("Error", {}).get("Code")
    return code == "ConditionalCheckFailedException"


class DynamoSummarySchedule(AwsBoundary):
    def __init__(self) -> None:
        self._table = settings().table("telegram")

    def set_time(self, user_id: str, old: str | None, new: str | None) -> None:
        names = {"#t": f"t_{user_id}", "#s": f"s_{user_id}"}
        sent: dict[str, Any] | None = None
        if old is not None and (new is None or old[:2] != new[:2]):
            answer = client("dynamodb").update_item(
                TableName=self._table, Key=_key(old), UpdateExpression="REMOVE #t, #s",
                ExpressionAttributeNames=names, ReturnValues="UPDATED_OLD",
            )  # fmt: skip
            sent = answer.get("Attributes", {}).get(names["#s"])
        if new is None:
            return
        values: dict[str, Any] = {":t": {"S": new}}
        expression = "SET #t = :t"
        if sent is not None:  # the day already summarised moves with the user: no second summary that day
            values[":s"], expression = sent, "SET #t = :t, #s = :s"
        client("dynamodb").update_item(
            TableName=self._table, Key=_key(new), UpdateExpression=expression,
            ExpressionAttributeNames=names if sent is not None else {"#t": names["#t"]},
            ExpressionAttributeValues=values,
        )  # fmt: skip

    def entries(self, up_to_hour: int) -> list[ScheduledSummary]:
        keys = [{"pk": {"S": f"dsum#{h:02d}"}} for h in range(up_to_hour + 1)]
        request: dict[str, Any] = {self._table: {"Keys": keys, "ConsistentRead": True}}
        items: list[dict[str, Any]] = []
        for _ in range(UNPROCESSED_KEYS.attempts):
            answer = client("dynamodb").batch_get_item(RequestItems=request)
            items += answer.get("Responses", {}).get(self._table, [])
            request = answer.get("UnprocessedKeys") or {}
            if not request:
                break
        out = []
        for item in items:
            for name, value in item.items():
                if name.startswith("t_"):
                    user_id = name[2:]
                    sent = item.get(f"s_{user_id}", {}).get("S")
                    out.append(ScheduledSummary(user_id, value["S"], sent))
        return out

    def claim(self, user_id: str, time: str, day: str) -> bool:
        try:
            client("dynamodb").update_item(
                TableName=self._table, Key=_key(time), UpdateExpression="SET #s = :d",
                ConditionExpression="#t = :t AND (attribute_not_exists(#s) OR #s <> :d)",
                ExpressionAttributeNames={"#t": f"t_{user_id}", "#s": f"s_{user_id}"},
                ExpressionAttributeValues={":t": {"S": time}, ":d": {"S": day}},
            )  # fmt: skip
        except Exception as exc:
            if _conditional_failed(exc):
                return False
            raise
        return True

    def release(self, user_id: str, time: str, day: str) -> None:
        try:
            client("dynamodb").update_item(
                TableName=self._table, Key=_key(time), UpdateExpression="REMOVE #s", ConditionExpression="#s = :d",
                ExpressionAttributeNames={"#s": f"s_{user_id}"}, ExpressionAttributeValues={":d": {"S": day}},
            )  # fmt: skip
        except Exception as exc:
            if not _conditional_failed(exc):
                raise
