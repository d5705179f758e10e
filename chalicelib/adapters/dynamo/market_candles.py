"""The replay store: closed candles per (symbol, interval) series in the market-candles table."""

from __future__ import annotations

from collections.abc import Iterable

from pynamodb.attributes import NumberAttribute, UnicodeAttribute

from chalicelib.adapters.aws_errors import AwsBoundary
from chalicelib.adapters.dynamo.base import Model, table_meta
from chalicelib.adapters.dynamo.decimal_attr import DecimalAttribute
from chalicelib.domain.candles import Candle


class CandleItem(Model):
    Meta = table_meta("market-candles")

    series = UnicodeAttribute(hash_key=True)  # "<SYMBOL>#<interval>"
    open_time = NumberAttribute(range_key=True)
    o = DecimalAttribute()
    h = DecimalAttribute()
    lo = DecimalAttribute()
    c = DecimalAttribute()
    v = DecimalAttribute()
    close_time = NumberAttribute()


def series_key(symbol: str, interval: str) -> str:
    return f"{symbol}#{interval}"


class DynamoCandleStore(AwsBoundary):
    def put_many(self, symbol: str, interval: str, candles: Iterable[Candle]) -> int:
        """Idempotent: re-importing a file overwrites the same items."""
        key = series_key(symbol, interval)
        count = 0
        with CandleItem.batch_write() as batch:
            for candle in candles:
                batch.save(
                    CandleItem(
                        key,
                        candle.open_time,
                        o=candle.open,
                        h=candle.high,
                        lo=candle.low,
                        c=candle.close,
                        v=candle.volume,
                        close_time=candle.close_time,
                    )
                )
                count += 1
        return count

    def latest(self, symbol: str, interval: str, *, limit: int, open_time_max: int) -> list[Candle]:
        """Up to `limit` candles with open_time <= open_time_max, oldest first (one Query, newest first)."""
        items = CandleItem.query(
            series_key(symbol, interval),
            CandleItem.open_time <= open_time_max,
            scan_index_forward=False,
            limit=limit,
        )
        candles = [Candle(int(i.open_time), i.o, i.h, i.lo, i.c, i.v, int(i.close_time)) for i in items]
        candles.reverse()
        return candles

    def span(self, symbol: str, interval: str) -> tuple[int, int] | None:
        key = series_key(symbol, interval)
        first = next(iter(CandleItem.query(key, limit=1)), None)
        last = next(iter(CandleItem.query(key, scan_index_forward=False, limit=1)), None)
        if first is None or last is None:
            return None
        return int(first.open_time), int(last.open_time)
