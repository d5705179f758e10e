from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from chalicelib.domain.candles import CandleSeries
from chalicelib.domain.kline_csv import load_series

REPO = Path(__file__).resolve().parents[3]
MARKET = REPO / ".." / "shared" / "data" / "market"
BTC_1M = MARKET / "binanceus_BTCUSDT_1m_20230301_20230321.csv"
GAPPY_1M = MARKET / "freqtrade_UNITTEST_BTC_1m_20171104_20171114.csv"
ETH_5M = MARKET / "freqtrade_ETH_BTC_5m_20180110_20180130.csv"

MINUTE = 60_000
T0 = 1_700_000_000_000 - (1_700_000_000_000 % MINUTE)


def series_from_closes(closes: list[float], *, spread: float = 0.0, opens: list[float] | None = None) -> CandleSeries:
    """Hand-built 1m candles: open = previous close unless given, high/low = max/min(open, close) +- spread."""
    close = np.asarray(closes, dtype=np.float64)
    open_ = np.asarray(opens, dtype=np.float64) if opens is not None else np.concatenate(([close[0]], close[:-1]))
    return CandleSeries(
        open_time=T0 + MINUTE * np.arange(close.shape[0], dtype=np.int64),
        open=open_,
        high=np.maximum(open_, close) + spread,
        low=np.minimum(open_, close) - spread,
        close=close,
        volume=np.ones(close.shape[0]),
    )


@pytest.fixture(scope="session")
def btc_1m() -> CandleSeries:
    return load_series(BTC_1M)


@pytest.fixture(scope="session")
def eth_5m() -> CandleSeries:
    return load_series(ETH_5M)


@pytest.fixture(scope="session")
def gappy_1m() -> CandleSeries:
    return load_series(GAPPY_1M)
