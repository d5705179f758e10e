"""Binance's answers and transport failures classified into the platform's error taxonomy.

The classification is data (code sets), the policy that acts on it lives in one place
(`BinanceSpotExchange._call`). Codes: https://developers.binance.com/docs/binance-spot-api-docs/errors

The rule that matters most comes first: Binance documents every 5xx as "execution status UNKNOWN", and a
client order id is unique only among OPEN orders, so an order request answered by a 5xx (whatever its code,
-1000 and -1001 included), a read timeout, a dropped connection or an unreadable body may have executed and
is never sent again: it is resolved by lookup. Only a 4xx (the request's own fault) may lead to a new attempt.
docs/exchange.md has the table, and tests/unit/exchange/test_error_table.py checks this module against it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from enum import Enum
from typing import Any

from chalicelib.domain.errors import (
    ExchangeError,
    ExchangeOperationalError,
    ExchangeRejected,
    ExchangeTemporaryError,
    OrderOutcomeUnknown,
)

TOO_MANY_REQUESTS = -1003
UNEXPECTED_RESPONSE = -1006
BACKEND_TIMEOUT = -1007
SERVER_BUSY = -1008
INVALID_MESSAGE = -1013  # filter failure
TOO_MANY_ORDERS = -1015
INVALID_TIMESTAMP = -1021
BAD_PRECISION = -1111
NEW_ORDER_REJECTED = -2010
CANCEL_REJECTED = -2011
NO_SUCH_ORDER = -2013

UNKNOWN_ERROR = -1000
DISCONNECTED = -1001
SERVICE_SHUTTING_DOWN = -1016
# Retried when the answer is a 4xx (the request was refused before execution); under a 5xx an order is
# never retried whatever the code, because Binance may have executed it before failing to answer.
RETRYABLE_CODES = frozenset(
    {UNKNOWN_ERROR, DISCONNECTED, TOO_MANY_REQUESTS, SERVER_BUSY, TOO_MANY_ORDERS, SERVICE_SHUTTING_DOWN}
)
# "Execution status unknown" in Binance's own words, whatever HTTP status carries them.
UNKNOWN_OUTCOME_CODES = frozenset({UNEXPECTED_RESPONSE, BACKEND_TIMEOUT})
KEY_CODES = frozenset({-1002, -1022, -2014, -2015})
DUPLICATE_ORDER = "Duplicate order sent"
# -2010 reasons that are answers, not failures: the caller decides what to do instead (docs/exchange.md).
WOULD_TAKE = "would immediately match and take"  # a LIMIT_MAKER that would cross the book
WOULD_TRIGGER = "would trigger immediately"  # a stop already through the market
CANCEL_REPLACE_PARTIAL = -2021
CANCEL_REPLACE_FAILED = -2022
DEFAULT_WAF_PAUSE_S = 300.0
_BANNED_UNTIL = re.compile(r"banned until (\d{13})")


class Kind(Enum):
    RETRY = "retry"  # back off with jitter (honouring Retry-After) and try again
    BAN = "ban"  # 418 / 403 WAF: stop calling from this egress until it ends
    RESYNC = "resync"  # -1021: resync the server-time offset, retry once
    UNKNOWN_OUTCOME = "unknown_outcome"  # an order may have been placed: look it up
    DUPLICATE = "duplicate"  # -2010 "Duplicate order sent.": already placed, look it up
    NO_SUCH_ORDER = "no_such_order"  # -2013 on a lookup
    FINAL = "final"  # rejected / operational: surface it


@dataclass(frozen=True, slots=True)
class Classified:
    kind: Kind
    error: ExchangeError
    retry_after_s: float | None = None


def _retry_after(headers: Any) -> float | None:
    if not headers:
        return None
    raw = headers.get("Retry-After")
    try:
        return float(raw) if raw is not None else None
    except ValueError:
        return None


def classify(exc: BaseException, *, order: bool, now_ms: int) -> Classified | None:
    """None for exceptions that are not the exchange's or the network's (programming errors)."""
    import requests
    from binance.exceptions import BinanceAPIException, BinanceRequestException

    if isinstance(exc, BinanceAPIException):
        return _classify_api(exc.status_code, exc.code, exc.message or "", exc.response, order=order, now_ms=now_ms)
    # The one timeout that proves nothing was sent: the TCP connection itself was never made.
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return Classified(Kind.RETRY, ExchangeTemporaryError("Binance did not accept the connection in time"))
    if isinstance(exc, (requests.exceptions.Timeout, requests.exceptions.ConnectionError)):
        if order:
            return Classified(
                Kind.UNKNOWN_OUTCOME, OrderOutcomeUnknown(f"no answer from Binance to an order ({type(exc).__name__})")
            )
        return Classified(Kind.RETRY, ExchangeTemporaryError(f"Binance did not answer ({type(exc).__name__})"))
    if isinstance(exc, BinanceRequestException):
        if order:
            return Classified(Kind.UNKNOWN_OUTCOME, OrderOutcomeUnknown("unreadable answer from Binance to an order"))
        return Classified(Kind.FINAL, ExchangeOperationalError(f"unreadable answer from Binance: {exc.message[:200]}"))
    return None


def _classify_api(status: int, code: int | None, msg: str, response: Any, *, order: bool, now_ms: int) -> Classified:
    retry_after = _retry_after(getattr(response, "headers", None))
    text = f"Binance {code}: {msg}" if code else f"Binance HTTP {status}"
    classified = (
        _blocked(status, code, msg, text, retry_after, now_ms)
        or _transient(status, code, text, retry_after, order=order)
        or _final(status, code, msg, text)
    )
    if code in (CANCEL_REPLACE_PARTIAL, CANCEL_REPLACE_FAILED) and classified.kind is Kind.FINAL:
        classified.error.details = _body_data(response)  # which half failed, and why
    return classified


def _body_data(response: Any) -> Any:
    try:
        return json.loads(getattr(response, "text", "") or "{}").get("data")
    except (ValueError, AttributeError):
        return None


def _blocked(
    status: int, code: int | None, msg: str, text: str, retry_after: float | None, now_ms: int
) -> Classified | None:
    """A ban (418, or a message naming its end) or the WAF (403): every call from this egress pauses."""
    banned = _BANNED_UNTIL.search(msg)
    if status == 418 or banned:
        until = (int(banned.group(1)) - now_ms) / 1000 if banned else None
        wait = retry_after or until or 120.0
        err = ExchangeTemporaryError(
            f"{text} (IP banned)", exchange_code=code, code="exchange_banned", retry_after_s=wait
        )
        return Classified(Kind.BAN, err, wait)
    if status == 403:
        wait = retry_after or DEFAULT_WAF_PAUSE_S
        err = ExchangeTemporaryError(
            "Binance WAF blocked the request (HTTP 403)", exchange_code=code, code="exchange_banned", retry_after_s=wait
        )
        return Classified(Kind.BAN, err, wait)
    return None


def _transient(
    status: int, code: int | None, text: str, retry_after: float | None, *, order: bool
) -> Classified | None:
    # Before any code check: a 5xx on an order is an unknown outcome whatever code it carries.
    if status >= 500 or code in UNKNOWN_OUTCOME_CODES:
        if order:
            return Classified(
                Kind.UNKNOWN_OUTCOME, OrderOutcomeUnknown(f"{text}; order outcome unknown", exchange_code=code)
            )
        return Classified(Kind.RETRY, ExchangeTemporaryError(text, exchange_code=code), retry_after)
    if status == 429 or code in RETRYABLE_CODES:
        err = ExchangeTemporaryError(text, exchange_code=code, code="exchange_rate_limited", retry_after_s=retry_after)
        return Classified(Kind.RETRY, err, retry_after)
    if code == INVALID_TIMESTAMP:
        return Classified(Kind.RESYNC, ExchangeOperationalError(f"{text} (clock out of sync)", exchange_code=code))
    return None


def _final(status: int, code: int | None, msg: str, text: str) -> Classified:
    if code == NEW_ORDER_REJECTED and DUPLICATE_ORDER in msg:
        return Classified(Kind.DUPLICATE, ExchangeRejected(text, exchange_code=code, code="duplicate_order"))
    if code == NO_SUCH_ORDER:
        return Classified(Kind.NO_SUCH_ORDER, ExchangeRejected(text, exchange_code=code, code="no_such_order"))
    if code in KEY_CODES or status == 401:
        return Classified(
            Kind.FINAL,
            ExchangeRejected(
                f"{text} (check the API key, its IP whitelist and its permissions)",
                exchange_code=code,
                code="exchange_key_rejected",
            ),
        )
    if code == NEW_ORDER_REJECTED:
        reason = "would_take" if WOULD_TAKE in msg else "would_trigger" if WOULD_TRIGGER in msg else "order_rejected"
        return Classified(Kind.FINAL, ExchangeRejected(text, exchange_code=code, code=reason))
    if code in (INVALID_MESSAGE, BAD_PRECISION):
        return Classified(Kind.FINAL, ExchangeRejected(text, exchange_code=code, code="order_filter"))
    if 400 <= status < 500:
        return Classified(Kind.FINAL, ExchangeRejected(text, exchange_code=code))
    return Classified(Kind.FINAL, ExchangeOperationalError(text, exchange_code=code))


def rejection(code: int | None, msg: str) -> ExchangeError:
    """The error a nested answer carries (a cancel-replace's failed half): classified like a 400 of its own."""
    return _final(400, code, msg, f"Binance {code}: {msg}" if code else msg).error


def response_headers(source: object) -> Any:
    """The headers of the HTTP response an exception (BinanceAPIException) or the client (after a call) holds:
    the budget reads Binance's used-weight counters from them."""
    return getattr(getattr(source, "response", None), "headers", None)
