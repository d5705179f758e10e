"""The tick through the container on fakes: dispatch puts the running bot's tick on the queue, the tick
reads config, state and candles, places the DCA base order on the exchange, and books the trade with the
state in one write; the trades service pages it and the dashboard counts it."""

from __future__ import annotations

from decimal import Decimal

from chalicelib.domain.trades import TradeFilter
from chalicelib.services.messages import TickMessage
from tests.fakes.memory import MemoryPlatform
from tests.unit.services.conftest import MINUTE, NOW, bot_body


def _started(mem: MemoryPlatform) -> str:
    bot = mem.container.bots.create("u1", bot_body())
    mem.container.bots.change_status("u1", bot.id, "start")
    return bot.id


def _tick(mem: MemoryPlatform, bot_id: str, tick_at: int) -> str:
    (body,) = [m for m in mem.ticks_queue.drain() if m["bot_id"] == bot_id]
    message = TickMessage.model_validate(body)
    assert message.tick_at == tick_at
    outcome = mem.container.ticks.run(
        message.user_id, message.bot_id, message.tick_at, message.symbol, message.interval
    )
    return outcome.result


def test_dispatch_then_tick_places_the_base_order_and_books_the_trade(mem: MemoryPlatform) -> None:
    bot_id = _started(mem)
    report = mem.container.dispatcher.dispatch(NOW)
    assert (report.bots, report.send_calls) == (1, 1)
    assert _tick(mem, bot_id, NOW) == "done"

    (order,) = mem.exchanges.accounts[bot_id].orders.values()
    assert order.side.value == "BUY" and order.status.value == "FILLED"
    trades, cursor = mem.container.trades.page("u1", TradeFilter(bot_id=bot_id), None, 10)
    assert cursor is None and len(trades) == 1
    (trade,) = trades
    assert trade.id == order.client_order_id and trade.side == "BUY" and trade.mode == "paper"
    state = mem.states.get(bot_id)
    assert state is not None and state.last_tick_at == NOW and state.pending == () and state.trades_count == 1
    assert state.position_qty > 0
    assert any(m["kind"] == "trade_opened" for m in mem.notify_queue.messages)


def test_a_redelivered_tick_does_nothing_and_a_second_dispatch_of_the_minute_sends_nothing(
    mem: MemoryPlatform,
) -> None:
    bot_id = _started(mem)
    mem.container.dispatcher.dispatch(NOW)
    assert _tick(mem, bot_id, NOW) == "done"
    again = mem.container.ticks.run("u1", bot_id, NOW, "BTCUSDT", "1m")
    assert again.result == "duplicate"
    assert mem.container.dispatcher.dispatch(NOW).bots == 0  # the minute's shards are claimed
    assert len(mem.exchanges.accounts[bot_id].orders) == 1


def test_the_next_minute_holds_the_position(mem: MemoryPlatform) -> None:
    bot_id = _started(mem)
    mem.container.dispatcher.dispatch(NOW)
    _tick(mem, bot_id, NOW)
    mem.clock.advance(MINUTE)
    mem.market.add("BTCUSDT", "1m", [])  # no new bar yet: the tick sees the same closed candles
    mem.container.dispatcher.dispatch(NOW + MINUTE)
    assert _tick(mem, bot_id, NOW + MINUTE) == "no_trade"
    assert len(mem.exchanges.accounts[bot_id].orders) == 1


def test_the_dashboard_counts_bots_positions_and_trades(mem: MemoryPlatform) -> None:
    bot_id = _started(mem)
    idle = mem.container.bots.create("u1", bot_body(name="idle", symbol="ETHUSDT"))
    mem.container.dispatcher.dispatch(NOW)
    _tick(mem, bot_id, NOW)
    board = mem.container.trades.dashboard("u1")
    assert board["bots_by_status"]["running"] == 1 and board["bots_by_status"]["stopped"] == 1
    (position,) = board["open_positions"]
    assert position["bot_id"] == bot_id and Decimal(position["quantity"]) > 0
    assert [t["bot_id"] for t in board["latest_trades"]] == [bot_id]
    assert Decimal(board["equity_by_mode"]["paper"]) > Decimal("1900")  # two budgets, less a fee
    assert board["equity_curve"][0]["equity"] == "2000"
    assert idle.id not in {p["bot_id"] for p in board["open_positions"]}
    csv_text = mem.container.trades.export_csv("u1", TradeFilter())
    assert csv_text.count("\n") == 2  # the header and the one trade
