"""A stand-in for Telegram's Bot API (https://core.telegram.org/bots/api), served over real HTTP on 127.0.0.1.

It models what Telegram documents, the inconvenient parts included:
- requests go to `/bot<token>/<method>` with a JSON body; every answer is `{"ok": true, "result": ...}` or
  `{"ok": false, "error_code": N, "description": "..."}` with the HTTP status N; a wrong token is 401
  "Unauthorized";
- flood control: an armed `flood(seconds)` answers the next sendMessage with 429 "Too Many Requests: retry
  after N" and `parameters.retry_after`, and refuses every sendMessage to that chat until the time passed;
- a user who blocked the bot gets 403 "Forbidden: bot was blocked by the user"; an unknown chat 400
  "Bad Request: chat not found"; a text over 4096 characters 400 "Bad Request: message is too long";
- answerCallbackQuery accepts only a callback query id it handed out (`callback_update`), once.
It also builds the updates Telegram would POST to a webhook (`message_update`, `callback_update`).
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

TOKEN = "123456789:AAFakeTelegramBotToken_0123456789abcdef"
MAX_TEXT = 4096


@dataclass
class Sent:
    chat_id: int
    text: str
    reply_markup: dict[str, Any] | None = None


@dataclass
class FakeState:
    chats: set[int] = field(default_factory=set)  # chats that have started the bot
    blocked: set[int] = field(default_factory=set)
    flood_until: dict[int, float] = field(default_factory=dict)
    armed_flood: int | None = None
    sent: list[Sent] = field(default_factory=list)
    answered: list[tuple[str, str]] = field(default_factory=list)
    open_callbacks: set[str] = field(default_factory=set)
    refused: list[tuple[str, int]] = field(default_factory=list)  # (method, error_code)


class FakeTelegramBotApi(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, token: str = TOKEN) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.token = token
        self.state = FakeState()
        self.lock = threading.Lock()
        self._ids = itertools.count(1)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def __enter__(self) -> FakeTelegramBotApi:
        threading.Thread(target=self.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown()
        self.server_close()

    def flood(self, retry_after_s: int) -> None:
        """The next sendMessage trips flood control for `retry_after_s` seconds."""
        self.state.armed_flood = retry_after_s

    def texts(self, chat_id: int) -> list[str]:
        return [s.text for s in self.state.sent if s.chat_id == chat_id]

    def message_update(self, chat_id: int, text: str) -> dict[str, Any]:
        self.state.chats.add(chat_id)
        n = next(self._ids)
        return {
            "update_id": 10_000 + n,
            "message": {
                "message_id": n,
                "date": int(time.time()),
                "chat": {"id": chat_id, "type": "private"},
                "from": {"id": chat_id, "is_bot": False, "first_name": "Test"},
                "text": text,
            },
        }

    def callback_update(self, chat_id: int, data: str) -> dict[str, Any]:
        n = next(self._ids)
        query_id = f"cb{n}"
        self.state.open_callbacks.add(query_id)
        return {
            "update_id": 10_000 + n,
            "callback_query": {
                "id": query_id,
                "from": {"id": chat_id, "is_bot": False, "first_name": "Test"},
                "message": {"message_id": n, "date": int(time.time()), "chat": {"id": chat_id, "type": "private"}},
                "chat_instance": str(chat_id),
                "data": data,
            },
        }

    def call(self, method: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        with self.lock:
            if method == "sendMessage":
                return self._send_message(body)
            if method == "answerCallbackQuery":
                return self._answer(body)
            if method == "getMe":
                return 200, {"ok": True, "result": {"id": 1, "is_bot": True, "username": "tradebot_test_bot"}}
            return _error(404, "Not Found")

    def _send_message(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        chat_id, text = int(body.get("chat_id") or 0), str(body.get("text") or "")
        if chat_id in self.state.blocked:
            return _error(403, "Forbidden: bot was blocked by the user")
        if chat_id not in self.state.chats:
            return _error(400, "Bad Request: chat not found")
        if not text or len(text) > MAX_TEXT:
            return _error(400, "Bad Request: message is too long" if text else "Bad Request: message text is empty")
        now = time.monotonic()
        if self.state.armed_flood is not None:
            self.state.flood_until[chat_id] = now + self.state.armed_flood
            self.state.armed_flood = None
        until = self.state.flood_until.get(chat_id, 0.0)
        if until > now:
            wait = max(1, round(until - now))
            answer = _error(429, f"Too Many Requests: retry after {wait}")
            answer[1]["parameters"] = {"retry_after": wait}
            return answer
        self.state.sent.append(Sent(chat_id, text, body.get("reply_markup")))
        message = {"message_id": next(self._ids), "date": int(time.time()), "chat": {"id": chat_id}, "text": text}
        return 200, {"ok": True, "result": message}

    def _answer(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        query_id = str(body.get("callback_query_id") or "")
        if query_id not in self.state.open_callbacks:
            return _error(400, "Bad Request: query is too old and response timeout expired or query ID is invalid")
        self.state.open_callbacks.discard(query_id)
        self.state.answered.append((query_id, str(body.get("text") or "")))
        return 200, {"ok": True, "result": True}


def _error(code: int, description: str) -> tuple[int, dict[str, Any]]:
    return code, {"ok": False, "error_code": code, "description": description}


class _Handler(BaseHTTPRequestHandler):
    server: FakeTelegramBotApi
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b"{}"
        _, _, rest = self.path.partition("/bot")
        token, _, method = rest.partition("/")
        if token != self.server.token:
            status, answer = _error(401, "Unauthorized")
        else:
            try:
                body = json.loads(raw or b"{}")
            except ValueError:
                body = None
            status, answer = (
                self.server.call(method, body) if isinstance(body, dict) else _error(400, "Bad Request: bad JSON")
            )
            if status != 200:
                with self.server.lock:
                    self.server.state.refused.append((method, status))
        data = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
