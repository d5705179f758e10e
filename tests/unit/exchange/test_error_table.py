"""docs/exchange.md's error table is the classification: every row is checked against `classify`, for an
order request and for a read. A row added to the table without the code following it fails here."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import requests
from binance.exceptions import BinanceAPIException, BinanceRequestException

from chalicelib.adapters.binance.errors import Kind, classify

DOC = Path(__file__).resolve().parents[3] / "docs" / "exchange.md"
KINDS = {
    "lookup": Kind.UNKNOWN_OUTCOME,
    "retry": Kind.RETRY,
    "ban": Kind.BAN,
    "resync": Kind.RESYNC,
    "duplicate": Kind.DUPLICATE,
    "not found": Kind.NO_SUCH_ORDER,
    "final": Kind.FINAL,
}


def table_rows() -> list[tuple[str, str, str, str, str]]:
    text = DOC.read_text()
    body = text.split("<!-- error-table:start -->", 1)[1].split("<!-- error-table:end -->", 1)[0]
    rows = []
    for line in body.strip().splitlines()[2:]:  # past the header and its rule
        cells = tuple(c.strip() for c in line.strip().strip("|").split("|"))
        assert len(cells) == 5, line
        rows.append(cells)
    return rows  # type: ignore[return-value]


class _Response:
    def __init__(self, status: int, text: str) -> None:
        self.status_code = status
        self.text = text
        self.headers: dict[str, str] = {}
        self.request = None


def failure(http: str, code: str, says: str) -> BaseException:
    if http == "transport":
        return {
            "read timeout": requests.exceptions.ReadTimeout("read timed out"),
            "connection dropped": requests.exceptions.ConnectionError("Connection aborted: RemoteDisconnected"),
            "connect timeout": requests.exceptions.ConnectTimeout("connect timed out"),
            "unreadable body": BinanceRequestException("Invalid Response: <html>"),
        }[code]
    status = int(http)
    if code == "none":
        text = "<html><body>gateway</body></html>"
    else:
        msg = says.split('"')[1] if '"' in says else says
        if code == "-1003" and status == 418:
            msg = "Way too much request weight used; IP banned until 1700000580000."
        text = json.dumps({"code": int(code), "msg": msg})
    response = _Response(status, text)
    return BinanceAPIException(response, status, text)


ROWS = table_rows()


def test_the_table_covers_every_5xx_code_binance_documents_and_the_transport_failures() -> None:
    five_xx = {code for http, code, *_ in ROWS if http.startswith("5")}
    assert {"-1000", "-1001", "-1006", "-1007", "-1008", "-1099", "none"} <= five_xx
    transport = {code for http, code, *_ in ROWS if http == "transport"}
    assert transport == {"read timeout", "connection dropped", "connect timeout", "unreadable body"}


@pytest.mark.parametrize(("http", "code", "says", "on_order", "on_read"), ROWS, ids=[f"{r[0]}:{r[1]}" for r in ROWS])
def test_classification_follows_the_documented_table(
    http: str, code: str, says: str, on_order: str, on_read: str
) -> None:
    exc = failure(http, code, says)
    as_order = classify(exc, order=True, now_ms=1_700_000_000_000)
    as_read = classify(exc, order=False, now_ms=1_700_000_000_000)
    assert as_order is not None and as_read is not None
    assert as_order.kind is KINDS[on_order], f"order: {http} {code} -> {as_order.kind}"
    assert as_read.kind is KINDS[on_read], f"read: {http} {code} -> {as_read.kind}"


def test_no_5xx_ever_leads_to_a_second_order_request() -> None:
    for status in range(500, 600):
        for code in (None, -1000, -1001, -1003, -1008, -1015, -1016, -1021, -2010, -9999):
            text = json.dumps({"code": code, "msg": "x"}) if code is not None else "<html></html>"
            got = classify(BinanceAPIException(_Response(status, text), status, text), order=True, now_ms=0)
            assert got is not None and got.kind is Kind.UNKNOWN_OUTCOME, (status, code, got)
