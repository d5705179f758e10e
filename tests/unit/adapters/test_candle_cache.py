"""The candle cache adapter formats its own key and hands out candles, never a raw DynamoDB item."""

from __future__ import annotations


def test_the_candle_cache_owns_its_key_and_decodes_a_raw_entry() -> None:
    from decimal import Decimal

    from chalicelib.adapters.dynamo.candle_cache import candle_key, candles_from_item, encode
    from chalicelib.domain.candles import Candle

    candle = Candle(0, Decimal("1"), Decimal("2"), Decimal("0.5"), Decimal("1.5"), Decimal("10"), 59_999)
    assert candle_key("BTCUSDT", "1m", 60_000) == "candles#BTCUSDT#1m#60000"
    assert candles_from_item({"pk": {"S": "k"}, "value": {"S": encode([candle])}}) == [candle]


def test_packed_candles_round_trip_exactly_and_older_json_entries_still_read() -> None:
    from decimal import Decimal

    from chalicelib.adapters.dynamo.candle_cache import candles_from_item, encode, pack, unpack
    from chalicelib.domain.candles import Candle

    def bar(open_time: int, prices: str, close_time: int) -> Candle:
        o, h, lo, c, v = (Decimal(p) for p in prices.split())
        return Candle(open_time, o, h, lo, c, v, close_time)

    candles = [
        bar(0, "65000.01 65010.5 64990 65001.99 0.00012", 59_999),
        bar(60_000, "65001.99 65002 64000.12 64500 12.5", 119_999),
        # A gap (an exchange outage) and a bar whose close time is not open + interval - 1.
        bar(300_000, "1E+2 100.000001 99 99.5 0", 330_000),
    ]
    assert unpack(pack(candles)) == candles
    assert unpack(pack([])) == []
    assert candles_from_item({"pk": {"S": "k"}, "value": {"B": pack(candles)}}) == candles
    assert candles_from_item({"pk": {"S": "k"}, "value": {"S": encode(candles)}}) == candles
    assert len(pack(candles * 100)) < len(encode(candles * 100)) / 4
