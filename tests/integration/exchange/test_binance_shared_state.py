"""Two users' Binance clients behind one egress address share the weight budget and bans through the
rate-limits table, and exchange-info through the market-cache table (moto)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
import responses

from chalicelib.adapters.binance import BinanceCredentials
from chalicelib.domain.clock import ManualClock
from chalicelib.domain.errors import ExchangeTemporaryError
from tests.unit.exchange.binance_fakes import API, T0, error, exchange_info, make_exchange, signed_params

OTHER_KEY = "otherUserKey0000000000000000000000000000000000000000000000000001"
OTHER_SECRET = "otherUserSecret000000000000000000000000000000000000000000000001"


@pytest.fixture()
def store(aws: Any) -> Any:
    from chalicelib.adapters.dynamo.rate_limits_weight import DynamoWeightStore

    return DynamoWeightStore()


def test_two_users_share_one_weight_budget_per_egress(store: Any) -> None:
    egress = f"ip-{uuid.uuid4().hex[:6]}"
    clock = ManualClock(T0 + 50_000)
    alice, alice_sleep = make_exchange(clock, store, egress=egress)
    bob, bob_sleep = make_exchange(clock, store, egress=egress, credentials=BinanceCredentials(OTHER_KEY, OTHER_SECRET))
    with responses.RequestsMock() as rsps:
        rsps.get(f"{API}/account", json={"balances": []}, headers={"X-MBX-USED-WEIGHT-1M": "4790"})
        alice.balances()  # Binance says this IP used 4790 of 6000 this minute
        assert store.add_weight(egress, (T0 + 50_000) // 60_000, 0) == 4790
        bob.balances()  # 4790 + 20 > 4800: Bob waits for the next minute BEFORE calling
        assert bob_sleep.calls and 9.9 <= bob_sleep.calls[0] <= 10.1 and alice_sleep.calls == []
        assert signed_params(rsps.calls[1].request, OTHER_SECRET, OTHER_KEY)


def test_a_ban_seen_by_one_user_pauses_the_other(store: Any) -> None:
    egress = f"ip-{uuid.uuid4().hex[:6]}"
    clock = ManualClock(T0)
    alice, _ = make_exchange(clock, store, egress=egress)
    bob, _ = make_exchange(clock, store, egress=egress, credentials=BinanceCredentials(OTHER_KEY, OTHER_SECRET))
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        rsps.get(
            f"{API}/account",
            json=error(-1003, "Way too much request weight used."),
            status=418,
            headers={"Retry-After": "120"},
        )
        with pytest.raises(ExchangeTemporaryError, match="banned"):
            alice.balances()
        with pytest.raises(ExchangeTemporaryError) as info:
            bob.balances()
        assert info.value.code == "exchange_paused" and len(rsps.calls) == 1
    other, _ = make_exchange(clock, store, egress=f"{egress}-other")  # another egress is not paused
    with responses.RequestsMock() as rsps:
        rsps.get(f"{API}/account", json={"balances": []})
        assert other.balances() == []


def test_exchange_info_is_cached_in_the_market_cache_table(aws: Any) -> None:
    from chalicelib.adapters.binance import BinanceEndpoint, BinanceSpotExchange, InMemoryWeightStore, WeightBudget
    from chalicelib.adapters.dynamo.market_cache import DynamoMarketCache

    clock = ManualClock(T0)
    symbol = f"X{uuid.uuid4().hex[:6].upper()}USDT"
    info = exchange_info(symbol)

    def build() -> BinanceSpotExchange:
        budget = WeightBudget(InMemoryWeightStore(), "e", clock, lambda s: None)
        return BinanceSpotExchange(
            BinanceEndpoint.custom("https://api.test.local"), budget, info_cache=DynamoMarketCache(), clock=clock
        )

    with responses.RequestsMock() as rsps:
        rsps.get(f"{API}/exchangeInfo", json=info)
        assert build().symbol_rules(symbol).symbol == symbol
        assert build().symbol_rules(symbol).base_asset == "BTC"  # a cold instance: served from DynamoDB
        assert len(rsps.calls) == 1 and f"symbol={symbol}" in rsps.calls[0].request.url
        clock.advance(3_601_000)  # past the TTL: fetched again
        build().symbol_rules(symbol)
        assert len(rsps.calls) == 2
