"""The signal bot: entries and exits come from webhooks (TradingView alerts, scripts), not from candles.

On the candle path it never signals, so its scheduled ticks only apply the risk rules (stop-loss,
take-profit, trailing stop, protections, max drawdown) to the position the signals opened; the signal path
(domain/signals.py, services/tick/signals.py) turns each accepted signal into intents."""

from __future__ import annotations

import numpy as np

from chalicelib.domain.candles import CandleSeries
from chalicelib.domain.strategies.base import BoolArray, Params, SignalStrategy
from chalicelib.domain.strategies.schema import JsonSchema, integer, number, object_schema


def _flag(default: bool, description: str) -> JsonSchema:
    return {"type": "boolean", "default": default, "description": description}


def _choice(default: str, options: list[str], description: str) -> JsonSchema:
    return {"type": "string", "enum": options, "default": default, "description": description}


def signals(series: CandleSeries, params: Params) -> tuple[BoolArray, BoolArray]:
    none = np.zeros(len(series), dtype=np.bool_)
    return none, none.copy()


def check(params: Params) -> list[dict[str, str]]:
    if not (params["allow_buy"] or params["allow_sell"] or params["allow_close"]):
        return [{"field": "allow_buy", "message": "allow at least one action"}]
    if params["size_mode"] == "percent" and params["size_value"] > 100:
        return [{"field": "size_value", "message": "a percentage of the budget must be <= 100"}]
    return []


def warmup_bars(params: Params) -> int:
    return 2  # the risk rules need one closed bar; two keep every strategy on the same footing


STRATEGY = SignalStrategy(
    id="signal",
    name="Signal bot (webhook)",
    description="Trades on signals sent to its webhook (TradingView alerts or signed scripts): buy, sell, "
    "close. Stop-loss, take-profit, trailing stop and protections keep working between signals.",
    params_schema=object_schema(
        "signal params",
        {
            "allow_buy": _flag(True, "Accept buy signals"),
            "allow_sell": _flag(True, "Accept sell signals (sell the whole position)"),
            "allow_close": _flag(True, "Accept close signals (sell the whole position)"),
            "size_mode": _choice("percent", ["percent", "quote"], "Order size: % of the budget, or a quote amount"),
            "size_value": number(100.0, "The % of the budget, or the quote amount, a buy spends", exclusive_minimum=0),
            "max_lag_s": integer(60, 1, 3600, "A signal older than this (seconds) is refused as stale"),
            "in_position_buy": _choice("ignore", ["ignore", "add"], "A buy while in position: ignore it or add"),
            "max_adds": integer(3, 0, 50, "At most this many buys added to one position"),
        },
    ),
    check_params=check,
    warmup_bars=warmup_bars,
    signals=signals,
)
