"""A deterministic synthetic market: realistic-looking candles for any [start, end) and interval, the same
for the same (seed, symbol, open_time) however the window is cut, so an offline market source can serve
any range, a tick can re-fetch a window, and a backtest over a year sees exactly the bars a tick saw.

Model (all in log price):
* days since 2017-01-01 form a random walk whose drift follows a three-state Markov regime
  (bull / bear / sideways, persistent for weeks) and whose volatility follows a log-AR(1) process
  (calm and turbulent periods);
* within a day, minute closes follow a Brownian bridge from that day's level to the next day's level with
  the day's volatility, plus an intraday activity curve (busier around the US/EU overlap) and rare jumps;
* each minute's open is the previous close; high/low extend beyond open/close by a half-normal wick
  proportional to the minute's volatility; volume is log-normal and rises with volatility.
Larger intervals aggregate the minute bars (first open, max high, min low, last close, summed volume).

Each day's randomness comes from its own generator keyed by (seed, symbol, day), and the day-level
processes from one keyed by (seed, symbol): nothing depends on the requested window.
"""

from __future__ import annotations

import hashlib
from decimal import Decimal

import numpy as np

from chalicelib.domain.candles import Candle, CandleSeries, FloatArray, IntArray, interval_ms

EPOCH_MS = 1_483_228_800_000  # 2017-01-01T00:00:00Z
DAY_MS = 86_400_000
MINUTE_MS = 60_000
MINUTES = 1440
START_PRICE = {"BTC": 20_000.0, "ETH": 1_500.0, "BNB": 300.0, "SOL": 50.0}
DAILY_VOL = 0.03  # typical daily log-volatility of a major coin
REGIME_DRIFT = (0.004, -0.004, 0.0)  # bull, bear, sideways (per day)
REGIME_STAY = 0.97  # daily probability of keeping the regime (mean length ~ a month)


def _key(*parts: object) -> int:
    digest = hashlib.sha256("|".join(map(str, parts)).encode()).digest()
    return int.from_bytes(digest[:16], "little")


def _rng(*parts: object) -> np.random.Generator:
    return np.random.Generator(np.random.Philox(key=_key(*parts)))


def _start_price(symbol: str) -> float:
    for base, price in START_PRICE.items():
        if symbol.upper().startswith(base):
            return price
    return 100.0


def _daily(seed: int, symbol: str, days: int) -> tuple[FloatArray, FloatArray]:
    """Log level at the start of each day 0..days (inclusive) and each day's volatility, from the epoch."""
    # one generator per stream: each stream's first k draws do not depend on how many are drawn
    shocks = _rng(seed, symbol, "daily-shock").standard_normal(days + 1)
    vol_shocks = _rng(seed, symbol, "daily-vol").standard_normal(days + 1)
    switches = _rng(seed, symbol, "daily-switch").random(days + 1)
    picks = _rng(seed, symbol, "daily-regime").integers(0, 3, days + 1)
    level = np.empty(days + 1)
    vol = np.empty(days + 1)
    log_vol, regime, current = 0.0, 2, float(np.log(_start_price(symbol)))
    for d in range(days + 1):
        if switches[d] > REGIME_STAY:
            regime = int(picks[d])
        log_vol = 0.9 * log_vol + 0.25 * vol_shocks[d]
        vol[d] = DAILY_VOL * float(np.exp(log_vol))
        level[d] = current
        current += REGIME_DRIFT[regime] + vol[d] * shocks[d]
    return level, vol


_ACTIVITY = 1.0 + 0.5 * np.sin(np.linspace(0.0, 2 * np.pi, MINUTES, endpoint=False) - 2.2)
_ACTIVITY = _ACTIVITY / np.sqrt(np.mean(_ACTIVITY**2))


def _day_minutes(seed: int, symbol: str, day: int, start: float, end: float, vol: float) -> tuple[FloatArray, ...]:
    """Open, high, low, close, volume of the day's 1440 minutes."""
    rng = _rng(seed, symbol, "day", day)
    minute_vol = vol / np.sqrt(MINUTES) * _ACTIVITY
    steps = rng.standard_normal(MINUTES) * minute_vol
    jumps = (rng.random(MINUTES) < 0.0005) * rng.standard_normal(MINUTES) * 20 * minute_vol
    walk = np.cumsum(steps + jumps)
    t = np.arange(1, MINUTES + 1) / MINUTES
    closes = start + walk - t * walk[-1] + t * (end - start)  # Brownian bridge to the next day's level
    opens = np.concatenate(([start], closes[:-1]))
    wick_up = np.abs(rng.standard_normal(MINUTES)) * minute_vol * 0.6
    wick_down = np.abs(rng.standard_normal(MINUTES)) * minute_vol * 0.6
    volume = np.exp(rng.standard_normal(MINUTES) * 0.5) * (minute_vol / (DAILY_VOL / np.sqrt(MINUTES))) * 5
    return (
        np.exp(opens),
        np.exp(np.maximum(opens, closes) + wick_up),
        np.exp(np.minimum(opens, closes) - wick_down),
        np.exp(closes),
        volume,
    )


def generate_series(
    start_ms: int, end_ms: int, interval: str = "1m", *, seed: int = 0, symbol: str = "BTCUSDT"
) -> CandleSeries:
    """Candles whose open time lies in [start_ms, end_ms), aligned to the interval (UTC)."""
    step = interval_ms(interval)
    if start_ms < EPOCH_MS:
        raise ValueError("the synthetic market starts on 2017-01-01")
    first = -(-start_ms // step) * step
    if end_ms <= first:
        empty_f = np.zeros(0)
        return CandleSeries(np.zeros(0, dtype=np.int64), empty_f, empty_f, empty_f, empty_f, empty_f)
    first_day = (first - EPOCH_MS) // DAY_MS
    last_day = (end_ms - 1 - EPOCH_MS) // DAY_MS
    level, vol = _daily(seed, symbol, int(last_day) + 1)
    columns = [
        _day_minutes(seed, symbol, d, level[d], level[d + 1], vol[d]) for d in range(int(first_day), int(last_day) + 1)
    ]
    o, h, lo, c, v = (np.concatenate([day[k] for day in columns]) for k in range(5))
    minute_times: IntArray = EPOCH_MS + first_day * DAY_MS + MINUTE_MS * np.arange(o.shape[0], dtype=np.int64)
    if step > MINUTE_MS:
        o, h, lo, c, v, minute_times = _aggregate(o, h, lo, c, v, minute_times, step)
    keep = (minute_times >= first) & (minute_times < end_ms)
    return CandleSeries(minute_times[keep], o[keep], h[keep], lo[keep], c[keep], v[keep])


def _aggregate(
    o: FloatArray, h: FloatArray, lo: FloatArray, c: FloatArray, v: FloatArray, times: IntArray, step: int
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray, FloatArray, IntArray]:
    # whole days are generated and every interval divides a day, so every bucket is complete
    bucket = (times - EPOCH_MS) // step
    starts = np.flatnonzero(np.concatenate(([True], bucket[1:] != bucket[:-1])))
    ends = np.concatenate((starts[1:], [o.shape[0]]))
    return (
        o[starts],
        np.maximum.reduceat(h, starts),
        np.minimum.reduceat(lo, starts),
        c[ends - 1],
        np.add.reduceat(v, starts),
        EPOCH_MS + bucket[starts] * step,
    )


def generate_candles(
    start_ms: int, end_ms: int, interval: str = "1m", *, seed: int = 0, symbol: str = "BTCUSDT", decimals: int = 8
) -> list[Candle]:
    """As `generate_series`, as exact Candles (prices rounded to `decimals` places)."""
    series = generate_series(start_ms, end_ms, interval, seed=seed, symbol=symbol)
    step = interval_ms(interval)

    def dec(x: float) -> Decimal:
        return Decimal(f"{x:.{decimals}f}")

    return [
        Candle(int(t), dec(o), dec(h), dec(lo), dec(c), dec(v), int(t) + step - 1)
        for t, o, h, lo, c, v in zip(
            series.open_time.tolist(), series.open.tolist(), series.high.tolist(), series.low.tolist(),
            series.close.tolist(), series.volume.tolist(), strict=True,
        )
    ]
