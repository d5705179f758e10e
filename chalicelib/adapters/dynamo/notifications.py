"""The notification feed in DynamoDB (user_id, notification_key = "<created ms>#<id>")."""

from __future__ import annotations

import base64
import json

from pynamodb.attributes import BooleanAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import PutError, UpdateError

from chalicelib.adapters.aws_errors import AwsBoundary
from chalicelib.adapters.dynamo.base import Model, table_meta
from chalicelib.domain.notifications import Notification

_KEEP_S = 90 * 86_400


class NotificationModel(Model):
    Meta = table_meta("notifications")
    user_id = UnicodeAttribute(hash_key=True)
    notification_key = UnicodeAttribute(range_key=True)
    notification_id = UnicodeAttribute()
    bot_id = UnicodeAttribute(null=True)
    kind = UnicodeAttribute()
    message = UnicodeAttribute()
    created_at_ms = NumberAttribute()
    read = BooleanAttribute(default=False)
    data = UnicodeAttribute(default="{}")
    expires_at = NumberAttribute()


def _from(m: NotificationModel) -> Notification:
    return Notification(
        id=m.notification_id,
        user_id=m.user_id,
        bot_id=m.bot_id,
        kind=m.kind,
        message=m.message,
        created_at_ms=int(m.created_at_ms),
        read=bool(m.read),
        data=json.loads(m.data or "{}"),
    )


class DynamoNotificationStore(AwsBoundary):
    def put(self, n: Notification) -> bool:
        try:
            NotificationModel(
                user_id=n.user_id,
                notification_key=n.key,
                notification_id=n.id,
                bot_id=n.bot_id,
                kind=n.kind,
                message=n.message,
                created_at_ms=n.created_at_ms,
                read=n.read,
                data=json.dumps(n.data),
                expires_at=n.created_at_ms // 1000 + _KEEP_S,
            ).save(condition=NotificationModel.notification_key.does_not_exist())
        except PutError as exc:
            if "ConditionalCheckFailed" in str(exc.cause_response_code):
                return False
            raise
        return True

    def page(
        self, user_id: str, cursor: str | None, limit: int, unread_only: bool
    ) -> tuple[list[Notification], str | None]:
        start = json.loads(base64.urlsafe_b64decode(cursor.encode())) if cursor else None
        results = NotificationModel.query(
            user_id,
            filter_condition=(NotificationModel.read == False) if unread_only else None,  # noqa: E712
            scan_index_forward=False,
            limit=limit,
            last_evaluated_key=start,
        )
        items = [_from(m) for m in results]
        last = results.last_evaluated_key
        return items, base64.urlsafe_b64encode(json.dumps(last).encode()).decode() if last else None

    def mark_read(self, user_id: str, notification_key: str) -> bool:
        try:
            NotificationModel(user_id=user_id, notification_key=notification_key).update(
                actions=[NotificationModel.read.set(True)], condition=NotificationModel.notification_key.exists()
            )
        except UpdateError as exc:
            if "ConditionalCheckFailed" in str(exc.cause_response_code):
                return False
            raise
        return True

    def find_key(self, user_id: str, notification_id: str) -> str | None:
        for m in NotificationModel.query(
            user_id, filter_condition=NotificationModel.notification_id == notification_id
        ):
            return str(m.notification_key)
        return None

    def unread_keys(self, user_id: str) -> list[str]:
        return [
            str(m.notification_key)
            for m in NotificationModel.query(user_id, filter_condition=NotificationModel.read == False)  # noqa: E712
        ]
