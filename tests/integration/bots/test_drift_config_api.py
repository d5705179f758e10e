"""GET /bots/{id}/drift across an edit of the running bot, on the embedded AWS: a paper bot driven minute by minute
through the real dispatch and tick handlers over real candles, edited between two ticks through the real PATCH
route. The replay follows the recorded config history, so the live trades still match it trade for trade; the
edit's effect is the `config` bucket, worth the difference the test works out itself with two replays."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal as D
from typing import Any

import pytest

from chalicelib.domain.backtest.fills import SimFill, settle
from chalicelib.domain.candles import Candle, CandleSeries
from chalicelib.domain.drift.replay import Window, replay
from chalicelib.domain.drift.sides import backtest_fills
from chalicelib.domain.risk import validate_risk
from chalicelib.domain.strategies import get_strategy, validate_params
from tests.integration.bots.conftest import Platform
from tests.integration.bots.test_drift_api import _adds_up, _drift, _login, _start, _trades, btc_1m, replayed

__all__ = ["btc_1m", "replayed"]  # the fixtures, shared

MIN = 60_000
MINUTES = 90
PARAMS = {"fast": 2, "slow": 5}
HALF = {"position_size": {"mode": "percent", "value": 50}}


def _replay(candles: list[Candle], risk: dict[str, Any], window: Window, cash: float) -> list[SimFill]:
    period = [c for c in candles if window.from_ms - 10 * MIN <= c.open_time < window.to_ms]
    return replay(CandleSeries.from_candles(period), get_strategy("sma_cross"), validate_params("sma_cross", PARAMS),
                  validate_risk(risk), window, cash=cash, fee_rate=0.001)  # fmt: skip


def _pnl(fills: list[SimFill], end: D) -> D:
    return sum((f.pnl(end) for f in backtest_fills(fills, 0.001, "USDT")), D(0))


def _edit_between_ticks(p: Platform, token: str, bot_id: str, body: dict[str, Any]) -> int:
    """PATCH the bot 20 s after a tick ran, then let the next minute's tick run; the edit's time."""
    from chalicelib import workers

    p.clock.advance(20_000)
    edited = p.clock.now_ms()
    status, bot = p.call("PATCH", f"/bots/{bot_id}", body, token)
    assert status == 200 and bot["status"] == "running", bot
    p.clock.advance(40_000)
    workers.dispatch()
    p.drain(p.outputs["TickQueueUrl"], workers.run_ticks)
    return edited


def test_an_edit_while_running_is_the_config_bucket_with_its_amount(
    replayed: Callable[[int, D], Platform], btc_1m: list[Candle]
) -> None:
    p = replayed(12, D(0))
    user = p.user()
    bot_id = _start(p, user["access_token"], params=PARAMS)
    started = p.clock.now_ms()
    plan = _replay(btc_1m, {}, Window(started, started + MINUTES * MIN, MIN), 1000.0)
    exit_ = next(f for f in plan if f.side.value == "SELL")  # flat after it: the edit comes then
    while p.clock.now_ms() < exit_.time:
        p.minute()
    edited = _edit_between_ticks(p, _login(p, user), bot_id, {"risk": HALF})
    p.minute(MINUTES - 1 - (p.clock.now_ms() - started) // MIN)
    token = _login(p, user)
    report, trades = _drift(p, token, bot_id), _trades(p, token, bot_id)
    end_ms = p.clock.now_ms()
    end = next(c.close for c in reversed(btc_1m) if c.close_time < end_ms)

    at_start = _replay(btc_1m, {}, Window(started, end_ms, MIN), 1000.0)
    before = [f for f in at_start if f.time < edited]
    cash = 1000.0
    for f in before:
        cash = settle(cash, f)
    followed = before + _replay(btc_1m, HALF, Window(edited, end_ms, MIN), cash)
    assert len(followed) >= 4 and len(trades) == len(followed)
    summary = report["summary"]
    assert report["unmatched"] == [] and {x["kind"] for x in report["pairs"]} == {"tick"}
    assert D(summary["unexplained"]) == 0 and D(summary["timing"]) == 0
    assert D(summary["backtest_pnl"]) == pytest.approx(_pnl(at_start, end), abs=D("1e-6"))
    expected = _pnl(followed, end) - _pnl(at_start, end)
    assert abs(expected) > D("0.01")
    assert D(summary["config"]) == pytest.approx(expected, abs=D("1e-6"))
    _adds_up(summary)
