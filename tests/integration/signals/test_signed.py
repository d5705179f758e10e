"""Signed signals (issue 15 item 2): a script signs `<timestamp>.<body>` with the bot's secret (HMAC-SHA256)
and posts to the URL that names the token id only. A missing, wrong, old or future signature answers exactly
as a wrong token does."""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

from tests.integration.api.helpers import call
from tests.integration.signals.conftest import SignalBot


def _signed(bot: SignalBot, body: bytes, secret: str, ts: int | None = None, token: str | None = None,
            **override: str) -> tuple[int, Any, dict[str, str]]:  # fmt: skip
    stamp = str(ts if ts is not None else bot.platform.clock.now_ms() // 1000)
    mac = hmac.new(secret.encode(), stamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    headers = {"content-type": "application/json", "X-Signature": mac, "X-Signature-Timestamp": stamp, **override}
    headers = {k: v for k, v in headers.items() if v != "-"}
    token_id = token or bot.token.split(".")[0]
    return call(bot.platform.api, "POST", f"/signals/{token_id}", body, headers=headers)


def test_a_signed_body_trades_with_no_secret_in_the_url_or_body(signal_bot: SignalBot) -> None:
    secret = signal_bot.token.split(".")[1]
    body = json.dumps({"action": "buy", "ticker": "BTCUSDT", "signal_id": "script-1"}).encode()
    status, receipt, _ = _signed(signal_bot, body, secret)
    assert status == 202, receipt
    signal_bot.work()
    assert [t["side"] for t in signal_bot.trades()] == ["BUY"]
    assert signal_bot.signals()[0]["status"] == "executed"


def test_missing_wrong_old_future_and_tampered_signatures_answer_like_a_wrong_token(signal_bot: SignalBot) -> None:
    token_id, secret = signal_bot.token.split(".")
    now = signal_bot.platform.clock.now_ms() // 1000
    body = b"buy"
    wrong_token = signal_bot.send("buy", token=f"{token_id}.{'x' * len(secret)}")
    answers = {
        "wrong key": _signed(signal_bot, body, "y" * len(secret)),
        "no signature": _signed(signal_bot, body, secret, **{"X-Signature": "-"}),
        "no timestamp": _signed(signal_bot, body, secret, **{"X-Signature-Timestamp": "-"}),
        "6 min old": _signed(signal_bot, body, secret, ts=now - 360),
        "6 min ahead": _signed(signal_bot, body, secret, ts=now + 360),
        "junk timestamp": _signed(signal_bot, body, secret, **{"X-Signature-Timestamp": "soon"}),
        "unknown token id": _signed(signal_bot, body, secret, token="0" * 16),
    }
    stamp = str(now)
    mac = hmac.new(secret.encode(), stamp.encode() + b".buy", hashlib.sha256).hexdigest()
    answers["body changed"] = call(signal_bot.platform.api, "POST", f"/signals/{token_id}", "sell",
                                   headers={"content-type": "text/plain", "X-Signature": mac,
                                            "X-Signature-Timestamp": stamp})  # fmt: skip
    for name, (status, answer, _) in answers.items():
        assert (status, answer) == (401, wrong_token[1]), name
    assert _signed(signal_bot, body, secret, ts=now - 240)[0] == 202  # inside the 5-minute window
    signal_bot.work()
    assert len(signal_bot.trades()) == 1


def test_a_rotated_secret_no_longer_signs(signal_bot: SignalBot) -> None:
    old_secret = signal_bot.token.split(".")[1]
    signal_bot.token, _ = signal_bot.rotate()
    new_id, new_secret = signal_bot.token.split(".")
    assert _signed(signal_bot, b"buy", old_secret)[0] == 401
    assert _signed(signal_bot, b"buy", new_secret)[0] == 202


def test_the_sealed_secret_opens_only_under_its_own_token_and_bot(signal_bot: SignalBot) -> None:
    from chalicelib.adapters.dynamo.signals import SignalItem

    token_id = signal_bot.token.split(".")[0]
    other = SignalBot(signal_bot.platform)
    other_id, other_secret = other.token.split(".")
    stolen = SignalItem.get(f"tok#{token_id}", "tok").secret_ciphertext
    item = SignalItem.get(f"tok#{other_id}", "tok")
    assert bytes(item.secret_ciphertext) != other_secret.encode()  # encrypted, not the plain secret
    item.secret_ciphertext = stolen  # a ciphertext copied onto another token's record does not open there
    item.save()
    assert _signed(other, b"buy", other_secret)[0] == 401
