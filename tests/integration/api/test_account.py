"""Account deletion and data export through the real app on moto: a user with keys, bots (one running, with
a position), trades, a backtest with its S3 result, notifications, a webhook, quota ledgers, refresh tokens
and sign-in counters. After the deletion every item of that user is gone from every table and from S3, except
the live trades kept for the documented retention."""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

import boto3
import pytest

from tests.integration.api.helpers import call
from tests.integration.bots.conftest import Platform, bot_body
from tests.security.flows import add_api_key

DCA = {"strategy": "dca", "params": {"base_order_quote": 100, "take_profit_pct": 50}}
API_SECRET = "s3cr3tXw" + "Z" * 40
PREFIX = "tradebot-test-"


def _everything(platform: Platform, user: dict[str, Any]) -> dict[str, Any]:
    """Give the user one of everything the platform stores."""
    token = user["access_token"]
    # A failed sign-in from another address and one from this one: sign-in counters keyed by the e-mail.
    call(platform.api, "POST", "/auth/login", {"email": user["email"], "password": "wrong password 123"})
    key = add_api_key(platform.api, token, label="main key", api_secret=API_SECRET)
    status, running = platform.call("POST", "/bots", bot_body(name="runner", **DCA), token)
    assert status == 201, running
    assert platform.call("POST", f"/bots/{running['id']}/start", None, token)[0] == 200
    status, idle = platform.call("POST", "/bots", bot_body(name="idle"), token)
    assert status == 201, idle
    platform.minute(2)  # the DCA bot buys: a position, a trade, a notification
    status, bot = platform.call("GET", f"/bots/{running['id']}", None, token)
    assert status == 200 and bot["status"] == "running", bot
    status, trades = platform.call("GET", "/trades", None, token)
    assert status == 200 and trades["items"], trades
    status, notes = platform.call("GET", "/notifications", None, token)
    assert status == 200 and notes["items"], notes
    status, settings = platform.call("PATCH", "/users/me/settings", {"webhook_url": "https://hooks.invalid/tb"}, token)
    assert status == 200 and settings["webhook_secret"], settings
    status, backtest = platform.call(
        "POST",
        "/backtests",
        {
            "strategy": "sma_cross",
            "params": {"fast": 2, "slow": 5},
            "symbol": "BTCUSDT",
            "interval": "1h",
            "start": "2024-01-01T00:00:00Z",
            "end": "2024-01-03T00:00:00Z",
        },
        token,
    )
    assert status == 201 and backtest["status"] == "done", backtest
    # What only the workers write: a webhook breaker, the user's share of the exchange weight, a live trade.
    from chalicelib.adapters.dynamo.rate_limits_weight import DynamoWeightStore
    from chalicelib.adapters.dynamo.webhook_breaker import DynamoWebhookBreaker
    from chalicelib.bootstrap import container
    from chalicelib.domain.notifications import BreakerState

    DynamoWebhookBreaker(platform.clock).record_failure(user["id"], BreakerState())
    minute = platform.clock.now_ms() // 60_000
    DynamoWeightStore().add_weight(f"{container().settings.egress_id}~user~{user['id']}", minute, 20)
    live_trade = _put_live_trade(user["id"], platform.clock.now_ms())
    return {
        "key": key,
        "running": running["id"],
        "idle": idle["id"],
        "trade_ids": [t["id"] for t in trades["items"]],
        "backtest": backtest["id"],
        "webhook_secret": settings["webhook_secret"],
        "live_trade": live_trade,
    }


def _put_live_trade(user_id: str, now_ms: int) -> str:
    from chalicelib.adapters.dynamo.bots import TradeModel

    trade_id = f"live-{now_ms}"
    TradeModel(
        user_id=user_id,
        trade_key=f"{now_ms:013d}#{trade_id}",
        bot_id="a-live-bot",
        trade_id=trade_id,
        symbol="BTCUSDT",
        side="BUY",
        price="50000",
        quantity="0.001",
        quote_quantity="50",
        fee="0.000001",
        fee_asset="BTC",
        executed_at_ms=now_ms,
        mode="live",
        reason="signal",
        exchange_order_id="123",
    ).save()
    return trade_id


def _items_of(user: dict[str, Any], *ids: str) -> dict[str, list[dict[str, Any]]]:
    """Every item in every table of the stack that names the user's id, e-mail or one of `ids` (the user's bot
    ids: bot states and paper accounts are keyed by bot) (a test-only Scan)."""
    names = [user["id"], user["email"], *ids]
    ddb = boto3.client("dynamodb", region_name="us-east-1")
    found: dict[str, list[dict[str, Any]]] = {}
    for table in ddb.list_tables()["TableNames"]:
        if not table.startswith(PREFIX):
            continue
        for page in ddb.get_paginator("scan").paginate(TableName=table):
            for item in page["Items"]:
                text = json.dumps(item, default=repr)
                if any(name in text for name in names):
                    found.setdefault(table.removeprefix(PREFIX), []).append(item)
    return found


def _blobs_of(aws: dict[str, str], user_id: str) -> list[str]:
    s3 = boto3.client("s3", region_name="us-east-1")
    bucket = _bucket()
    return [o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", []) if user_id in o["Key"]]


def _bucket() -> str:
    from chalicelib.config import settings

    return settings().artifacts_bucket


def _export(platform: Platform, token: str, password: str) -> tuple[int, Any, dict[str, str]]:
    response = platform.api.post(
        "/api/v1/users/me/export",
        headers={"content-type": "application/json", "authorization": f"Bearer {token}", "accept": "application/zip"},
        body=json.dumps({"password": password}),
    )
    return response.status_code, response.body, {k.lower(): v for k, v in response.headers.items()}


def _unzip(data: bytes) -> dict[str, str]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {n.removeprefix("tradebot-export/"): archive.read(n).decode() for n in archive.namelist()}


def test_export_holds_everything_of_the_user_and_no_secret(platform: Platform) -> None:
    user = platform.user()
    mine = _everything(platform, user)
    other = platform.user()
    theirs = _everything(platform, other)

    status, body, headers = _export(platform, user["access_token"], user["password"])
    assert status == 200, body
    assert headers["content-type"] == "application/zip"
    files = _unzip(body)
    assert {
        "account.json",
        "settings.json",
        "api_keys.json",
        "bots.json",
        "trades.csv",
        "backtests.json",
        "notifications.json",
        "notifications.csv",
        "README.txt",
        f"backtests/{mine['backtest']}.json",
    } <= set(files)
    account = json.loads(files["account.json"])
    assert account["id"] == user["id"] and account["email"] == user["email"]
    assert json.loads(files["settings.json"]) == {"webhook_url": "https://hooks.invalid/tb", "webhook_secret_set": True}
    keys = json.loads(files["api_keys.json"])
    assert [k["id"] for k in keys] == [mine["key"]["id"]] and keys[0]["api_key_last4"]
    bots = {b["config"]["id"]: b for b in json.loads(files["bots.json"])}
    assert set(bots) == {mine["running"], mine["idle"]}
    assert bots[mine["running"]]["config"]["status"] == "running"
    assert float(bots[mine["running"]]["state"]["position_qty"]) > 0
    for trade_id in [*mine["trade_ids"], mine["live_trade"]]:
        assert trade_id in files["trades.csv"]
    assert json.loads(files["backtests.json"])[0]["id"] == mine["backtest"]
    assert "metrics" in json.loads(files[f"backtests/{mine['backtest']}.json"])
    assert json.loads(files["notifications.json"])
    everything = "".join(files.values())
    # No secret: neither the API secret nor its ciphertext, the webhook secret, a password hash or a token.
    for secret in (API_SECRET, mine["webhook_secret"], user["password"], user["refresh_token"], "$argon2"):
        assert secret not in everything
    assert "ciphertext" not in everything
    # Tenant isolation: nothing of the other user's.
    for foreign in (
        other["id"],
        other["email"],
        theirs["running"],
        theirs["idle"],
        theirs["key"]["id"],
        theirs["backtest"],
        theirs["live_trade"],
        *theirs["trade_ids"],
    ):
        assert foreign not in everything


def test_export_and_delete_need_the_password_and_answer_clear_errors(platform: Platform) -> None:
    user = platform.user()
    token = user["access_token"]
    status, body, _ = _export(platform, token, "not my password 42")
    assert status == 422 and json.loads(body)["error"]["code"] == "wrong_password"
    # Without Accept: application/zip the archive cannot be carried: a JSON 406 that says what to send.
    status, data, _ = call(platform.api, "POST", "/users/me/export", {"password": user["password"]}, token)
    assert status == 406 and data["error"]["code"] == "not_acceptable", data
    status, data, _ = call(platform.api, "DELETE", "/users/me", {"password": user["password"], "confirm": "yes"}, token)
    assert status == 422 and data["error"]["code"] == "confirmation_required", data
    status, data, _ = call(platform.api, "DELETE", "/users/me", {"password": user["password"]}, token)
    assert status == 422 and data["error"]["details"], data
    status, data, _ = call(
        platform.api, "DELETE", "/users/me", {"password": "wrong one 1234", "confirm": "DELETE"}, token
    )
    assert status == 422 and data["error"]["code"] == "wrong_password", data
    status, data, _ = call(platform.api, "DELETE", "/users/me", None, None)
    assert status == 401 and set(data) == {"error"}
    # The account is untouched by all of that.
    assert platform.call("GET", "/users/me", None, token)[0] == 200


def test_password_confirmations_are_throttled_with_password_changes(platform: Platform) -> None:
    user = platform.user()
    token = user["access_token"]
    codes = []
    for i in range(5):
        body = {"password": f"wrong password {i}x", "confirm": "DELETE"}
        codes.append(call(platform.api, "DELETE", "/users/me", body, token)[0])
    assert codes == [422] * 5
    status, data, headers = call(
        platform.api, "DELETE", "/users/me", {"password": user["password"], "confirm": "DELETE"}, token
    )
    assert status == 429 and data["error"]["code"] == "too_many_attempts" and int(headers["Retry-After"]) > 0
    status, body, _ = _export(platform, token, user["password"])
    assert status == 429
    # One budget: the password change is refused too, and the account still exists.
    status, data, _ = call(
        platform.api,
        "PATCH",
        "/users/me",
        {"current_password": user["password"], "new_password": "x7 quite new pass!"},
        token,
    )
    assert status == 429
    assert platform.call("GET", "/users/me", None, token)[0] == 200


def test_deletion_removes_every_item_and_blob_except_retained_live_trades(
    platform: Platform, aws: dict[str, str]
) -> None:
    user = platform.user()
    mine = _everything(platform, user)
    other = platform.user()
    theirs = _everything(platform, other)
    bot_ids = (mine["running"], mine["idle"])
    before = _items_of(user, *bot_ids)
    for table in (
        "users",
        "user-emails",
        "refresh-tokens",
        "rate-limits",
        "api-keys",
        "bots",
        "bot-states",
        "bot-config-history",
        "trades",
        "paper-accounts",
        "notifications",
        "backtests",
    ):
        assert before.get(table), f"the set-up left nothing in {table}"
    pks = [i["pk"]["S"] for i in before["rate-limits"]]
    assert any(p.startswith(f"quota#{user['id']}#") for p in pks)
    assert any(p.startswith(f"login#acct#{user['email']}#") for p in pks)
    assert any(p.startswith(f"webhook-breaker#{user['id']}") for p in pks)
    assert any("~user~" in p for p in pks)
    assert _blobs_of(aws, user["id"])
    other_before = _items_of(other)

    status, done = platform.call(
        "DELETE", "/users/me", {"password": user["password"], "confirm": "DELETE"}, user["access_token"]
    )
    assert status == 200, done
    assert done["bots_deleted"] == 2 and done["api_keys_deleted"] == 1 and done["backtests_deleted"] == 1
    assert done["trades_retained"] == 1 and done["trades_retained_until"] and done["trades_deleted"] >= 1
    assert done["positions_left"] == []  # paper bots: the simulated position went with the paper account

    left = _items_of(user, *bot_ids)
    assert set(left) == {"trades"}, {t: [i.get("pk", i) for i in items] for t, items in left.items()}
    (kept,) = left["trades"]
    assert kept["trade_id"]["S"] == mine["live_trade"] and kept["account_deleted"]["BOOL"] is True
    expires = int(kept["expires_at"]["N"])
    assert expires == platform.clock.now_ms() // 1000 + 365 * 86_400
    assert _blobs_of(aws, user["id"]) == []

    # Tokens stop working, sign-in fails like for an unknown account, the e-mail can register again.
    assert call(platform.api, "GET", "/users/me", None, user["access_token"])[0] == 401
    status, data, _ = call(platform.api, "POST", "/auth/refresh", {"refresh_token": user["refresh_token"]})
    assert status == 401, data
    status, data, _ = call(platform.api, "POST", "/auth/login", {"email": user["email"], "password": user["password"]})
    assert status == 401 and data["error"]["code"] == "invalid_credentials"
    status, again, _ = call(
        platform.api, "POST", "/auth/register", {"email": user["email"], "password": user["password"]}
    )
    assert status == 202, again  # registration answers alike for every address (no id in the answer)
    status, fresh, _ = call(platform.api, "POST", "/auth/login", {"email": user["email"], "password": user["password"]})
    assert status == 200
    assert call(platform.api, "GET", "/users/me", None, fresh["access_token"])[1]["id"] != user["id"]
    # The new account sees nothing of the old one.
    for path in ("/bots", "/trades", "/notifications", "/api-keys", "/backtests"):
        status, data = platform.call("GET", path, None, fresh["access_token"])
        assert status == 200 and data["items"] == [], (path, data)

    # The other user lost nothing.
    assert _items_of(other).keys() == other_before.keys()
    assert platform.call("GET", f"/bots/{theirs['running']}", None, other["access_token"])[0] == 200
    platform.call("POST", f"/bots/{theirs['running']}/stop", None, other["access_token"])


def test_a_deletion_that_stops_half_way_is_finished_by_running_it_again(
    platform: Platform, aws: dict[str, str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from chalicelib import cli
    from chalicelib.bootstrap import container

    user = platform.user()
    mine = _everything(platform, user)
    eraser = container().ports.eraser
    real = eraser.delete_notifications

    def broken(user_id: str) -> int:
        raise RuntimeError("the table is throttled")

    monkeypatch.setattr(eraser, "delete_notifications", broken)
    status, data = platform.call(
        "DELETE", "/users/me", {"password": user["password"], "confirm": "DELETE"}, user["access_token"]
    )
    assert status == 500 and data["error"]["code"] == "internal_error", data
    # Half-way: the bots and keys are gone, sign-in and tokens already fail, the rest is still there.
    assert container().account.pending(user["id"])
    assert call(platform.api, "GET", "/users/me", None, user["access_token"])[0] == 401
    assert call(platform.api, "POST", "/auth/login", {"email": user["email"], "password": user["password"]})[0] == 401
    assert set(_items_of(user)) >= {"users", "notifications"}

    monkeypatch.setattr(eraser, "delete_notifications", real)
    assert cli.main(["purge-account", user["id"]]) == 0
    # The CLI prints its report as one JSON line; log lines may come before it.
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    report = next(line for line in lines if "notifications_deleted" in line)
    assert report["notifications_deleted"] >= 1 and report["trades_retained"] == 1
    assert set(_items_of(user, mine["running"], mine["idle"])) == {"trades"}
    assert _blobs_of(aws, user["id"]) == []
    # Running it once more does nothing, and never touches a live account.
    assert container().account.purge(user["id"]).bots_deleted == 0
    other = platform.user()
    container().account.purge(other["id"])
    assert platform.call("GET", "/users/me", None, other["access_token"])[0] == 200
