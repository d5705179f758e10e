"""A job's candles over a date range from the market data port, paged backwards from the end (as the
backtest service pages them)."""

from __future__ import annotations

from chalicelib.domain.candles import Candle, CandleSeries
from chalicelib.domain.errors import InvalidInput
from chalicelib.services.ports.market import MarketData

PAGE_BARS = 1_000  # Binance's largest klines page; every MarketData source accepts it


def fetch_range(market: MarketData, symbol: str, interval: str, start_ms: int, end_ms: int,
                max_bars: int) -> CandleSeries:
    pages: list[list[Candle]] = []
    got, cursor = 0, end_ms
    while True:
        raw = market.closed_candles(symbol, interval, limit=PAGE_BARS, end_ms=cursor)
        page = [c for c in raw if start_ms <= c.open_time and c.close_time <= cursor]
        if page:
            pages.append(page)
            got += len(page)
        if not page or len(raw) < PAGE_BARS or page[0].open_time <= start_ms or got >= max_bars:
            break
        cursor = page[0].open_time - 1
    candles = [c for p in reversed(pages) for c in p]
    if len(candles) < 2:
        raise InvalidInput(f"No candles for {symbol} {interval} in that range",
                           details=[{"field": "start", "message": "fewer than 2 candles in the range"}])
    return CandleSeries.from_candles(candles)
