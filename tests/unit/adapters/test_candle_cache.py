"""The candle cache adapter formats its own key and hands out candles, never a raw DynamoDB item."""

from __future__ import annotations


def test_the_candle_cache_owns_its_key_and_decodes_a_raw_entry() -> None:
    from decimal import Decimal

    from chalicelib.adapters.dynamo.candle_cache import candle_key, candles_from_item, encode
    from chalicelib.domain.candles import Candle

    candle = Candle(0, Decimal("1"), Decimal("2"), Decimal("0.5"), Decimal("1.5"), Decimal("10"), 59_999)
    assert candle_key("BTCUSDT", "1m", 60_000) == "candles#BTCUSDT#1m#60000"
    assert candles_from_item({"pk": {"S": "k"}, "value": {"S": encode([candle])}}) == [candle]
