"""Small cached documents (e.g. a symbol's exchange-info entry) in the market-cache table, with TTL."""

from __future__ import annotations

from pynamodb.attributes import NumberAttribute, UnicodeAttribute

from chalicelib.adapters.aws_errors import AwsBoundary
from chalicelib.adapters.dynamo.base import Model, table_meta


class MarketCacheItem(Model):
    Meta = table_meta("market-cache")

    pk = UnicodeAttribute(hash_key=True)
    value = UnicodeAttribute()
    expires_at = NumberAttribute()  # TTL, epoch seconds; also checked on read (TTL deletion lags)


class DynamoMarketCache(AwsBoundary):
    def get(self, key: str, now_ms: int) -> str | None:
        try:
            item = MarketCacheItem.get(key)
        except MarketCacheItem.DoesNotExist:
            return None
        if int(item.expires_at) * 1000 <= now_ms:
            return None
        return str(item.value)

    def put(self, key: str, value: str, ttl_s: int, now_ms: int) -> None:
        MarketCacheItem(key, value=value, expires_at=now_ms // 1000 + ttl_s).save()
