"""Telegram's Bot API over plain HTTPS (urllib: no client library in the Lambda). The base URL is
configurable (TRADEBOT_TELEGRAM_API_URL) so `make run` and the tests talk to a local stand-in.

The bot token is part of every request's URL, so no URL, request or urllib exception ever reaches a log or an
error message: failures are re-raised as TelegramError with Telegram's own description only."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any

from chalicelib.services.ports.telegram import TelegramBlocked, TelegramError, TelegramRateLimited

DEFAULT_API_URL = "https://api.telegram.org"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # Telegram never redirects; following one would carry the token elsewhere


class UrllibTelegramApi:
    def __init__(self, base_url: str, token: Callable[[], str], *, timeout_s: float = 5.0) -> None:
        if not base_url.startswith(("https://", "http://127.0.0.1", "http://localhost")):
            raise ValueError("the Telegram API URL must be https (or a local stand-in)")
        self._base = base_url.rstrip("/")
        self._token = token
        self._timeout_s = timeout_s
        self._opener = urllib.request.build_opener(_NoRedirect())

    def send_message(self, chat_id: int, text: str, buttons: list[tuple[str, str]] | None = None) -> None:
        body: dict[str, Any] = {"chat_id": chat_id, "text": text[:4096], "disable_web_page_preview": True}
        if buttons:
            body["reply_markup"] = {"inline_keyboard": [[{"text": t, "callback_data": d} for t, d in buttons]]}
        self._call("sendMessage", body)

    def answer_callback(self, callback_id: str, text: str) -> None:
        self._call("answerCallbackQuery", {"callback_query_id": callback_id, "text": text[:200]})

    def _call(self, method: str, body: dict[str, Any]) -> dict[str, Any]:
        request = urllib.request.Request(  # noqa: S310 - the scheme is checked in __init__
            f"{self._base}/bot{self._token()}/{method}",
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        try:
            with self._opener.open(request, timeout=self._timeout_s) as response:
                answer: dict[str, Any] = json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as exc:
            raise _classified(exc.code, _read(exc)) from None
        except (urllib.error.URLError, TimeoutError, OSError, ValueError):
            raise TelegramError(0, "Telegram could not be reached") from None
        if not answer.get("ok"):
            raise _classified(int(answer.get("error_code") or 0), answer)
        return answer


def _read(exc: urllib.error.HTTPError) -> dict[str, Any]:
    try:
        parsed = json.loads(exc.read() or b"{}")
    except (ValueError, OSError):
        return {}
    return parsed if isinstance(parsed, dict) else {}


def _classified(status: int, answer: dict[str, Any]) -> TelegramError:
    description = str(answer.get("description") or f"HTTP {status}")[:200]
    if status == 429:
        retry_after = int((answer.get("parameters") or {}).get("retry_after") or 1)
        return TelegramRateLimited(status, description, retry_after)
    if status == 403:
        return TelegramBlocked(status, description)
    return TelegramError(status, description)
