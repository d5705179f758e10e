"""Drift reports, the drift-alert setting and the daily claims in one table (`<prefix>-drift-reports`, keys
user_id / sk, TTL attribute `expires_at`):

sk = r2#<bot>#<version>#<from>#<to> a report of the drift method 2 (`domain.drift.model.METHOD`: a report of an
                                     older method, `r#...`, is never read and expires by its TTL); numbers
                                     zero-padded to 13 digits, so a Query by prefix sorts by
                                     `to`): status pending|done|failed, the answer gzipped in `body` (binary),
                                     or in the artifacts bucket under backtests/<user>/drift/ when larger than
                                     BODY_INLINE_MAX (`body_key`; the bucket's 90-day rule and the account
                                     erasure of backtests/<user>/ cover it), the 422 of a failed job in `error`
sk = alerts                          the user's alert setting (no TTL)
sk = d#<bot>#<day>                   the daily check's claim (TTL 3 days)

Every state change is a conditional write, so a redelivered job or a second GET changes nothing twice."""

from __future__ import annotations

import gzip
import json
from typing import Any

from chalicelib.adapters.aws_clients import client
from chalicelib.adapters.aws_errors import AwsBoundary
from chalicelib.config import settings
from chalicelib.domain.drift.model import METHOD
from chalicelib.services.ports.backtests import ResultStore
from chalicelib.services.ports.drift_reports import AlertSetting, DriftRecord, ReportKey

BODY_INLINE_MAX = 300_000  # bytes of gzipped JSON kept in the item (DynamoDB's item limit is 400 KB)
_PENDING = {":p": {"S": "pending"}}
REPORT = f"r{METHOD}#"  # a report's sort key prefix


def _sk(key: ReportKey) -> str:
    return f"{REPORT}{key.bot_id}#{key.version:013d}#{key.from_ms:013d}#{key.to_ms:013d}"


def _key_of(sk: str) -> ReportKey:
    head, version, from_ms, to_ms = sk.rsplit("#", 3)
    return ReportKey(head.removeprefix(REPORT), int(version), int(from_ms), int(to_ms))


def _refused(exc: Exception) -> bool:
    code: object = getattr(exc, "response", {}).get("Error", {}).get("Code")
    return code == "ConditionalCheckFailedException"


def _n(x: int) -> dict[str, str]:
    return {"N": str(x)}


class DynamoDriftReports(AwsBoundary):
    def __init__(self, blobs: ResultStore) -> None:
        self._table = settings().table("drift-reports")
        self._blobs = blobs

    def _k(self, user_id: str, sk: str) -> dict[str, Any]:
        return {"user_id": {"S": user_id}, "sk": {"S": sk}}

    # --- reports --------------------------------------------------------------------------------

    def get(self, user_id: str, key: ReportKey) -> DriftRecord | None:
        item = (
            client("dynamodb")
            .get_item(TableName=self._table, Key=self._k(user_id, _sk(key)), ConsistentRead=True)
            .get("Item")
        )
        return self._record(item) if item else None

    def latest(self, user_id: str, bot_id: str, version: int, from_ms: int) -> DriftRecord | None:
        answer = client("dynamodb").query(
            TableName=self._table,
            KeyConditionExpression="user_id = :u AND begins_with(sk, :p)",
            ExpressionAttributeValues={
                ":u": {"S": user_id},
                ":p": {"S": f"{REPORT}{bot_id}#{version:013d}#{from_ms:013d}#"},
            },
            ScanIndexForward=False,
            Limit=1,
            ConsistentRead=True,
        )
        items = answer.get("Items", [])
        return self._record(items[0]) if items else None

    def claim(
        self, user_id: str, key: ReportKey, report_id: str, now_ms: int, stale_before_ms: int, expires_at_s: int
    ) -> bool:
        item = {
            **self._k(user_id, _sk(key)),
            "report_id": {"S": report_id},
            "status": {"S": "pending"},
            "updated_at_ms": _n(now_ms),
            "expires_at": _n(expires_at_s),
        }
        return self._conditional(
            "put_item",
            Item=item,
            ConditionExpression="attribute_not_exists(sk) OR expires_at < :now OR (#s = :p AND updated_at_ms < :stale)",
            ExpressionAttributeNames={"#s": "status"},
            ExpressionAttributeValues={**_PENDING, ":now": _n(now_ms // 1000), ":stale": _n(stale_before_ms)},
        )

    def release(self, user_id: str, key: ReportKey, report_id: str) -> None:
        self._conditional(
            "delete_item",
            Key=self._k(user_id, _sk(key)),
            ConditionExpression="#s = :p AND report_id = :r",
            ExpressionAttributeNames={"#s": "status"},
            ExpressionAttributeValues={**_PENDING, ":r": {"S": report_id}},
        )

    def finish(self, user_id: str, key: ReportKey, body: dict[str, Any], now_ms: int, expires_at_s: int) -> bool:
        record = self.get(user_id, key)
        body_attr = self._body(user_id, record.report_id if record else "", body)
        return self._settle(user_id, key, "done", body_attr, now_ms, expires_at_s)

    def fail(self, user_id: str, key: ReportKey, error: dict[str, Any], now_ms: int, expires_at_s: int) -> bool:
        return self._settle(user_id, key, "failed", {"error": {"S": json.dumps(error)}}, now_ms, expires_at_s)

    def put_done(
        self, user_id: str, key: ReportKey, report_id: str, body: dict[str, Any], now_ms: int, expires_at_s: int
    ) -> None:
        item = {
            **self._k(user_id, _sk(key)),
            "report_id": {"S": report_id},
            "status": {"S": "done"},
            "updated_at_ms": _n(now_ms),
            "expires_at": _n(expires_at_s),
            **self._body(user_id, report_id, body),
        }
        client("dynamodb").put_item(TableName=self._table, Item=item)

    def _settle(
        self, user_id: str, key: ReportKey, status: str, attrs: dict[str, Any], now_ms: int, expires_at_s: int
    ) -> bool:
        names = {"#s": "status", **{f"#a{i}": k for i, k in enumerate(attrs)}}
        values = {
            **_PENDING,
            ":to": {"S": status},
            ":u": _n(now_ms),
            ":e": _n(expires_at_s),
            **{f":a{i}": v for i, v in enumerate(attrs.values())},
        }
        sets = ", ".join(
            ["#s = :to", "updated_at_ms = :u", "expires_at = :e"] + [f"#a{i} = :a{i}" for i in range(len(attrs))]
        )
        return self._conditional(
            "update_item",
            Key=self._k(user_id, _sk(key)),
            UpdateExpression=f"SET {sets}",
            ConditionExpression="#s = :p",
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=values,
        )

    def _body(self, user_id: str, report_id: str, body: dict[str, Any]) -> dict[str, Any]:
        raw = json.dumps(body, separators=(",", ":")).encode()
        packed = gzip.compress(raw, compresslevel=6)
        if len(packed) <= BODY_INLINE_MAX:
            return {"body": {"B": packed}}
        blob = f"backtests/{user_id}/drift/{report_id}.json"
        self._blobs.put(blob, raw, "application/json")
        return {"body_key": {"S": blob}}

    def _record(self, item: dict[str, Any]) -> DriftRecord:
        body = None
        if "body" in item:
            body = json.loads(gzip.decompress(item["body"]["B"]))
        elif "body_key" in item:
            blob = self._blobs.get(item["body_key"]["S"])
            body = json.loads(blob) if blob is not None else None
        error = json.loads(item["error"]["S"]) if "error" in item else None
        return DriftRecord(
            item["user_id"]["S"],
            _key_of(item["sk"]["S"]),
            item["report_id"]["S"],
            item["status"]["S"],
            body,
            error,
            int(item["updated_at_ms"]["N"]),
            int(item["expires_at"]["N"]),
        )

    def _conditional(self, operation: str, **kwargs: Any) -> bool:
        try:
            getattr(client("dynamodb"), operation)(TableName=self._table, **kwargs)
        except Exception as exc:
            if _refused(exc):
                return False
            raise
        return True

    # --- alert setting and daily claims ---------------------------------------------------------

    def setting(self, user_id: str) -> AlertSetting:
        item = client("dynamodb").get_item(TableName=self._table, Key=self._k(user_id, "alerts")).get("Item")
        if not item:
            return AlertSetting()
        return AlertSetting(enabled=bool(item["enabled"]["BOOL"]), threshold_bps=int(item["threshold_bps"]["N"]))

    def set_setting(self, user_id: str, setting: AlertSetting) -> None:
        item = {
            **self._k(user_id, "alerts"),
            "enabled": {"BOOL": setting.enabled},
            "threshold_bps": _n(setting.threshold_bps),
        }
        client("dynamodb").put_item(TableName=self._table, Item=item)

    def claim_day(self, user_id: str, bot_id: str, day: str, expires_at_s: int) -> bool:
        item = {**self._k(user_id, f"d#{bot_id}#{day}"), "expires_at": _n(expires_at_s)}
        return self._conditional("put_item", Item=item, ConditionExpression="attribute_not_exists(sk)")

    def release_day(self, user_id: str, bot_id: str, day: str) -> None:
        client("dynamodb").delete_item(TableName=self._table, Key=self._k(user_id, f"d#{bot_id}#{day}"))


def delete_user_drift_reports(user_id: str) -> int:
    """Every item of the user (reports, setting, claims) when the account is erased; the large bodies in the
    bucket go with the account's `backtests/<user>/` prefix."""
    table, ddb, deleted = settings().table("drift-reports"), client("dynamodb"), 0
    for page in ddb.get_paginator("query").paginate(
        TableName=table, KeyConditionExpression="user_id = :u", ExpressionAttributeValues={":u": {"S": user_id}},
        ProjectionExpression="user_id, sk",
    ):  # fmt: skip
        for item in page.get("Items", []):
            ddb.delete_item(TableName=table, Key={"user_id": item["user_id"], "sk": item["sk"]})
            deleted += 1
    return deleted
