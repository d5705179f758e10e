"""Binance spot behind the exchange port. Importing this package does not import python-binance."""

from chalicelib.adapters.binance.budget import InMemoryWeightStore, UserTriggered, WeightBudget, WeightStore
from chalicelib.adapters.binance.caches import InMemoryInfoCache
from chalicelib.adapters.binance.endpoint import MAINNET, TESTNET, BinanceCredentials, BinanceEndpoint
from chalicelib.adapters.binance.exchange import BinanceSpotExchange
from chalicelib.adapters.binance.policy import RetryPolicy
from chalicelib.adapters.binance.resting import Replaced

__all__ = [
    "MAINNET",
    "TESTNET",
    "BinanceCredentials",
    "BinanceEndpoint",
    "BinanceSpotExchange",
    "InMemoryInfoCache",
    "InMemoryWeightStore",
    "Replaced",
    "RetryPolicy",
    "UserTriggered",
    "WeightBudget",
    "WeightStore",
]
