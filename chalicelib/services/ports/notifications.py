"""What the notification service needs: the feed's store, the user's webhook target, the sender that POSTs
it, and the per-user circuit breaker."""

from __future__ import annotations

from typing import Protocol

from chalicelib.domain.notifications import BreakerState, Notification


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


class WebhookBreaker(Protocol):
    def state(self, user_id: str) -> BreakerState: ...

    def record_failure(self, user_id: str, state: BreakerState) -> BreakerState: ...

    def reset(self, user_id: str) -> None: ...
