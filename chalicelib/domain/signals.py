"""Signals: what a webhook body says, who it is (its identity, for exactly-once), and what it asks a bot to
trade. Pure: parsing, identity and planning; the service records, queues and executes.

A body is TradingView's alert message as it sends it: a JSON object when the message is valid JSON, otherwise
the plain text (`buy`, `sell`, `close`)."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from chalicelib.domain.errors import InvalidInput

ACTIONS = ("buy", "sell", "close")
# Words TradingView and scripts use for the same three actions.
_ALIASES = {"long": "buy", "entry": "buy", "short": "sell", "exit": "close", "flat": "close"}
_SIGNAL_ID = re.compile(r"^[A-Za-z0-9_.:\-]{1,64}$")
MAX_CLOCK_SKEW_S = 60  # how far ahead of the server's clock a sender's `time` may be
MAX_BODY_BYTES = 8 * 1024  # an alert message is a few hundred bytes; TradingView caps them well below this


class SignalRefused(Exception):
    """A well-formed signal the bot will not act on; `reason` is the machine-readable outcome."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


@dataclass(frozen=True)
class ParsedSignal:
    action: str
    symbol: str | None
    signal_id: str | None
    sent_at_ms: int | None
    price: Decimal | None
    secret: str | None  # a secret carried in the body (a JSON `secret` field) instead of the URL


def _bad(code: str, message: str, field: str = "body") -> InvalidInput:
    return InvalidInput(message, code=code, details=[{"field": field, "message": message}])


def parse_body(raw: bytes) -> ParsedSignal:
    """The signal a body carries; InvalidInput (with a code saying what is wrong) when it carries none."""
    if len(raw) > MAX_BODY_BYTES:
        raise _bad("payload_too_large", f"a signal body is at most {MAX_BODY_BYTES} bytes")
    try:
        text = raw.decode("utf-8").strip()
    except UnicodeDecodeError:
        raise _bad("invalid_encoding", "the body is not UTF-8 text") from None
    if text.startswith("{"):
        try:
            data = json.loads(text)
        except ValueError:
            raise _bad("malformed_json", "the body starts like JSON but is not valid JSON") from None
        if not isinstance(data, dict):
            raise _bad("malformed_json", "a JSON body must be an object")
        return _from_json(data)
    return ParsedSignal(_action(text), None, None, None, None, None)


def action_of(value: Any) -> str:
    """buy, sell or close from any word signals use for them; InvalidInput (`unknown_action`) otherwise."""
    return _action(value)


def time_ms_of(value: str) -> int:
    """Epoch ms from ISO 8601 or epoch seconds/milliseconds; InvalidInput (`invalid_field`) otherwise."""
    result = _time_ms(value)
    assert result is not None
    return result


def _action(value: Any) -> str:
    word = str(value).strip().lower() if isinstance(value, str) else ""
    word = _ALIASES.get(word, word)
    if word not in ACTIONS:
        shown = str(value)[:40]
        raise _bad("unknown_action", f"unknown action {shown!r}: use buy, sell or close", "action")
    return word


def _text(data: dict[str, Any], *names: str) -> str | None:
    for name in names:
        value = data.get(name)
        if value is not None and value != "":
            if not isinstance(value, str | int | float) or isinstance(value, bool):
                raise _bad("invalid_field", f"{name} must be a string or a number", name)
            return str(value)[:200]
    return None


def _from_json(data: dict[str, Any]) -> ParsedSignal:
    action = _action(_text(data, "action", "side", "signal") or "")
    signal_id = _text(data, "signal_id", "id")
    if signal_id is not None and not _SIGNAL_ID.match(signal_id):
        raise _bad("invalid_field", "signal_id: 1-64 characters of letters, digits and _ . : -", "signal_id")
    return ParsedSignal(
        action=action,
        symbol=normalise_symbol(_text(data, "ticker", "symbol")),
        signal_id=signal_id,
        sent_at_ms=_time_ms(_text(data, "time", "timenow", "timestamp")),
        price=_decimal(_text(data, "price", "close"), "price"),
        secret=_text(data, "secret"),
    )


def normalise_symbol(value: str | None) -> str | None:
    """TradingView's {{ticker}} may carry the exchange (`BINANCE:BTCUSDT`) or a perpetual suffix (`.P`)."""
    if value is None:
        return None
    symbol = value.rsplit(":", 1)[-1].upper().removesuffix(".P")
    return re.sub(r"[^A-Z0-9]", "", symbol)


def _time_ms(value: str | None) -> int | None:
    if value is None:
        return None
    if value.isdigit():  # epoch seconds or milliseconds
        number = int(value)
        return number if number > 10**11 else number * 1000
    try:
        return int(datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp() * 1000)
    except ValueError:
        raise _bad("invalid_field", "time must be ISO 8601 (TradingView's {{timenow}}) or epoch", "time") from None


def _decimal(value: str | None, field: str) -> Decimal | None:
    if value is None:
        return None
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise _bad("invalid_field", f"{field} must be a number", field) from None
    if not number.is_finite() or number <= 0:
        raise _bad("invalid_field", f"{field} must be a positive number", field)
    return number


def signal_identity(bot_id: str, parsed: ParsedSignal, raw: bytes, received_at_ms: int) -> str:
    """The signal's id when it has one; otherwise the same body to the same bot within one minute is one
    signal (a TradingView retry, the alert pasted twice)."""
    if parsed.signal_id:
        return parsed.signal_id
    minute = received_at_ms // 60_000
    digest = hashlib.sha256(b"%s|%d|" % (bot_id.encode(), minute) + raw.strip()).hexdigest()
    return f"h-{digest[:32]}"


def signal_order_id(bot_id: str, signal_id: str, leg: str) -> str:
    """The client order id of a signal's leg: every redelivery of the signal asks for the same order
    (Binance: at most 36 characters of [a-zA-Z0-9_-])."""
    digest = hashlib.sha256(f"{bot_id}|signal|{signal_id}|{leg}".encode()).hexdigest()
    return f"ts{digest[:30]}"


def check_fresh(sent_at_ms: int | None, received_at_ms: int, now_ms: int, max_lag_s: int) -> None:
    """Refuse a signal older than `max_lag_s`, by when it was sent if it says so, else by when it arrived."""
    at = sent_at_ms if sent_at_ms is not None else received_at_ms
    lag_s = (now_ms - at) / 1000
    if -lag_s > MAX_CLOCK_SKEW_S:
        # A time ahead of ours would keep a replayed signal "fresh" for as long as it is ahead: refused.
        raise SignalRefused("future_time", f"the signal's time is {-lag_s:.0f} s ahead of the server's clock")
    if lag_s > max_lag_s:
        raise SignalRefused("stale", f"the signal is {lag_s:.0f} s old; this bot accepts at most {max_lag_s} s")


def check_symbol(parsed_symbol: str | None, bot_symbol: str) -> None:
    if parsed_symbol is not None and parsed_symbol != bot_symbol:
        raise SignalRefused("symbol_mismatch", f"the signal is for {parsed_symbol}; this bot trades {bot_symbol}")


def check_action(action: str, params: dict[str, Any]) -> None:
    if not params.get(f"allow_{action}", False):
        raise SignalRefused("action_not_allowed", f"this bot does not accept {action} signals")


@dataclass(frozen=True)
class Holdings:
    """What the bot has when the signal is applied."""

    budget: Decimal
    cash: Decimal
    position_qty: Decimal
    adds: int  # buys added to the open position by signals
    price: Decimal  # the market price the order is sized at
    min_notional: Decimal


@dataclass(frozen=True)
class SignalOrder:
    leg: str  # "entry" or "exit": the engine's main position
    side: str  # BUY | SELL
    quote_amount: Decimal | None = None
    quantity: Decimal | None = None


def plan_order(action: str, params: dict[str, Any], held: Holdings) -> SignalOrder:
    """The one market order an accepted signal asks for, or SignalRefused saying why there is none."""
    check_action(action, params)
    if action == "buy":
        return _plan_buy(params, held)
    if held.position_qty <= 0:
        raise SignalRefused("no_position", f"nothing to {action}: the bot holds no position")
    if held.position_qty * held.price < held.min_notional:
        raise SignalRefused("below_minimum_notional", "the position is below the symbol's minimum order value")
    return SignalOrder("exit", "SELL", quantity=held.position_qty)


def _plan_buy(params: dict[str, Any], held: Holdings) -> SignalOrder:
    if held.position_qty > 0:
        if params["in_position_buy"] == "ignore":
            raise SignalRefused("already_in_position", "the bot is in position and ignores further buys")
        if held.adds >= int(params["max_adds"]):
            raise SignalRefused("max_adds_reached", f"the position already has {held.adds} added buys")
    size = Decimal(str(params["size_value"]))
    wanted = size if params["size_mode"] == "quote" else held.budget * size / 100
    quote = min(wanted, held.cash)
    if held.cash < held.min_notional:
        raise SignalRefused("insufficient_balance", f"the bot has {held.cash:.2f} left to spend")
    if quote < held.min_notional:
        raise SignalRefused("below_minimum_notional", f"{quote:.2f} is below the symbol's minimum order value")
    return SignalOrder("entry", "BUY", quote_amount=quote)
