"""The commands a linked Telegram chat may send: /status, /bots, /profit [days], /daily, /pause <bot>,
/resume <bot>, /stop <bot> (confirmed with an inline button), /help. A bot is named by its name or the start
of its id; only the linked user's own bots are ever found."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any, Protocol

from chalicelib.domain.bots import BotConfig, BotStatus
from chalicelib.domain.clock import Clock
from chalicelib.domain.errors import DomainError
from chalicelib.domain.trades import Trade, TradeFilter
from chalicelib.services.ports.telegram import TelegramApi

DAY_MS = 86_400_000
HELP = (
    "/status - your bots and today's result\n/bots - each bot\n/profit [days] - realised profit (default 7)\n"
    "/daily - profit per day this week\n/pause <bot>, /resume <bot>\n/stop <bot> - asks to confirm\n/help"
)


class Bots(Protocol):
    def list_for(self, user_id: str) -> list[tuple[BotConfig, Any]]: ...

    def change_status(self, user_id: str, bot_id: str, action: str, mfa_code: str | None = None) -> BotConfig: ...


class Trades(Protocol):
    def page(
        self, user_id: str, flt: TradeFilter, cursor: str | None, limit: int
    ) -> tuple[list[Trade], str | None]: ...


class TelegramCommands:
    def __init__(
        self, *, api: TelegramApi, bots: Bots, trades: Trades, stop: Callable[[str, str], None], clock: Clock
    ) -> None:
        """`stop(user_id, bot_id)` stops a bot (without closing its position)."""
        self._api = api
        self._bots = bots
        self._trades = trades
        self._stop = stop
        self._clock = clock

    def run(self, user_id: str, chat_id: int, text: str) -> None:
        command, _, arg = text.partition(" ")
        command = command.split("@", 1)[0].lower()  # "/bots@tradebot_bot" in a group
        handlers: dict[str, Callable[[str, str], str]] = {
            "/status": self._status,
            "/bots": self._list,
            "/profit": self._profit,
            "/daily": self._daily,
            "/pause": lambda u, a: self._change(u, a, "pause"),
            "/resume": lambda u, a: self._change(u, a, "resume"),
        }
        if command == "/stop":
            return self._ask_stop(user_id, chat_id, arg.strip())
        handler = handlers.get(command)
        reply = handler(user_id, arg.strip()) if handler else HELP
        self._api.send_message(chat_id, reply)

    def confirm(self, user_id: str, chat_id: int, data: str) -> str:
        """An inline button pressed; the answer shown to the user."""
        action, _, bot_id = data.partition(":")
        if action != "stop":
            return "Cancelled."
        bot = next((b for b, _ in self._bots.list_for(user_id) if b.id == bot_id), None)
        if bot is None:
            return "No such bot."
        try:
            self._stop(user_id, bot.id)
        except DomainError as exc:
            return exc.message[:200]
        self._api.send_message(chat_id, f"Stopped {bot.name}.")
        return "Stopped."

    def _status(self, user_id: str, _: str) -> str:
        bots = [b for b, _ in self._bots.list_for(user_id)]
        counts = {s: sum(b.status is s for b in bots) for s in BotStatus}
        parts = ", ".join(f"{n} {s.value}" for s, n in counts.items() if n)
        return f"{len(bots)} bot(s): {parts or 'none'}. Realised today: {self._pnl(user_id, 1)}."

    def _list(self, user_id: str, _: str) -> str:
        rows = [
            f"• {b.name} ({b.id[:8]}) {b.symbol} {b.interval} {b.mode.value}: {b.status.value}"
            for b, _ in self._bots.list_for(user_id)
        ]
        return "\n".join(rows) or "No bots yet."

    def _profit(self, user_id: str, arg: str) -> str:
        days = int(arg) if arg.isdigit() else 7
        if not 1 <= days <= 365:
            return "Usage: /profit [days], days from 1 to 365."
        return f"Realised profit over {days} day(s): {self._pnl(user_id, days)}."

    def _daily(self, user_id: str, _: str) -> str:
        now = self._clock.now_ms()
        trades = self._closed(user_id, 7)
        lines = []
        for day in range(7):
            start, end = now - (day + 1) * DAY_MS, now - day * DAY_MS
            pnl = sum((t.realised_pnl or Decimal(0) for t in trades if start <= t.executed_at_ms < end), Decimal(0))
            lines.append(f"{'today' if day == 0 else f'{day} day(s) ago'}: {pnl}")
        return "Realised profit per day:\n" + "\n".join(lines)

    def _change(self, user_id: str, arg: str, action: str) -> str:
        bot = self._find(user_id, arg)
        if bot is None:
            return f"No bot named {arg[:40]!r}. /bots lists them." if arg else f"Usage: /{action} <bot>"
        try:
            self._bots.change_status(user_id, bot.id, action)
        except DomainError as exc:
            return f"{bot.name}: {exc.message[:200]}"
        return f"{bot.name}: {'paused' if action == 'pause' else 'running again'}."

    def _ask_stop(self, user_id: str, chat_id: int, arg: str) -> None:
        bot = self._find(user_id, arg)
        if bot is None:
            self._api.send_message(chat_id, f"No bot named {arg[:40]!r}." if arg else "Usage: /stop <bot>")
            return
        buttons = [(f"Stop {bot.name[:40]}", f"stop:{bot.id}"), ("Cancel", "cancel")]
        self._api.send_message(chat_id, f"Stop {bot.name}? Its open position is kept.", buttons)

    def _find(self, user_id: str, name: str) -> BotConfig | None:
        if not name:
            return None
        bots = [b for b, _ in self._bots.list_for(user_id)]
        by_name = [b for b in bots if b.name.lower() == name.lower()]
        by_id = [b for b in bots if b.id.startswith(name)] if len(name) >= 4 else []
        found = by_name or by_id
        return found[0] if len(found) == 1 else None

    def _closed(self, user_id: str, days: int) -> list[Trade]:
        start = self._clock.now_ms() - days * DAY_MS
        trades, _ = self._trades.page(user_id, TradeFilter(start_ms=start), None, 1000)
        return trades

    def _pnl(self, user_id: str, days: int) -> Decimal:
        return sum((t.realised_pnl or Decimal(0) for t in self._closed(user_id, days)), Decimal(0))
