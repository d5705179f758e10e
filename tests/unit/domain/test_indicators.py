from __future__ import annotations

import numpy as np
import pytest
import talib
from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.domain import indicators as ind
from chalicelib.domain.candles import CandleSeries

RTOL = 1e-9


def assert_matches(ours: np.ndarray, reference: np.ndarray, atol: float = 0.0) -> None:
    """Same length, defined wherever the reference is defined, and equal to 1e-9 relative there."""
    assert ours.shape == reference.shape
    defined = ~np.isnan(reference)
    assert not np.any(np.isnan(ours[defined]))
    np.testing.assert_allclose(ours[defined], reference[defined], rtol=RTOL, atol=atol)


@pytest.fixture(params=["btc_1m", "eth_5m", "random"])
def prices(request: pytest.FixtureRequest) -> CandleSeries:
    if request.param == "random":
        rng = np.random.default_rng(7)
        close = 100 * np.exp(np.cumsum(rng.normal(0, 0.01, 5000)))
        return CandleSeries(np.arange(5000, dtype=np.int64), close, close * 1.01, close * 0.99, close, close)
    series: CandleSeries = request.getfixturevalue(request.param)
    return series.slice(0, 6000)


@pytest.mark.parametrize("n", [2, 10, 30, 200])
def test_sma_and_ema_match_talib(prices: CandleSeries, n: int) -> None:
    assert_matches(ind.sma(prices.close, n), talib.SMA(prices.close, n))
    assert_matches(ind.ema(prices.close, n), talib.EMA(prices.close, n))
    assert np.isnan(ind.sma(prices.close, n)[: n - 1]).all()
    assert np.isnan(ind.ema(prices.close, n)[: n - 1]).all()


@pytest.mark.parametrize("n", [2, 14, 50])
def test_rsi_and_atr_match_talib(prices: CandleSeries, n: int) -> None:
    assert_matches(ind.rsi(prices.close, n), talib.RSI(prices.close, n))
    high, low, close = prices.high, prices.low, prices.close
    assert_matches(ind.atr(high, low, close, n), talib.ATR(high, low, close, n))
    assert np.isnan(ind.rsi(prices.close, n)[:n]).all()


@pytest.mark.parametrize(("fast", "slow", "signal"), [(12, 26, 9), (5, 35, 5), (3, 10, 16)])
def test_macd_matches_talib(prices: CandleSeries, fast: int, slow: int, signal: int) -> None:
    ours = ind.macd(prices.close, fast, slow, signal)
    reference = talib.MACD(prices.close, fast, slow, signal)
    # MACD values are differences of two EMAs of the price and cross zero, where a relative error is
    # meaningless: there the floor is 1e-13 of the price scale (TA-Lib's own rounding is ~1e-16 of it).
    scale = float(np.median(np.abs(prices.close)))
    for mine, theirs in zip(ours, reference, strict=True):
        assert_matches(mine, theirs, atol=1e-13 * scale)
    assert np.isnan(ours[0][: slow - 1]).all() and not np.isnan(ours[0][slow - 1])
    assert np.isnan(ours[1][: slow + signal - 2]).all()


@pytest.mark.parametrize(("n", "k"), [(20, 2.0), (5, 1.5), (50, 3.0)])
def test_bollinger_matches_talib(prices: CandleSeries, n: int, k: float) -> None:
    ours = ind.bollinger(prices.close, n, k)
    reference = talib.BBANDS(prices.close, n, k, k, 0)
    for mine, theirs in zip(ours, reference, strict=True):
        assert_matches(mine, theirs)


def test_short_input_is_all_nan_not_shortened() -> None:
    x = np.array([1.0, 2.0, 3.0])
    for out in (ind.sma(x, 5), ind.ema(x, 5), ind.rsi(x, 5), *ind.macd(x, 2, 5, 3), *ind.bollinger(x, 5)):
        assert out.shape == (3,) and np.isnan(out).all()


def test_rsi_is_100_when_only_rising_and_0_when_flat() -> None:
    assert ind.rsi(np.arange(1.0, 30.0), 14)[-1] == 100.0
    assert ind.rsi(np.full(30, 5.0), 14)[-1] == 0.0


@settings(max_examples=25, deadline=None)
@given(st.integers(min_value=0, max_value=10_000), st.integers(min_value=1, max_value=60))
def test_windowed_indicators_depend_only_on_their_window(seed: int, extra: int) -> None:
    """The value at the last bar is bit-identical whether computed on a long history or on the window."""
    rng = np.random.default_rng(seed)
    x = 50 * np.exp(np.cumsum(rng.normal(0, 0.02, 300 + extra)))
    window = 120
    full = ind.ema_windowed(x, 10, window)
    assert full[-1] == ind.ema_windowed(x[-window:], 10, window)[-1]
    assert ind.rsi_windowed(x, 14, window)[-1] == ind.rsi_windowed(x[-window:], 14, window)[-1]
    line, sig = ind.macd_windowed(x, 12, 26, 9, window)
    tail_line, tail_sig = ind.macd_windowed(x[-window:], 12, 26, 9, window)
    assert (line[-1], sig[-1]) == (tail_line[-1], tail_sig[-1])
    assert ind.sma(x, 30)[-1] == ind.sma(x[-30:], 30)[-1]
    # and each windowed value is the standard indicator over that window
    np.testing.assert_allclose(full[-1], ind.ema(x[-window:], 10)[-1], rtol=1e-12)
    np.testing.assert_allclose(line[-1], ind.macd(x[-window:], 12, 26, 9)[0][-1], rtol=1e-9, atol=1e-12)
