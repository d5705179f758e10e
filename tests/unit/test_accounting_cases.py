"""Issue 20's PnL cases, with the numbers a trader expects (docs/accounting.md), booked the way a live tick
books them: orders as the paper exchange fills them (a buy's fee taken in the base asset, a sell's in quote)
through `services.tick.booking` and the ledger."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from chalicelib.domain import ledger
from chalicelib.domain.backtest import run_backtest
from chalicelib.domain.bots import BotConfig, BotState, BotStatus, Mode, PendingOrder
from chalicelib.domain.engine_state import state_to_dict
from chalicelib.domain.orders import Fill, Order, OrderStatus, OrderType, Side
from chalicelib.domain.strategies.base import EngineState
from chalicelib.domain.symbols import NotionalFilter, PriceFilter, QuantityFilter, SymbolRules
from chalicelib.domain.trades import Trade
from chalicelib.services.tick.booking import book_order
from tests.unit.domain.conftest import series_from_closes

RULES = SymbolRules(
    "BTCUSDT", "TRADING", "BTC", "USDT",
    QuantityFilter(D("0.00001"), D("9000"), D("0.00001")),
    PriceFilter(D("0.01"), D("1000000"), D("0.01")),
    notional=NotionalFilter(D("5")),
)
FEE_RATE = D("0.001")


def bot(strategy: str, params: dict[str, object]) -> tuple[BotConfig, BotState]:
    config = BotConfig(
        "b1", "u1", "my bot", strategy, params, "BTCUSDT", "1m", Mode.PAPER, D("1000"), {}, None,
        BotStatus.RUNNING, 0, 0,
    )
    engine = state_to_dict(EngineState(), strategy_id=strategy)
    return config, BotState("b1", engine=engine, cash=D("1000"), budget_seen=D("1000"))


def paper_order(side: Side, qty: str, price: str, time: int) -> Order:
    """As the paper exchange fills a market order: buy fee in the base asset, sell fee in quote."""
    quantity, fill_price = D(qty), D(price)
    quote = quantity * fill_price
    fee, asset = (quantity * FEE_RATE, "BTC") if side is Side.BUY else (quote * FEE_RATE, "USDT")
    return Order(
        "BTCUSDT", f"c{time}", str(time), side, OrderType.MARKET, OrderStatus.FILLED, quantity, quantity, quote, None,
        time, (Fill(fill_price, quantity, fee, asset),),
    )


def book(
    config: BotConfig, state: BotState, leg: str, side: Side, qty: str, price: str, time: int, reason: str = "signal"
) -> tuple[BotState, Trade]:
    intended = qty if side is Side.BUY else str(state.engine["lots"][_group(leg)]["quantity"])
    pending = PendingOrder(f"c{time}", leg, side.value, reason, None, intended)
    new_state, trade, event = book_order(config, state, RULES, pending, paper_order(side, qty, price, time))
    if trade.note:
        assert "fees exceeded the price move" in event.message or "below the entry" in event.message
    return new_state, trade


def _group(leg: str) -> str:
    return "cell_" + leg.rsplit("_", 1)[1] if leg.startswith("grid_") else "main"


def test_a_sma_round_trip_realises_the_move_less_the_fees_and_shows_the_fill_price() -> None:
    config, state = bot("sma_cross", {"fast": 2, "slow": 5})
    state, bought = book(config, state, "entry", Side.BUY, "0.08709", "5726.38", 1)
    # The position's average price is the fill price (was 5,737.84: fees counted into the cost twice).
    assert state.entry_price == D("5726.38") and bought.price == D("5726.38")
    assert state.position_qty == D("0.08700291")  # the base-asset fee was taken off what was received
    state, sold = book(config, state, "exit", Side.SELL, "0.087", "5736.38", 2)
    buy_fee, sell_fee = bought.fee, sold.fee
    assert buy_fee + sell_fee == pytest.approx(D("1.00"), abs=D("0.01"))
    # Trader's arithmetic: 0.087 x (5,736.38 - 5,726.38) less about 1.00 of fees (was -0.64: the unsellable
    # residue's cost was realised as a loss).
    expected = D("0.087") * D("10") - sell_fee - buy_fee * D("0.087") / D("0.08700291")
    assert sold.realised_pnl == pytest.approx(expected, abs=D("1e-20"))
    assert sold.realised_pnl == pytest.approx(D("-0.13"), abs=D("0.005"))
    assert state.realised_pnl == sold.realised_pnl
    # The 0.00000291 left is dust: still held, valued at market, not a loss.
    assert state.dust_qty == D("0.00000291") and state.position_qty == 0
    marked = BotState("b1", dust_qty=state.dust_qty, dust_cost=state.dust_cost, last_price=D("5726.38"))
    # marked at the entry price, the dust is worth its basis less the share of the entry fee it carries
    assert marked.unrealised_pnl == pytest.approx(-buy_fee * D("0.00000291") / D("0.08700291"), abs=D("1e-20"))


def test_a_grid_cell_sold_one_level_up_books_its_own_profit_while_dearer_cells_stay_open() -> None:
    params = {"lower": 5650.44, "upper": 5737.56, "levels": 5}  # levels 21.78 apart
    config, state = bot("grid", params)
    state, _ = book(config, state, "grid_buy_3", Side.BUY, "0.01750", "5715.78", 1)
    state, _ = book(config, state, "grid_buy_2", Side.BUY, "0.01756", "5694.00", 2)
    state, bought = book(config, state, "grid_buy_0", Side.BUY, "0.01770", "5650.44", 3)
    state, sold = book(config, state, "grid_sell_0", Side.SELL, "0.01768", "5672.22", 4, reason="grid")
    held = D("0.01770") - bought.fee / D("5650.44")
    per_cell = D("0.01768") * (D("5672.22") - D("5650.44")) - sold.fee - bought.fee * D("0.01768") / held
    # (the cell's basis comes from the strategy's float lot: equal to the Decimal one within 1e-9)
    assert sold.group == "cell_0" and sold.realised_pnl == pytest.approx(per_cell, abs=D("1e-9")) and per_cell > 0
    assert sold.realised_pnl == pytest.approx(D("0.185"), abs=D("0.005"))
    # What is left is exactly the two dearer cells at their fill prices.
    open_cost = (D("0.01750") - D("0.0000175")) * D("5715.78") + (D("0.01756") - D("0.00001756")) * D("5694.00")
    assert state.position_cost == pytest.approx(open_cost, abs=D("1e-9"))


def test_a_grid_backtest_in_a_sideways_market_reports_a_profit_per_cell() -> None:
    closes = [105.0, 105.0, 103.9, 101.9, 104.1, 101.9, 104.1, 106.1, 103.9, 106.1, 106.1]
    result = run_backtest(series_from_closes(closes), "grid", {"lower": 100, "upper": 110, "levels": 6},
                          fee=0.001, cash=500.0)
    closed = [r for r in result.trades.to_records() if r["status"] == "closed"]
    assert len(closed) == 4
    for r in closed:
        spread = r["exit_price"] - r["entry_price"]
        assert spread == pytest.approx(2.2)
        assert r["pnl"] == pytest.approx(r["quantity"] * spread - r["fee"]) and r["pnl"] > 0


def test_a_take_profit_touched_by_a_wick_only_is_no_exit() -> None:
    # base buy at 100; bar 3's high touches the 1% take-profit but closes at 99.5, the next opens at 99.5
    closes = [100.0, 100.0, 100.0, 99.5, 99.5, 101.2, 101.2]
    series = series_from_closes(closes)
    series.high[3] = 101.5
    params = {"base_order_quote": 100, "safety_order_quote": 10, "max_safety_orders": 0, "take_profit_pct": 1.0}
    (trade,) = [r for r in run_backtest(series, "dca", params, fee=0.001, cash=1000.0).trades.to_records()
                if r["status"] == "closed"]
    # was: take_profit filled at 99.5 for a loss; now the exit waits for a close above the target
    assert trade["exit_reason"] == "take_profit" and trade["exit_price"] == 101.2 and trade["pnl"] > 0
    assert trade["note"] is None


def test_a_take_profit_whose_fees_exceed_the_move_says_so() -> None:
    config, state = bot("dca", {"take_profit_pct": 0.05})
    state, _ = book(config, state, "base", Side.BUY, "0.01750", "5700.00", 1)
    state, sold = book(config, state, "exit", Side.SELL, "0.01748", "5703.00", 2, reason="take_profit")
    assert sold.realised_pnl is not None and sold.realised_pnl < 0
    assert sold.note == ledger.FEES_EXCEED_MOVE
    state, _ = book(config, state, "base", Side.BUY, "0.01750", "5700.00", 3)
    state, sold = book(config, state, "exit", Side.SELL, "0.01748", "5800.00", 4, reason="take_profit")
    assert sold.realised_pnl is not None and sold.realised_pnl > 0 and sold.note is None
