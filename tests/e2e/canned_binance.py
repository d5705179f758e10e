"""A canned Binance for the browser tests: answers the signed calls the API-key check makes
(GET /api/v3/account, GET /sapi/v1/account/apiRestrictions) plus the public ones python-binance or the
adapter may reach for (/api/v3/time, /api/v3/ping, /api/v3/exchangeInfo). Signatures are not verified.

Keys: ``ACCEPTED_KEY`` is a spot key with withdrawals disabled; ``WITHDRAWALS_KEY`` can withdraw (the platform
must refuse it); any other key gets Binance's -2015 "Invalid API-key" answer (HTTP 401)."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

ACCEPTED_KEY = "e2eCannedKeyWithoutWithdrawals0000000000000000000000000000000001"
ACCEPTED_SECRET = "e2eCannedSecret000000000000000000000000000000000000000000000001"
WITHDRAWALS_KEY = "e2eCannedKeyWithWithdrawals00000000000000000000000000000000000002"

ACCOUNT = {
    "makerCommission": 10,
    "takerCommission": 10,
    "canTrade": True,
    "canWithdraw": False,
    "canDeposit": True,
    "accountType": "SPOT",
    "permissions": ["SPOT"],
    "balances": [{"asset": "USDT", "free": "1000.00000000", "locked": "0.00000000"}],
}


def _restrictions(withdrawals: bool) -> dict[str, Any]:
    return {
        "ipRestrict": False,
        "createTime": int(time.time() * 1000),
        "enableWithdrawals": withdrawals,
        "enableInternalTransfer": False,
        "permitsUniversalTransfer": False,
        "enableVanillaOptions": False,
        "enableReading": True,
        "enableFutures": False,
        "enableMargin": False,
        "enableSpotAndMarginTrading": True,
    }


class _Handler(BaseHTTPRequestHandler):
    server: CannedBinance

    def log_message(self, format: str, *args: Any) -> None:  # quiet; the calls are recorded instead
        pass

    def _send(self, status: int, body: Any) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json;charset=UTF-8")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("X-MBX-USED-WEIGHT-1M", "1")
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        path = urlsplit(self.path).path
        key = self.headers.get("X-MBX-APIKEY", "")
        self.server.calls.append((self.command, path, key[-4:]))
        if path in ("/api/v3/ping",):
            return self._send(200, {})
        if path == "/api/v3/time":
            return self._send(200, {"serverTime": int(time.time() * 1000)})
        if path == "/api/v3/exchangeInfo":
            return self._send(200, {"timezone": "UTC", "serverTime": int(time.time() * 1000), "symbols": []})
        if key not in (ACCEPTED_KEY, WITHDRAWALS_KEY):
            return self._send(401, {"code": -2015, "msg": "Invalid API-key, IP, or permissions for action."})
        if path == "/api/v3/account":
            return self._send(200, ACCOUNT)
        if path == "/sapi/v1/account/apiRestrictions":
            return self._send(200, _restrictions(key == WITHDRAWALS_KEY))
        return self._send(404, {"code": -1100, "msg": f"canned exchange: no answer for {path}"})


class CannedBinance(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.calls: list[tuple[str, str, str]] = []
        self._thread = threading.Thread(target=self.serve_forever, name="canned-binance", daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> CannedBinance:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown()
        self.server_close()
        self._thread.join(timeout=5)
