"""What a backtest request must hold: validation of the strategy, risk and costs, and of the candles' origin
(an uploaded kline CSV, or a symbol, interval and date range the market data port can serve)."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from chalicelib.domain.backtest_jobs import Backtest
from chalicelib.domain.candles import INTERVAL_MS, CandleSeries, interval_ms
from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.kline_csv import parse_kline_csv
from chalicelib.domain.risk import validate_risk
from chalicelib.domain.signal_list import TimedSignal, check_period, parse_items
from chalicelib.domain.signal_list import parse_csv as parse_signal_csv
from chalicelib.domain.strategies import validate_params


@dataclass(frozen=True)
class BacktestRequest:
    strategy: str
    params: dict[str, Any]
    risk: dict[str, Any]
    symbol: str | None
    interval: str | None
    start_ms: int | None = None
    end_ms: int | None = None
    csv: str | None = None
    signals: list[dict[str, Any]] | str | None = None  # a signal bot's timestamped signals: items or CSV text
    fee: float = 0.001
    slippage: float = 0.0
    cash: float = 10_000.0


@dataclass(frozen=True)
class Created:
    backtest: Backtest
    result: dict[str, Any] | None  # set when the job ran at once


@dataclass(frozen=True)
class Candles:
    """Where a request's candles come from, sized: `series` is set for a CSV (already parsed)."""

    source: str  # "range" | "csv"
    symbol: str
    interval: str
    start_ms: int | None
    end_ms: int | None
    bars: int
    series: CandleSeries | None = None


def _prefixed(exc: InvalidInput, prefix: str) -> InvalidInput:
    details = [
        {**d, "field": d["field"] if d.get("field") == "strategy" else f"{prefix}.{d.get('field', '')}".rstrip(".")}
        for d in (exc.details or [])
        if isinstance(d, dict)
    ]
    return InvalidInput(exc.message, details=details or exc.details)


def invalid(field: str, message: str) -> InvalidInput:
    return InvalidInput(f"{field}: {message}", details=[{"field": field, "message": message}])


def interval_label(step_ms: int) -> str:
    for label, ms in INTERVAL_MS.items():
        if ms == step_ms:
            return label
    return f"{step_ms}ms"


def validated_strategy(req: BacktestRequest) -> tuple[dict[str, Any], dict[str, Any]]:
    """(params, risk) as the engine takes them; InvalidInput naming `params.*`, `risk.*`, fee, slippage or cash."""
    try:
        params = validate_params(req.strategy, req.params)
    except InvalidInput as exc:
        raise _prefixed(exc, "params") from None
    try:
        risk = validate_risk(req.risk).to_dict()
    except InvalidInput as exc:
        raise _prefixed(exc, "risk") from None
    for field, value in (("fee", req.fee), ("slippage", req.slippage)):
        if not 0 <= value < 0.5:
            raise invalid(field, "must be a fraction in [0, 0.5)")
    if not (req.cash > 0 and math.isfinite(req.cash)):
        raise invalid("cash", "must be > 0")
    return params, risk


def csv_candles(req: BacktestRequest, max_bars: int, check_upload: Callable[[int], None]) -> Candles:
    """`check_upload(size)` runs once the request is known to be a CSV, before the (costly) parse."""
    assert req.csv is not None
    if req.start_ms is not None or req.end_ms is not None:
        raise invalid("csv", "send either csv or start/end, not both")
    check_upload(len(req.csv.encode()))
    series = parse_csv(req.csv)
    bars = len(series)
    if bars > max_bars:
        raise invalid("csv", f"{bars} bars is more than the limit of {max_bars}")
    interval = req.interval or interval_label(int(np.diff(series.open_time).min()))
    return Candles("csv", (req.symbol or "CSV").upper(), interval, None, None, bars, series)


def range_candles(req: BacktestRequest, now: int, max_bars: int) -> Candles:
    given = {"symbol": req.symbol, "interval": req.interval, "start": req.start_ms, "end": req.end_ms}
    missing = [
        {"field": f, "message": "is required with start/end (or send csv)"} for f, v in given.items() if v is None
    ]
    if missing:
        raise InvalidInput("send start and end with symbol and interval, or a kline csv", details=missing)
    assert req.symbol is not None and req.interval is not None
    assert req.start_ms is not None and req.end_ms is not None
    try:
        step = interval_ms(req.interval)
    except ValueError as exc:
        raise invalid("interval", str(exc)) from None
    start, end = req.start_ms, min(req.end_ms, now)
    if req.end_ms <= start:
        raise invalid("end", "must be after start")
    if start >= now - step:
        raise invalid("start", "no closed candle of this interval starts that late; pick an earlier start")
    bars = math.ceil((end - start) / step)
    if bars > max_bars:
        raise invalid(
            "end",
            f"the range holds {bars} {req.interval} bars, more than the limit of {max_bars}; "
            "shorten it or use a longer interval",
        )
    return Candles("range", req.symbol.upper(), req.interval, start, end, bars)


def parse_csv(text: str) -> CandleSeries:
    try:
        candles = parse_kline_csv(text)
    except InvalidInput as exc:
        details = [{**d, "field": f"csv ({d.get('field')})"} for d in (exc.details or []) if isinstance(d, dict)]
        raise InvalidInput(exc.message, details=details or [{"field": "csv", "message": exc.message}]) from None
    if len(candles) < 2:
        raise invalid("csv", "need at least 2 candles")
    return CandleSeries.from_candles(candles)


def timed_signals(req: BacktestRequest) -> list[TimedSignal] | None:
    """The request's signals, parsed (before any candle is fetched); only a signal bot takes them."""
    if req.signals is None:
        return None
    if req.strategy != "signal":
        raise invalid("signals", "only the signal strategy takes signals")
    return parse_signal_csv(req.signals) if isinstance(req.signals, str) else parse_items(req.signals)


def check_signal_period(signals: list[TimedSignal] | None, candles: Candles) -> None:
    """Every signal inside the period: the range asked for, or the CSV's first open to its last close."""
    if signals is None:
        return
    if candles.series is not None:
        series = candles.series
        step = int(np.diff(series.open_time).min())
        check_period(signals, int(series.open_time[0]), int(series.open_time[-1]) + step)
    else:
        assert candles.start_ms is not None and candles.end_ms is not None
        check_period(signals, candles.start_ms, candles.end_ms)
