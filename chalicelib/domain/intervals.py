"""Candle intervals and their length. Numpy-free, so the API can name intervals without loading numpy."""

from __future__ import annotations

INTERVAL_MS: dict[str, int] = {
    "1m": 60_000,
    "5m": 300_000,
    "15m": 900_000,
    "1h": 3_600_000,
    "4h": 14_400_000,
    "1d": 86_400_000,
}


def interval_ms(interval: str) -> int:
    try:
        return INTERVAL_MS[interval]
    except KeyError:
        raise ValueError(f"unsupported interval {interval!r}; use one of {', '.join(INTERVAL_MS)}") from None
