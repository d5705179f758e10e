"""docs/accounting.md on the live path: every strategy in the catalog runs as a paper bot (the real tick, the
paper exchange's fills: a buy's fee taken in the base asset, a sell's in quote), and what the API then shows
must add up:

* realised + unrealised PnL equals the change in equity, cash + (quantity + dust) x last price - budget;
* every sell's realised PnL is recomputed from the trade rows by the documented formula, per position
  group: ``quote_quantity - fee - (group cost + group entry fees) x quantity / net_quantity`` (the rows'
  `net_quantity` includes dust written off with the sell), a buy adding
  ``quote_quantity - (quantity - net_quantity) x price`` to the group's cost and its fee to its fees;
* the realised PnL in the state is the sum of the rows';
* the position's average price (the state's `entry_price`, which the chart's entry line and the position
  panel both show) is the open lots' cost over their quantity, recomputed from the rows; with one buy open,
  it is that buy's fill price (the price on its chart marker).

Tolerance: the per-cell basis is carried in float64 by the strategy's lots (docs/accounting.md); 1e-8 quote.
"""

from __future__ import annotations

from decimal import Decimal as D
from typing import Any

import pytest

from chalicelib.domain.strategies import STRATEGIES
from tests.accounting_rows import TOLERANCE, recompute
from tests.integration.bots.conftest import Platform, bot_body

# A signal bot trades on signals, never on candles: its fills take the same booking path, covered in
# tests/integration/signals (one signal, one order, one Trade).
CANDLE_STRATEGIES = sorted(s for s in STRATEGIES if s != "signal")

MINUTES = 30


def strategy_params(strategy_id: str, price: D) -> dict[str, Any]:
    fast = {
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
    if strategy_id == "grid":
        p = float(price)
        return {"lower": round(p * 0.998, 2), "upper": round(p * 1.002, 2), "levels": 9}
    return fast[strategy_id]


def _state_of(platform: Platform, token: str, bot_id: str) -> dict[str, Any]:
    status, bot = platform.call("GET", f"/bots/{bot_id}", None, token)
    assert status == 200, bot
    return dict(bot["state"])


def _trades_of(platform: Platform, token: str, bot_id: str) -> list[dict[str, Any]]:
    status, page = platform.call("GET", f"/bots/{bot_id}/trades?limit=500", None, token)
    assert status == 200 and page["next_cursor"] is None, page
    return sorted(page["items"], key=lambda t: (t["executed_at"], t["id"]))


def check_bot(platform: Platform, token: str, bot_id: str, budget: D) -> int:
    state, trades = _state_of(platform, token, bot_id), _trades_of(platform, token, bot_id)
    realised, unrealised = D(state["realised_pnl"]), D(state["unrealised_pnl"])
    held = D(state["quantity"]) + D(state["dust_quantity"])
    last = D(state["last_price"])
    equity = D(state["cash"]) + held * last
    assert realised + unrealised == pytest.approx(equity - budget, abs=TOLERANCE * (1 + len(trades)))
    assert realised == sum((D(t["realised_pnl"]) for t in trades if t["realised_pnl"] is not None), D(0))
    open_groups = recompute(trades)
    if state["in_position"]:
        quantity = sum((g[0] for g in open_groups.values()), D(0))
        cost = sum((g[1] for g in open_groups.values()), D(0))
        assert D(state["quantity"]) == pytest.approx(quantity, abs=TOLERANCE)
        assert D(state["entry_price"]) == pytest.approx(cost / quantity, abs=TOLERANCE)
        last_buy = trades[-1]
        if len(open_groups) == 1 and last_buy["side"] == "BUY" and D(last_buy["net_quantity"]) == quantity:
            assert D(state["entry_price"]) == pytest.approx(D(last_buy["price"]), abs=TOLERANCE)
    return len(trades)


def test_every_strategy_live_on_paper_adds_up(platform: Platform) -> None:
    user = platform.user()
    token = user["access_token"]
    status, candles = platform.call("GET", "/market/candles?symbol=BTCUSDT&interval=1m&limit=1", None, token)
    assert status == 200, candles
    price = D(candles["items"][-1]["close"])
    bots = {}
    for strategy_id in CANDLE_STRATEGIES:
        body = bot_body(name=strategy_id, strategy=strategy_id, params=strategy_params(strategy_id, price))
        status, bot = platform.call("POST", "/bots", body, token)
        assert status == 201, bot
        assert platform.call("POST", f"/bots/{bot['id']}/start", None, token)[0] == 200
        bots[strategy_id] = bot["id"]
    traded: dict[str, int] = {}
    for _ in range(3):
        platform.minute(MINUTES // 3)
        status, tokens = platform.call("POST", "/auth/login", {"email": user["email"], "password": user["password"]})
        token = tokens["access_token"]
        for strategy_id, bot_id in bots.items():
            traded[strategy_id] = check_bot(platform, token, bot_id, D("1000"))
    assert all(count >= 2 for count in traded.values()), traded


def test_the_chart_entry_line_marker_and_position_price_are_one_number(platform: Platform) -> None:
    """Issue 20: the chart showed "entry 5,721.84", its marker "Entry 5,710.41" and the position 5,737.84 for
    one buy. The entry line and the position panel both read the state's `entry_price`; the marker reads
    the buy's `price`: for a position of one buy they must be the same number."""
    user = platform.user()
    token = user["access_token"]
    status, bot = platform.call("POST", "/bots", bot_body(params={"fast": 2, "slow": 5}), token)
    assert status == 201, bot
    platform.call("POST", f"/bots/{bot['id']}/start", None, token)
    for _ in range(20):
        platform.minute()
        status, tokens = platform.call("POST", "/auth/login", {"email": user["email"], "password": user["password"]})
        state, trades = (
            _state_of(platform, tokens["access_token"], bot["id"]),
            _trades_of(platform, tokens["access_token"], bot["id"]),
        )
        if state["in_position"]:
            buy = trades[-1]
            assert buy["side"] == "BUY" and D(buy["fee"]) > 0
            assert D(state["entry_price"]) == D(buy["price"])
            assert D(state["quantity"]) == D(buy["net_quantity"]) < D(buy["quantity"])  # fee taken in base
            return
    pytest.fail("the bot never entered a position")
