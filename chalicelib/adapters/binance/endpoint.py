"""Which Binance to talk to: mainnet, the spot testnet, or a custom base URL (a proxy, a mock server)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class BinanceEndpoint:
    name: str  # "mainnet" | "testnet" | "custom"; also part of cache keys
    api_url: str  # python-binance's API_URL: "<base>/api"
    sapi_url: str | None  # "<base>/sapi"; None where the venue has no /sapi (the spot testnet)

    @property
    def is_testnet(self) -> bool:
        return self.name == "testnet"

    @classmethod
    def custom(cls, base_url: str, *, has_sapi: bool = True) -> BinanceEndpoint:
        base = base_url.rstrip("/")
        return cls("custom", f"{base}/api", f"{base}/sapi" if has_sapi else None)

    @classmethod
    def from_settings(cls, binance_env: str, binance_base_url: str | None = None) -> BinanceEndpoint:
        """BINANCE_ENV=mainnet|testnet (or a URL), BINANCE_BASE_URL overrides either with a custom URL."""
        if binance_base_url:
            return cls.custom(binance_base_url)
        if binance_env.startswith(("http://", "https://")):
            return cls.custom(binance_env)
        if binance_env == "mainnet":
            return MAINNET
        if binance_env == "testnet":
            return TESTNET
        raise ValueError(
            f"BINANCE_ENV={binance_env!r} selects no Binance endpoint; set mainnet, testnet or a base URL "
            "(paper-only deployments construct no Binance exchange)"
        )


MAINNET = BinanceEndpoint("mainnet", "https://api.binance.com/api", "https://api.binance.com/sapi")
TESTNET = BinanceEndpoint("testnet", "https://testnet.binance.vision/api", None)


@dataclass(frozen=True, slots=True)
class BinanceCredentials:
    api_key: str
    api_secret: str

    def __repr__(self) -> str:  # never let a secret reach a log line or a traceback
        return f"BinanceCredentials(api_key='...{self.api_key[-4:]}', api_secret='***')"

    __str__ = __repr__
