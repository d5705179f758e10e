"""Technical indicators on float64 numpy arrays, oldest first.

Two families:

* The standard indicators (`sma`, `ema`, `rsi`, `macd`, `bollinger`, `atr`) over a whole series, exact
  against the textbook / TA-Lib definitions. Output has the input's length; the warm-up is NaN.
* `*_windowed` variants for strategies: the value at bar i is the standard indicator computed over the
  `window` bars ending at i only. Recursive indicators (EMA, Wilder) otherwise depend on where the series
  starts, so a live tick that sees only its recent candles would disagree with a backtest over years of
  history. The windowed form removes that: the same bars give bit-for-bit the same value, wherever the
  array starts. They loop over the window's columns and vectorise over every bar, using only + - * / sqrt
  (IEEE exact per element, so a 1-row and a 500k-row evaluation agree to the last bit).

SMA and Bollinger depend only on their own `n` bars and are window-exact as they are.
"""

from __future__ import annotations

import numpy as np

from chalicelib.domain.candles import FloatArray


def _check_period(n: int, name: str = "n") -> None:
    if n < 1:
        raise ValueError(f"{name} must be >= 1, got {n}")


def _nan(length: int) -> FloatArray:
    return np.full(length, np.nan, dtype=np.float64)


def _rolling_sum(x: FloatArray, n: int) -> FloatArray:
    """Sum of x[i-n+1..i] for i >= n-1 (length len(x)-n+1), added left to right: window-exact."""
    m = x.shape[0] - n + 1
    total = x[0:m].copy()
    for k in range(1, n):
        total += x[k : k + m]
    return total


def sma(x: FloatArray, n: int) -> FloatArray:
    """Simple moving average: mean of the last n values."""
    _check_period(n)
    x = np.asarray(x, dtype=np.float64)
    out = _nan(x.shape[0])
    if x.shape[0] >= n:
        out[n - 1 :] = _rolling_sum(x, n) / n
    return out


def _ema_from(x: FloatArray, n: int, seed_index: int, seed: float, out: FloatArray) -> None:
    k = 2.0 / (n + 1)
    prev = seed
    out[seed_index] = prev
    values = x.tolist()
    for i in range(seed_index + 1, x.shape[0]):
        prev = (values[i] - prev) * k + prev
        out[i] = prev


def ema(x: FloatArray, n: int) -> FloatArray:
    """Exponential moving average, k = 2/(n+1), seeded with the SMA of the first n values (as TA-Lib)."""
    _check_period(n)
    x = np.asarray(x, dtype=np.float64)
    out = _nan(x.shape[0])
    if x.shape[0] >= n:
        _ema_from(x, n, n - 1, float(np.sum(x[:n])) / n, out)
    return out


def _wilder(gains: list[float], n: int, out: FloatArray, offset: int) -> None:
    """Wilder smoothing of `gains` (seed = mean of the first n) written to out[offset + j]."""
    avg = sum(gains[:n]) / n
    out[offset + n - 1] = avg
    for j in range(n, len(gains)):
        avg = (avg * (n - 1) + gains[j]) / n
        out[offset + j] = avg


def rsi(x: FloatArray, n: int = 14) -> FloatArray:
    """Relative Strength Index with Wilder smoothing; first value at index n. 0 when nothing moved."""
    _check_period(n)
    x = np.asarray(x, dtype=np.float64)
    out = _nan(x.shape[0])
    if x.shape[0] <= n:
        return out
    diff = np.diff(x)
    up = _nan(x.shape[0])
    down = _nan(x.shape[0])
    _wilder(np.maximum(diff, 0.0).tolist(), n, up, 1)
    _wilder(np.maximum(-diff, 0.0).tolist(), n, down, 1)
    total = up + down
    with np.errstate(invalid="ignore", divide="ignore"):
        out[n:] = np.where(total[n:] > 0, 100.0 * up[n:] / total[n:], 0.0)
    return out


def macd(x: FloatArray, fast: int = 12, slow: int = 26, signal: int = 9) -> tuple[FloatArray, FloatArray, FloatArray]:
    """MACD (line, signal, histogram) as TA-Lib defines it.

    Both EMAs start at index slow-1: the slow one seeded with the SMA of the first `slow` values, the fast
    one with the SMA of the `fast` values ending there. The signal is the EMA of the line seeded with the
    SMA of its first `signal` values. line is NaN before slow-1; signal and histogram before slow+signal-2.
    """
    for value, name in ((fast, "fast"), (slow, "slow"), (signal, "signal")):
        _check_period(value, name)
    if slow < fast:
        fast, slow = slow, fast
    x = np.asarray(x, dtype=np.float64)
    length = x.shape[0]
    line, sig = _nan(length), _nan(length)
    if length < slow:
        return line, sig, _nan(length)
    fast_ema, slow_ema = _nan(length), _nan(length)
    _ema_from(x, slow, slow - 1, float(np.sum(x[:slow])) / slow, slow_ema)
    _ema_from(x, fast, slow - 1, float(np.sum(x[slow - fast : slow])) / fast, fast_ema)
    line[slow - 1 :] = fast_ema[slow - 1 :] - slow_ema[slow - 1 :]
    start = slow - 1 + signal - 1
    if length > start:
        _ema_from(line, signal, start, float(np.sum(line[slow - 1 : start + 1])) / signal, sig)
    return line, sig, line - sig


def _rolling_pstd(x: FloatArray, n: int, mean: FloatArray) -> FloatArray:
    """Population standard deviation of x[i-n+1..i] around `mean` (the valid part), two-pass."""
    m = x.shape[0] - n + 1
    acc = np.zeros(m, dtype=np.float64)
    for k in range(n):
        dev = x[k : k + m] - mean
        acc += dev * dev
    result: FloatArray = np.sqrt(acc / n)
    return result


def bollinger(x: FloatArray, n: int = 20, k: float = 2.0) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Bollinger Bands (upper, middle, lower): SMA(n) +- k population standard deviations."""
    _check_period(n)
    x = np.asarray(x, dtype=np.float64)
    upper, middle, lower = _nan(x.shape[0]), _nan(x.shape[0]), _nan(x.shape[0])
    if x.shape[0] >= n:
        mid = _rolling_sum(x, n) / n
        dev = k * _rolling_pstd(x, n, mid)
        middle[n - 1 :] = mid
        upper[n - 1 :] = mid + dev
        lower[n - 1 :] = mid - dev
    return upper, middle, lower


def true_range(high: FloatArray, low: FloatArray, close: FloatArray) -> FloatArray:
    """True range; NaN at index 0 (no previous close)."""
    out = _nan(high.shape[0])
    if high.shape[0] > 1:
        prev = close[:-1]
        out[1:] = np.maximum(high[1:] - low[1:], np.maximum(np.abs(high[1:] - prev), np.abs(low[1:] - prev)))
    return out


def atr(high: FloatArray, low: FloatArray, close: FloatArray, n: int = 14) -> FloatArray:
    """Average True Range, Wilder-smoothed, seeded with the mean of the first n true ranges; from index n."""
    _check_period(n)
    high, low, close = (np.asarray(a, dtype=np.float64) for a in (high, low, close))
    out = _nan(high.shape[0])
    if high.shape[0] > n:
        _wilder(true_range(high, low, close)[1:].tolist(), n, out, 1)
    return out


# --- windowed forms (strategies) -------------------------------------------------------------------------


def _columns(x: FloatArray, window: int) -> tuple[int, list[FloatArray]]:
    m = x.shape[0] - window + 1
    return m, [x[t : t + m] for t in range(window)]


class _StreamingEma:
    """EMA fed one column (one value per window) at a time; SMA-seeded after n values, no history kept."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.k = 2.0 / (n + 1)
        self.count = 0
        self.value: FloatArray | None = None

    def push(self, column: FloatArray) -> FloatArray | None:
        self.count += 1
        if self.count <= self.n:
            self.value = column.copy() if self.value is None else self.value + column
            if self.count < self.n:
                return None
            self.value = self.value / self.n
        else:
            assert self.value is not None
            self.value = (column - self.value) * self.k + self.value
        return self.value


def ema_windowed(x: FloatArray, n: int, window: int) -> FloatArray:
    """Value at i: `ema(x[i-window+1 : i+1], n)[-1]`; NaN for i < window-1."""
    _check_period(n)
    if window < n:
        raise ValueError("window must be >= n")
    x = np.asarray(x, dtype=np.float64)
    out = _nan(x.shape[0])
    if x.shape[0] >= window:
        _, cols = _columns(x, window)
        stream = _StreamingEma(n)
        for column in cols:
            last = stream.push(column)
        assert last is not None
        out[window - 1 :] = last
    return out


def rsi_windowed(x: FloatArray, n: int, window: int) -> FloatArray:
    """Value at i: `rsi(x[i-window+1 : i+1], n)[-1]`; NaN for i < window-1."""
    _check_period(n)
    if window <= n:
        raise ValueError("window must be > n")
    x = np.asarray(x, dtype=np.float64)
    out = _nan(x.shape[0])
    if x.shape[0] < window:
        return out
    _, cols = _columns(x, window)
    diffs = [cols[t + 1] - cols[t] for t in range(window - 1)]
    up = np.maximum(diffs[0], 0.0)
    down = np.maximum(-diffs[0], 0.0)
    for t in range(1, n):
        up = up + np.maximum(diffs[t], 0.0)
        down = down + np.maximum(-diffs[t], 0.0)
    up, down = up / n, down / n
    for t in range(n, window - 1):
        up = (up * (n - 1) + np.maximum(diffs[t], 0.0)) / n
        down = (down * (n - 1) + np.maximum(-diffs[t], 0.0)) / n
    total = up + down
    safe = np.where(total > 0, total, 1.0)
    out[window - 1 :] = np.where(total > 0, 100.0 * up / safe, 0.0)
    return out


def macd_windowed(x: FloatArray, fast: int, slow: int, signal: int, window: int) -> tuple[FloatArray, FloatArray]:
    """(line, signal) at i computed by `macd` over x[i-window+1 : i+1] only; NaN for i < window-1."""
    if not 1 <= fast < slow:
        raise ValueError("need 1 <= fast < slow")
    if window < slow + signal - 1:
        raise ValueError("window must be >= slow + signal - 1")
    x = np.asarray(x, dtype=np.float64)
    line_out, sig_out = _nan(x.shape[0]), _nan(x.shape[0])
    if x.shape[0] < window:
        return line_out, sig_out
    _, cols = _columns(x, window)
    slow_ema, fast_ema, sig_ema = _StreamingEma(slow), _StreamingEma(fast), _StreamingEma(signal)
    line: FloatArray | None = None
    sig: FloatArray | None = None
    for t, column in enumerate(cols):
        slow_value = slow_ema.push(column)
        fast_value = fast_ema.push(column) if t >= slow - fast else None  # fast seeded on the bars ending at slow-1
        if slow_value is not None and fast_value is not None:
            line = fast_value - slow_value
            sig = sig_ema.push(line)
    assert line is not None and sig is not None
    line_out[window - 1 :] = line
    sig_out[window - 1 :] = sig
    return line_out, sig_out
