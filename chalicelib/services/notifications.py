"""The notification feed and webhooks. Bot events arrive through the notify queue; each is written to the
user's feed (idempotently) and, if the user set a webhook, POSTed with an HMAC signature. A failing
webhook raises, so the queue retries it with backoff and finally parks it in the dead-letter queue."""

from __future__ import annotations

import json
from typing import Any, Protocol

from chalicelib.domain.clock import Clock
from chalicelib.domain.errors import NotFound
from chalicelib.domain.notifications import Notification, notification_id, sign


class NotificationStore(Protocol):
    def put(self, n: Notification) -> bool:
        """False when this notification already exists (a redelivery)."""

    def page(
        self, user_id: str, cursor: str | None, limit: int, unread_only: bool
    ) -> tuple[list[Notification], str | None]: ...

    def mark_read(self, user_id: str, notification_key: str) -> bool: ...

    def find_key(self, user_id: str, notification_id: str) -> str | None: ...

    def unread_keys(self, user_id: str) -> list[str]: ...


class WebhookTarget(Protocol):
    def webhook(self, user_id: str) -> tuple[str, str] | None:
        """(url, signing secret) when the user set a webhook."""


class WebhookSender(Protocol):
    def post(self, url: str, body: bytes, headers: dict[str, str]) -> None:
        """Raises on a non-2xx answer or a network failure."""


class NotificationService:
    def __init__(
        self, *, store: NotificationStore, targets: WebhookTarget, sender: WebhookSender, clock: Clock
    ) -> None:
        self._store = store
        self._targets = targets
        self._sender = sender
        self._clock = clock

    def deliver(self, message_id: str, event: dict[str, Any]) -> None:
        created = int(event.get("at") or self._clock.now_ms())
        note = Notification(
            id=notification_id(message_id),
            user_id=str(event["user_id"]),
            bot_id=event.get("bot_id"),
            kind=str(event["kind"]),
            message=str(event["message"]),
            created_at_ms=created,
            read=False,
            data=dict(event.get("data") or {}),
        )
        self._store.put(note)
        target = self._targets.webhook(note.user_id)
        if target is None:
            return
        url, secret = target
        body = json.dumps(
            {
                "id": note.id,
                "kind": note.kind,
                "bot_id": note.bot_id,
                "message": note.message,
                "created_at_ms": note.created_at_ms,
                "data": note.data,
            },
            separators=(",", ":"),
        ).encode()
        now_s = self._clock.now_ms() // 1000
        self._sender.post(
            url, body, {"Content-Type": "application/json", "X-Tradebot-Signature": sign(secret, now_s, body)}
        )

    def page(
        self, user_id: str, cursor: str | None, limit: int, unread_only: bool = False
    ) -> tuple[list[Notification], str | None]:
        return self._store.page(user_id, cursor, limit, unread_only)

    def mark_read(self, user_id: str, notification_id_: str) -> None:
        key = self._store.find_key(user_id, notification_id_)
        if key is None or not self._store.mark_read(user_id, key):
            raise NotFound("Notification not found.", code="notification_not_found")

    def mark_all_read(self, user_id: str) -> int:
        keys = self._store.unread_keys(user_id)
        for key in keys:
            self._store.mark_read(user_id, key)
        return len(keys)
