"""In-memory fake of the BotOrderStore port (services/ports/bot_orders.py), with the DynamoDB adapter's
documented behaviour: one record per (bot, client order id), overwritten by `put`; `open_for` reads the sparse
open index (orders open on the exchange or filled beyond their booking); pages are newest first, their `limit`
counts the items read before the owner filter (a DynamoDB Query's Limit), and a cursor is bound to its bot.
Every read is a copy. `queries` counts the calls a DynamoDB table would have answered."""

from __future__ import annotations

import threading
from collections.abc import Sequence

from chalicelib.services.ports.bot_orders import BotOrderPage, BotOrderRecord


def needs_attention(record: BotOrderRecord) -> bool:
    return record.is_open or record.filled_quantity > record.booked_quantity


def _sort_key(record: BotOrderRecord) -> str:
    return f"{record.created_at:013d}#{record.client_order_id}"


class InMemoryBotOrderStore:
    def __init__(self) -> None:
        self._rows: dict[tuple[str, str], BotOrderRecord] = {}  # (bot id, client id) -> record (frozen)
        self._lock = threading.Lock()
        self.queries = 0

    def put(self, record: BotOrderRecord) -> None:
        with self._lock:
            self._rows[(record.bot_id, record.client_order_id)] = record

    def put_all(self, records: Sequence[BotOrderRecord]) -> None:
        """Part of a transaction (InMemoryBotStateStore.put_with_orders)."""
        for record in records:
            self.put(record)

    def all_for(self, bot_id: str) -> list[BotOrderRecord]:
        """Test helper (a Query of the whole bot), not counted."""
        return sorted((r for (b, _), r in self._rows.items() if b == bot_id), key=_sort_key)

    def open_for(self, bot_id: str) -> list[BotOrderRecord]:
        self.queries += 1
        return [r for r in self.all_for(bot_id) if needs_attention(r)]

    def page(self, user_id: str, bot_id: str, *, open_only: bool, limit: int, cursor: str | None) -> BotOrderPage:
        self.queries += 1
        if cursor is not None and not cursor.startswith(f"{bot_id}|"):
            raise ValueError("cursor of another bot")
        rows = [r for r in reversed(self.all_for(bot_id)) if not open_only or needs_attention(r)]
        if cursor is not None:
            after = cursor.split("|", 1)[1]
            rows = [r for r in rows if _sort_key(r) < after]
        read = rows[:limit]
        items = [r for r in read if r.user_id == user_id]
        more = len(read) == limit and len(rows) > limit
        return BotOrderPage(items=items, next_cursor=f"{bot_id}|{_sort_key(read[-1])}" if more else None)

    def count_open(self, bot_id: str) -> int:
        self.queries += 1
        return sum(1 for r in self.all_for(bot_id) if r.is_open)
