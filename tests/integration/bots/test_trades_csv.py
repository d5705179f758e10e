"""GIVEN a user whose DCA bot has traded WHEN they export their trades as CSV THEN each row carries the bot's
name and every number at the symbol's precision (price to the tick, quantity to the lot step, money to the
quote's cents), written as plain decimals; a deleted bot's rows keep its id with an empty name."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from tests.integration.bots.test_trades_and_notifications import relogin, trading_bot


def _decimals(text: str) -> int:
    return len(text.split(".")[1]) if "." in text else 0


def test_csv_names_the_bot_and_prints_exact_decimals_at_the_symbol_precision(platform):
    user = platform.user()
    bot_id = trading_bot(platform, user["access_token"], name="Dip buyer")
    platform.minute(20)
    token = relogin(platform, user)
    rules = {s["symbol"]: s for s in platform.call("GET", "/market/symbols", None, token)[1]["items"]}["BTCUSDT"]
    response = platform.api.get("/api/v1/trades/export.csv", headers={"authorization": f"Bearer {token}"})
    rows = list(csv.DictReader(io.StringIO(response.body.decode())))
    assert rows, "the bot should have traded"
    api = {t["id"]: t for t in platform.call("GET", "/trades?limit=500", None, token)[1]["items"]}
    tick = _decimals(format(Decimal(rules["tick_size"]).normalize(), "f"))
    step = _decimals(format(Decimal(rules["step_size"]).normalize(), "f"))
    for row in rows:
        assert row["bot_id"] == bot_id and row["bot_name"] == "Dip buyer"
        assert _decimals(row["price"]) == tick and _decimals(row["quantity"]) == step
        assert _decimals(row["quote_quantity"]) == 2
        assert "e" not in row["price"].lower() and "," not in row["price"]
        exact = api[row["id"]]
        assert abs(Decimal(row["price"]) - Decimal(exact["price"])) <= Decimal(rules["tick_size"]) / 2
        assert Decimal(row["quantity"]) == Decimal(exact["quantity"])  # fills are whole lot steps already
        if exact["realised_pnl"] is not None:
            assert _decimals(row["realised_pnl"]) == 2
            assert abs(Decimal(row["realised_pnl"]) - Decimal(exact["realised_pnl"])) <= Decimal("0.005")
