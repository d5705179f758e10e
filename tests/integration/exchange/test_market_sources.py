"""Market data sources: replay of the real kline files in ../shared/data/market (one has gaps), the
import command, the synthetic offline default and Binance public klines."""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import responses

from chalicelib.domain.candles import INTERVAL_MS
from chalicelib.domain.clock import ManualClock

SHARED = Path(__file__).resolve().parents[3].parent / "shared" / "data" / "market"
GAPPY = SHARED / "freqtrade_UNITTEST_BTC_1m_20171104_20171114.csv"
ETHBTC_5M = SHARED / "freqtrade_ETH_BTC_5m_20180110_20180130.csv"


def _open_times(path: Path) -> list[int]:
    with path.open() as fh:
        return [int(row["open_time"]) for row in csv.DictReader(fh)]


@pytest.fixture(scope="module")
def imported(aws: Any) -> dict[str, list[int]]:
    from chalicelib.cli import main

    assert main(["import-klines", "--csv", str(GAPPY), "--symbol", "UNITBTC", "--interval", "1m"]) == 0
    assert main(["import-klines", "--csv", str(ETHBTC_5M), "--symbol", "ethbtc", "--interval", "5m"]) == 0
    return {"UNITBTC": _open_times(GAPPY), "ETHBTC": _open_times(ETHBTC_5M)}


def _replay(now_ms: int) -> Any:
    from chalicelib.adapters.dynamo.market_candles import DynamoCandleStore
    from chalicelib.adapters.market.replay import ReplayMarket

    return ReplayMarket(DynamoCandleStore(), ManualClock(now_ms))


def test_import_reports_what_it_stored(imported: dict[str, list[int]], capsys: Any) -> None:
    from chalicelib.adapters.dynamo.market_candles import DynamoCandleStore

    times = imported["UNITBTC"]
    assert DynamoCandleStore().span("UNITBTC", "1m") == (times[0], times[-1])
    assert len(times) == 13_681


def test_replay_keeps_the_gaps_of_the_real_file(imported: dict[str, list[int]]) -> None:
    times = imported["UNITBTC"]
    gaps = [i for i in range(1, len(times)) if times[i] - times[i - 1] > 60_000]
    assert gaps, "the file is known to have missing minutes"
    i = gaps[0]
    end = times[i] + 60_000 * 3  # three bars after the first gap
    candles = _replay(end).closed_candles("UNITBTC", "1m", limit=10)
    assert [c.open_time for c in candles] == [t for t in times if t + 59_999 <= end][-10:]
    assert any(b.open_time - a.open_time > 60_000 for a, b in zip(candles, candles[1:], strict=False))


def test_replay_serves_only_closed_candles_as_of_the_clock(imported: dict[str, list[int]]) -> None:
    times = imported["ETHBTC"]
    mid = times[100]
    candles = _replay(mid + 150_000).closed_candles("ETHBTC", "5m", limit=3)  # the bar at `mid` is still open
    assert [c.open_time for c in candles] == times[97:100]
    assert all(c.close_time == c.open_time + INTERVAL_MS["5m"] - 1 for c in candles)
    candles = _replay(mid + 299_999).closed_candles("ETHBTC", "5m", limit=1)  # its last millisecond
    assert candles[0].open_time == mid


def test_replay_before_the_data_is_empty(imported: dict[str, list[int]]) -> None:
    assert _replay(imported["ETHBTC"][0] - 1).closed_candles("ETHBTC", "5m") == []


def test_replay_knows_the_open_of_the_minute_in_progress_and_not_of_a_missing_one(
    imported: dict[str, list[int]],
) -> None:
    from chalicelib.domain.kline_csv import parse_kline_csv

    times = imported["UNITBTC"]
    by_open = {c.open_time: c for c in parse_kline_csv(GAPPY.read_text())}
    i = next(i for i in range(1, len(times)) if times[i] - times[i - 1] > 60_000)  # the first gap
    at = times[i] + 25_000  # 25 s into the minute after the gap: the bar is in progress, its open is known
    assert _replay(at).minute_open("UNITBTC", at) == by_open[times[i]].open
    missing = times[i - 1] + 60_000 + 1_000  # a minute the file has no bar for
    assert _replay(missing).minute_open("UNITBTC", missing) is None


def test_synthetic_market_knows_the_open_of_the_minute_in_progress() -> None:
    from chalicelib.adapters.market.synthetic import SyntheticMarket

    now = 1_700_000_000_000 + 30_000
    minute = now - now % 60_000
    opened = SyntheticMarket(ManualClock(now), seed=3).minute_open("BTCUSDT", now)
    closed = SyntheticMarket(ManualClock(minute + 60_000), seed=3).closed_candles("BTCUSDT", "1m", limit=1)
    assert closed[0].open_time == minute and opened == closed[0].open


def test_binance_public_market_reads_the_minute_in_progress_with_its_start_time() -> None:
    from chalicelib.adapters.market.binance_public import BinancePublicMarket
    from tests.unit.exchange.binance_fakes import API, T0, make_exchange

    exchange, _ = make_exchange(ManualClock(T0 + 61_000), signed=False)
    row = [T0 + 60_000, "1.25", "2", "0.5", "1.5", "10", T0 + 119_999, "15", 3, "5", "7", "0"]
    with responses.RequestsMock() as rsps:
        rsps.get(f"{API}/klines", json=[row])
        assert BinancePublicMarket(exchange).minute_open("BTCUSDT", T0 + 61_000) == Decimal("1.25")
        asked = rsps.calls[0].request.url
        assert f"startTime={T0 + 60_000}" in asked and "interval=1m" in asked and "limit=1" in asked
        rsps.get(f"{API}/klines", json=[])  # a minute Binance has no trade in yet
        assert BinancePublicMarket(exchange).minute_open("BTCUSDT", T0 + 61_000) is None


def test_synthetic_market_is_closed_only_and_deterministic() -> None:
    from chalicelib.adapters.market.synthetic import SyntheticMarket

    now = 1_700_000_030_000  # 30 s into a minute
    candles = SyntheticMarket(ManualClock(now), seed=3).closed_candles("BTCUSDT", "1m", limit=5)
    assert len(candles) == 5 and candles[-1].close_time < now and candles[-1].close_time + 60_000 > now
    again = SyntheticMarket(ManualClock(now + 120_000), seed=3).closed_candles("BTCUSDT", "1m", limit=7)
    assert again[:5] == candles  # same bars however the window is cut
    assert SyntheticMarket(ManualClock(now), seed=4).closed_candles("BTCUSDT", "1m", limit=5) != candles


def test_binance_public_market_uses_no_key() -> None:
    from chalicelib.adapters.market.binance_public import BinancePublicMarket
    from tests.unit.exchange.binance_fakes import API, T0, make_exchange

    exchange, _ = make_exchange(ManualClock(T0 + 61_000), signed=False)
    row = [T0, "1", "2", "0.5", "1.5", "10", T0 + 59_999, "15", 3, "5", "7", "0"]
    with responses.RequestsMock() as rsps:
        rsps.get(f"{API}/klines", json=[row, [T0 + 60_000, *row[1:6], T0 + 119_999, *row[7:]]])
        candles = BinancePublicMarket(exchange).closed_candles("BTCUSDT", "1m")
        assert [c.open_time for c in candles] == [T0] and "X-MBX-APIKEY" not in rsps.calls[0].request.headers


def test_paper_exchange_on_the_synthetic_market_and_static_catalog(aws: Any) -> None:
    from decimal import Decimal

    from chalicelib.adapters.dynamo.paper import DynamoPaperStore
    from chalicelib.adapters.market.catalog import StaticSymbolCatalog
    from chalicelib.adapters.market.synthetic import SyntheticMarket
    from chalicelib.adapters.paper_exchange import PaperExchange
    from chalicelib.domain.orders import OrderRequest, OrderStatus, OrderType, Side

    clock = ManualClock(1_700_000_030_000)
    store = DynamoPaperStore()
    store.seed("synthetic-bot", {"USDT": Decimal(1000)})
    catalog = StaticSymbolCatalog()
    assert catalog.symbols() == ["BNBUSDT", "BTCUSDT", "ETHBTC", "ETHUSDT", "SOLUSDT"]
    paper = PaperExchange("synthetic-bot", store, SyntheticMarket(clock), catalog, clock)
    last = paper.klines("SOLUSDT", "1m", limit=1)[-1].close
    qty = (Decimal(100) / last).quantize(Decimal("0.001"))  # about 100 USDT, whatever the synthetic price
    order = paper.place_order(OrderRequest("SOLUSDT", Side.BUY, OrderType.MARKET, qty, "syn-1"))
    assert order.status is OrderStatus.FILLED and order.executed_quantity == qty
