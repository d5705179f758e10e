"""Binance kline CSV files (the data.binance.vision dumps and the exports in shared/data/market).

Columns: open_time, open, high, low, close, volume, close_time[, quote_volume, trades, taker_buy_base,
taker_buy_quote, ignore]. With or without a header row; times in Unix milliseconds or microseconds (the
spot dumps switched to microseconds in 2025) and normalised to milliseconds. Gaps (missing bars) are kept
as they are; open times must strictly increase.
"""

from __future__ import annotations

import io
import itertools
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from pathlib import Path

import numpy as np

from chalicelib.domain.candles import Candle, CandleSeries
from chalicelib.domain.errors import InvalidInput

MICROSECONDS_FROM = 10**14  # a ms timestamp reaches 1e14 only in the year 5138


def _to_ms(value: int) -> int:
    return value // 1000 if value >= MICROSECONDS_FROM else value


def _is_header(line: str) -> bool:
    first = line.split(",", 1)[0].strip().strip('"')
    return not first.lstrip("-").isdigit()


def _lines(text_or_lines: str | Iterable[str]) -> Iterable[str]:
    return text_or_lines.splitlines() if isinstance(text_or_lines, str) else text_or_lines


def parse_kline_csv(text_or_lines: str | Iterable[str]) -> list[Candle]:
    """Candles from CSV text (or an iterable of lines). Raises InvalidInput naming the bad line."""
    candles: list[Candle] = []
    for number, raw in enumerate(_lines(text_or_lines), start=1):
        line = raw.strip()
        if not line or (not candles and _is_header(line)):
            continue
        fields = [f.strip() for f in line.split(",")]
        if len(fields) < 6:
            raise _bad(number, "expected at least 6 columns")
        try:
            open_time = _to_ms(int(fields[0]))
            values = [Decimal(f) for f in fields[1:6]]
            close_time = _to_ms(int(fields[6])) if len(fields) > 6 and fields[6] else None
        except (ValueError, InvalidOperation):
            raise _bad(number, "not a number") from None
        if candles and open_time <= candles[-1].open_time:
            raise _bad(number, "open_time does not increase")
        o, h, lo, c, v = values
        candles.append(Candle(open_time, o, h, lo, c, v, close_time if close_time is not None else -1))
    return _fill_close_times(candles)


def _fill_close_times(candles: list[Candle]) -> list[Candle]:
    if all(c.close_time >= 0 for c in candles):
        return candles
    if len(candles) < 2:
        raise InvalidInput("close_time missing and the interval cannot be inferred from one row")
    step = min(b.open_time - a.open_time for a, b in itertools.pairwise(candles))
    return [
        c
        if c.close_time >= 0
        else Candle(c.open_time, c.open, c.high, c.low, c.close, c.volume, c.open_time + step - 1)
        for c in candles
    ]


def _bad(line: int, message: str) -> InvalidInput:
    return InvalidInput(f"kline CSV line {line}: {message}", details=[{"field": f"line {line}", "message": message}])


def load_series(path: str | Path) -> CandleSeries:
    """Fast columnar load of a kline CSV file (numpy's C parser); same rules as `parse_kline_csv`."""
    text = Path(path).read_text()
    first = text.split("\n", 1)[0]
    skip = 1 if first.strip() and _is_header(first) else 0
    try:
        table = np.loadtxt(io.StringIO(text), delimiter=",", usecols=range(6), skiprows=skip, dtype=np.float64, ndmin=2)
    except ValueError as exc:
        raise InvalidInput(f"kline CSV {path}: {exc}") from None
    open_time = table[:, 0].astype(np.int64)
    open_time = np.where(open_time >= MICROSECONDS_FROM, open_time // 1000, open_time)
    if open_time.shape[0] > 1 and not np.all(np.diff(open_time) > 0):
        raise InvalidInput(f"kline CSV {path}: open_time does not increase")
    return CandleSeries(
        open_time=open_time,
        open=np.ascontiguousarray(table[:, 1]),
        high=np.ascontiguousarray(table[:, 2]),
        low=np.ascontiguousarray(table[:, 3]),
        close=np.ascontiguousarray(table[:, 4]),
        volume=np.ascontiguousarray(table[:, 5]),
    )
