"""The telegram table: one-time link codes (stored hashed, removed by TTL), the chat <-> user links, each
user's per-event channel choices, and markers of notifications already sent (a queue retry sends none twice)."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import DeleteError, PutError

from chalicelib.adapters.aws_errors import AwsBoundary
from chalicelib.adapters.dynamo.base import Model, table_meta
from chalicelib.services.ports.telegram import TelegramLink


class TelegramItem(Model):
    Meta = table_meta("telegram")

    pk = UnicodeAttribute(hash_key=True)  # code#<sha256> | chat#<chat id> | user#<user id> | sent#<message id>
    user_id = UnicodeAttribute(null=True)
    chat_id = NumberAttribute(null=True)
    channels = UnicodeAttribute(null=True)  # JSON: {event kind: [channel, ...]}
    summary_time = UnicodeAttribute(null=True)  # HH:MM UTC of the daily summary (adapters/dynamo/daily_summary.py)
    expires_at = NumberAttribute(null=True)  # seconds, DynamoDB TTL


def _get(pk: str) -> TelegramItem | None:
    try:
        return TelegramItem.get(pk, consistent_read=True)
    except TelegramItem.DoesNotExist:
        return None


def _save_user(link: TelegramLink, **changes: Any) -> None:
    """The user's item whole: a save replaces every attribute, so each writer passes them all."""
    link = replace(link, **changes)
    TelegramItem(
        f"user#{link.user_id}", chat_id=link.chat_id, channels=json.dumps(link.channels),
        summary_time=link.daily_summary_time,
    ).save()  # fmt: skip


class DynamoTelegramStore(AwsBoundary):
    def put_code(self, code_hash: str, user_id: str, expires_at_s: int) -> None:
        TelegramItem(f"code#{code_hash}", user_id=user_id, expires_at=expires_at_s).save()

    def take_code(self, code_hash: str, now_s: int) -> str | None:
        item = _get(f"code#{code_hash}")
        if item is None:
            return None
        try:  # the delete is the claim: of two concurrent /start with one code, one wins
            item.delete(condition=TelegramItem.pk.exists())
        except DeleteError:
            return None
        return item.user_id if (item.expires_at or 0) > now_s else None

    def link(self, user_id: str, chat_id: int) -> None:
        current = self.settings(user_id)
        if current.chat_id is not None and current.chat_id != chat_id:
            TelegramItem(f"chat#{current.chat_id}").delete()
        previous = _get(f"chat#{chat_id}")
        if previous is not None and previous.user_id and previous.user_id != user_id:
            self.unlink(previous.user_id)  # a chat belongs to one account
        TelegramItem(f"chat#{chat_id}", user_id=user_id).save()
        _save_user(current, chat_id=chat_id)

    def unlink(self, user_id: str) -> None:
        current = self.settings(user_id)
        if current.chat_id is not None:
            TelegramItem(f"chat#{current.chat_id}").delete()
        _save_user(current, chat_id=None)

    def user_of_chat(self, chat_id: int) -> str | None:
        item = _get(f"chat#{chat_id}")
        return item.user_id if item is not None else None

    def settings(self, user_id: str) -> TelegramLink:
        item = _get(f"user#{user_id}")
        if item is None:
            return TelegramLink(user_id)
        chat = int(item.chat_id) if item.chat_id is not None else None
        return TelegramLink(user_id, chat, json.loads(item.channels or "{}"), item.summary_time)

    def set_channels(self, user_id: str, channels: dict[str, list[str]]) -> None:
        _save_user(replace(self.settings(user_id), channels=channels))

    def set_summary_time(self, user_id: str, time: str | None) -> None:
        _save_user(replace(self.settings(user_id), daily_summary_time=time))

    def was_sent(self, message_id: str) -> bool:
        return _get(f"sent#{message_id}") is not None

    def mark_sent(self, message_id: str, expires_at_s: int) -> bool:
        try:
            TelegramItem(f"sent#{message_id}", expires_at=expires_at_s).save(condition=TelegramItem.pk.does_not_exist())
        except PutError as exc:
            if exc.cause_response_code == "ConditionalCheckFailedException":
                return False
            raise
        return True
