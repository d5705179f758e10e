"""docs/accounting.md as properties of the live path, fast enough for hypothesis: every strategy in the
catalog ticks over random synthetic windows against the real `PaperExchange` (on an in-memory store), the
tick's own order sizing (`build_request`) and booking (`book_order`, `write_off_dust`). After every tick:

* realised + unrealised PnL equals the change in equity, cash + (quantity + dust) x last close - budget,
  exactly (Decimal; 1e-18 for the 28-digit divisions);
* the paper account holds what the ledger says: base = quantity + dust exactly, quote = cash within the
  exchange's 1e-8 rounding per fill;
and at the end every sell's PnL is recomputed from the trade rows (tests/accounting_rows.py).
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal as D
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chalicelib.adapters.dynamo.paper import DuplicateOrder, InsufficientBalance, Move, PaperOrder
from chalicelib.adapters.market.catalog import StaticSymbolCatalog
from chalicelib.adapters.paper_exchange import PaperExchange
from chalicelib.domain import engine
from chalicelib.domain.bots import BotConfig, BotState, BotStatus, Mode, PendingOrder
from chalicelib.domain.candles import Candle, CandleSeries
from chalicelib.domain.clock import ManualClock
from chalicelib.domain.errors import ExchangeRejected
from chalicelib.domain.orders import Balance, Order
from chalicelib.domain.strategies import STRATEGIES, validate_params, warmup_bars
from chalicelib.domain.synthetic import generate_candles
from chalicelib.services.tick.booking import book_order, write_off_dust
from chalicelib.services.tick.execution import build_request
from chalicelib.services.trades import trade_dict
from tests.accounting_rows import recompute
from tests.fakes.memory_market import minute_open_of

# A signal bot trades on signals, never on candles: its fills take the same booking path, covered in
# tests/integration/signals (one signal, one order, one Trade).
CANDLE_STRATEGIES = sorted(s for s in STRATEGIES if s != "signal")

BUDGET = D("1000")
START = 1_704_067_200_000  # 2024-01-01T00:00:00Z
MINUTE = 60_000
FAST_PARAMS: dict[str, dict[str, Any]] = {
    "sma_cross": {"fast": 2, "slow": 5},
    "ema_cross": {"fast": 2, "slow": 4},
    "rsi_reversion": {"period": 3, "lower": 45, "upper": 55},
    "macd_cross": {"fast": 2, "slow": 4, "signal": 2},
    "bollinger_reversion": {"period": 5, "stddev": 0.5},
    "dca": {
        "base_order_quote": 100,
        "safety_order_quote": 100,
        "max_safety_orders": 3,
        "price_deviation_pct": 0.05,
        "take_profit_pct": 0.05,
    },
}


class MemoryPaperStore:
    """The paper store's documented behaviour in memory: a fill the balance cannot cover is refused, a client
    order id is used once."""

    def __init__(self, funds: dict[str, D]) -> None:
        self.funds = dict(funds)
        self.orders: dict[str, Order] = {}

    def balances(self, account_id: str) -> list[Balance]:
        return [Balance(asset, amount) for asset, amount in self.funds.items()]

    def get_order(self, account_id: str, client_order_id: str) -> PaperOrder | None:
        order = self.orders.get(client_order_id)
        return None if order is None else PaperOrder(order, None)

    def open_orders(self, account_id: str) -> list[PaperOrder]:
        return []

    def record_fill(self, account_id: str, order: Order, debit: Move, credit: Move) -> None:
        if order.client_order_id in self.orders:
            raise DuplicateOrder(order.client_order_id)
        if self.funds.get(debit.asset, D(0)) < debit.amount:
            raise InsufficientBalance(debit.asset)
        self.funds[debit.asset] -= debit.amount
        self.funds[credit.asset] = self.funds.get(credit.asset, D(0)) + credit.amount
        self.orders[order.client_order_id] = order


class ListMarket:
    def __init__(self, candles: list[Candle]) -> None:
        self.candles = candles

    def closed_candles(
        self, symbol: str, interval: str, *, limit: int = 500, end_ms: int | None = None
    ) -> list[Candle]:
        end = end_ms if end_ms is not None else 2**62
        return [c for c in self.candles if c.close_time <= end][-limit:]

    def minute_open(self, symbol: str, at_ms: int) -> D | None:
        return minute_open_of(self.candles, at_ms)


def params_for(strategy_id: str, candles: list[Candle]) -> dict[str, Any]:
    if strategy_id != "grid":
        return FAST_PARAMS[strategy_id]
    price = float(candles[0].close)
    return {"lower": round(price * 0.998, 2), "upper": round(price * 1.002, 2), "levels": 9}


def check_identity(state: BotState, store: MemoryPaperStore, fills: int) -> None:
    mark = state.last_price
    assert mark is not None and state.cash is not None
    equity = state.cash + (state.position_qty + state.dust_qty) * mark
    assert state.realised_pnl + state.unrealised_pnl == pytest.approx(equity - BUDGET, abs=D("1e-18"))
    assert store.funds.get("BTC", D(0)) == state.position_qty + state.dust_qty
    assert store.funds["USDT"] == pytest.approx(state.cash, abs=D("1e-8") * (fills + 1))


def run_paper_bot(strategy_id: str, first: int, bars: int, slippage: D) -> tuple[BotState, list[dict[str, Any]]]:
    candles = generate_candles(START + first * MINUTE, START + (first + bars) * MINUTE, "1m")
    clock, store = ManualClock(candles[0].open_time), MemoryPaperStore({"USDT": BUDGET})
    paper = PaperExchange("acct", store, ListMarket(candles), StaticSymbolCatalog(), clock, slippage=slippage)
    rules = paper.symbol_rules("BTCUSDT")
    params = params_for(strategy_id, candles)
    config = BotConfig(
        "b1", "u1", "bot", strategy_id, params, "BTCUSDT", "1m", Mode.PAPER, BUDGET, {}, None, BotStatus.RUNNING, 0, 0
    )
    state = BotState("b1", engine=engine.initial_state(), cash=BUDGET, budget_seen=BUDGET)
    trades: list[dict[str, Any]] = []
    need = warmup_bars(strategy_id, validate_params(strategy_id, params))
    for i in range(need - 1, len(candles) - 1):
        clock.set(candles[i].close_time + 1)
        window = CandleSeries.from_candles(candles[: i + 1])
        decision = engine.decide(strategy_id, params, {}, window, state.engine, engine.Balances(state.cash or D(0)))
        state = replace(state, engine=decision.state, last_price=candles[i].close)
        for k, intent in enumerate(decision.intents):
            pending = PendingOrder(
                f"c{i}-{k}",
                intent.leg,
                intent.side.value,
                intent.reason,
                None if intent.quote_amount is None else str(intent.quote_amount),
                None if intent.quantity is None else str(intent.quantity),
            )
            request = build_request(config, state, rules, pending)
            if request is None:
                state, _ = write_off_dust(config, state, pending, clock.now_ms())
                continue
            try:
                order = paper.place_order(request)
            except ExchangeRejected:
                return state, trades  # the tick stops the bot here: what was booked so far must add up
            state, trade, _ = book_order(config, state, rules, pending, order)
            trades.append(trade_dict(trade))
        check_identity(state, store, len(trades))
    return state, trades


@pytest.mark.parametrize("strategy_id", CANDLE_STRATEGIES)
@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(first=st.integers(0, 200_000), bars=st.integers(20, 60), slippage=st.sampled_from([D(0), D("0.0005")]))
def test_paper_ticks_add_up(strategy_id: str, first: int, bars: int, slippage: D) -> None:
    state, trades = run_paper_bot(strategy_id, first, bars, slippage)
    recompute(trades)
