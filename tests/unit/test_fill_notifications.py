"""Issue 20: a fill's notification names and links the bot and prints the numbers the trade row shows (the
quantity the order executed at the lot step, not the quantity left after a base-asset fee; the price at the
tick; money at the quote's precision)."""

from __future__ import annotations

import re
from decimal import Decimal as D

from chalicelib.domain.bots import PendingOrder
from chalicelib.domain.display import Precision
from chalicelib.domain.orders import Side
from chalicelib.services.tick.booking import book_order
from chalicelib.services.trades import csv_row
from tests.unit.test_accounting_cases import RULES, bot, paper_order

P = Precision.of(RULES)


def _numbers(text: str) -> list[str]:
    return [n.replace(",", "") for n in re.findall(r"-?\d[\d,]*\.\d+", text)]


def test_a_buy_notification_names_links_and_shows_the_trade_rows_numbers() -> None:
    config, state = bot("sma_cross", {"fast": 2, "slow": 5})
    pending = PendingOrder("c1", "entry", "BUY", "signal", None, "0.01774")
    _, trade, event = book_order(config, state, RULES, pending, paper_order(Side.BUY, "0.01774", "5644.53847674", 1))
    row = csv_row(trade, config.name, P)
    assert event.message.startswith("my bot: Bought ") and event.message.endswith("(/bots/b1)")
    assert "b1:" not in event.message  # named, not identified
    assert event.data == {"trade_id": trade.id, "bot_name": "my bot", "bot_path": "/bots/b1"}
    # The issue saw 0.01772226 (the quantity after the base-asset fee) and 5644.53847674.
    assert "0.01772226" not in event.message and "5644.538" not in event.message
    assert _numbers(event.message) == [row["quantity"], row["price"], row["quote_quantity"], row["fee"]]
    assert row["quantity"] == "0.01774" and row["price"] == "5644.54"
    assert "0.01774 BTC on BTCUSDT at 5,644.54 for 100.13 USDT (fee 0.10 USDT)" in event.message


def test_a_stop_loss_notification_says_so_with_the_pnl_at_the_quote_precision() -> None:
    config, state = bot("sma_cross", {"fast": 2, "slow": 5})
    buy = PendingOrder("c1", "entry", "BUY", "signal", None, "0.08709")
    state, _, _ = book_order(config, state, RULES, buy, paper_order(Side.BUY, "0.08709", "5726.38", 1))
    sell = PendingOrder("c2", "exit", "SELL", "stop_loss", None, str(state.engine["lots"]["main"]["quantity"]))
    _, trade, event = book_order(config, state, RULES, sell, paper_order(Side.SELL, "0.087", "5600.123456", 2))
    row = csv_row(trade, config.name, P)
    assert event.kind == "stop_loss" and "(stop-loss hit)" in event.message
    assert (
        event.message.startswith("my bot: Sold 0.08700 BTC on BTCUSDT at 5,600.12 for ")
        and "(/bots/b1)" in event.message
    )
    assert _numbers(event.message) == [
        row["quantity"],
        row["price"],
        row["quote_quantity"],
        row["realised_pnl"],
        row["fee"],
    ]
    assert D(row["realised_pnl"]) == D(str(trade.realised_pnl)).quantize(D("0.01"))
