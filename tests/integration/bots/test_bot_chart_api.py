"""GIVEN the real app on moto (synthetic market) WHEN a user opens a bot's page THEN `GET /bots/{id}/chart`
answers what its strategy declares to draw: the indicator series of a signal strategy (computed like its
signals, over the same candles the page shows), a grid's levels, a DCA cycle's safety orders with the ones
filled; another user's bot is a 404."""

from __future__ import annotations

from decimal import Decimal

from chalicelib.domain import indicators
from chalicelib.domain.candles import CandleSeries
from tests.integration.bots.conftest import bot_body


def _create(platform, token, **overrides):
    status, bot = platform.call("POST", "/bots", bot_body(**overrides), token)
    assert status == 201, bot
    return bot


def test_sma_bot_chart_has_both_averages_at_the_candles_times(platform):
    token = platform.user()["access_token"]
    bot = _create(platform, token)
    status, chart = platform.call("GET", f"/bots/{bot['id']}/chart?limit=50", None, token)
    assert status == 200, chart
    candles = platform.call("GET", "/market/candles?symbol=BTCUSDT&interval=1m&limit=50", None, token)[1]["items"]
    assert [p["name"] for p in chart["plots"]] == ["SMA 2", "SMA 5"]
    assert {p["pane"] for p in chart["plots"]} == {"price"}
    slow = chart["plots"][1]["points"]
    assert len(slow) == len(candles) - 4  # the warm-up bars have no value and are left out
    assert slow[-1]["time"] == candles[-1]["open_time"]
    closes = [Decimal(c["close"]) for c in candles[-5:]]
    assert abs(slow[-1]["value"] - float(sum(closes) / 5)) < 1e-6
    assert chart["levels"] == [] and chart["safety_orders"] == []


def test_rsi_bot_chart_draws_in_its_own_pane(platform):
    token = platform.user()["access_token"]
    bot = _create(platform, token, strategy="rsi_reversion", params={"period": 3})
    chart = platform.call("GET", f"/bots/{bot['id']}/chart?limit=100", None, token)[1]
    assert [p["name"] for p in chart["plots"]] == ["RSI 3", "Oversold", "Overbought"]
    assert {p["pane"] for p in chart["plots"]} == {"oscillator"}
    assert all(0 <= pt["value"] <= 100 for pt in chart["plots"][0]["points"])


def test_grid_bot_chart_has_its_levels(platform):
    token = platform.user()["access_token"]
    price = Decimal(platform.call("POST", "/bots/plan", bot_body(), token)[1]["price"])
    params = {"lower": float(price * Decimal("0.9")), "upper": float(price * Decimal("1.1")), "levels": 5}
    bot = _create(platform, token, strategy="grid", params=params)
    chart = platform.call("GET", f"/bots/{bot['id']}/chart", None, token)[1]
    assert chart["plots"] == [] and len(chart["levels"]) == 5
    assert abs(chart["levels"][0] - params["lower"]) < 1e-6 and abs(chart["levels"][-1] - params["upper"]) < 1e-6
    assert chart["held_cells"] == []


def test_dca_bot_chart_plans_from_the_last_close_then_from_the_cycle_base(platform):
    token = platform.user()["access_token"]
    bot = _create(platform, token, strategy="dca", params={}, budget="200")
    chart = platform.call("GET", f"/bots/{bot['id']}/chart", None, token)[1]
    last = platform.call("GET", "/market/candles?symbol=BTCUSDT&interval=1m&limit=1", None, token)[1]["items"][-1]
    assert chart["dca_in_cycle"] is False and chart["dca_base_price"] == float(last["close"])
    assert [s["leg"] for s in chart["safety_orders"]] == ["safety_1", "safety_2", "safety_3", "safety_4"]
    assert not any(s["filled"] for s in chart["safety_orders"])
    assert abs(chart["safety_orders"][0]["price"] - float(last["close"]) * 0.99) < 1e-6
    platform.call("POST", f"/bots/{bot['id']}/start", None, token)
    platform.minute(3)
    chart = platform.call("GET", f"/bots/{bot['id']}/chart", None, token)[1]
    state = platform.call("GET", f"/bots/{bot['id']}", None, token)[1]["state"]
    assert chart["dca_in_cycle"] is state["in_position"]
    if state["in_position"]:
        assert chart["dca_base_price"] is not None


def test_chart_of_an_unknown_or_foreign_bot_is_404(platform):
    owner = platform.user()["access_token"]
    other = platform.user()["access_token"]
    bot = _create(platform, owner)
    assert platform.call("GET", f"/bots/{bot['id']}/chart", None, other)[0] == 404
    assert platform.call("GET", "/bots/nope/chart", None, owner)[0] == 404
    assert platform.call("GET", f"/bots/{bot['id']}/chart?limit=0", None, owner)[0] == 422


def test_plots_match_the_indicator_the_signals_use():
    from chalicelib.domain.candles import Candle
    from chalicelib.domain.strategies import ema_cross

    rows = [
        Candle(
            i * 60_000,
            Decimal(100 + i % 7),
            Decimal(101 + i % 7),
            Decimal(99),
            Decimal(100 + i % 5),
            Decimal(1),
            i * 60_000 + 59_999,
        )
        for i in range(200)
    ]
    series = CandleSeries.from_candles(rows)
    plots = ema_cross.plots(series, {"fast": 5, "slow": 20})
    window = ema_cross._window({"fast": 5, "slow": 20})
    assert list(plots) == ["EMA 5", "EMA 20"]
    assert plots["EMA 20"][-1] == indicators.ema_windowed(series.close, 20, window)[-1]

