"""The in-memory exchange fake keeps the exchange port's documented behaviour (services/ports/exchange.py),
the inconvenient parts included, so the service tests that trade through it meet what Binance does."""

from __future__ import annotations

from decimal import Decimal

import pytest

from chalicelib.domain.errors import ExchangeRejected, OrderOutcomeUnknown
from chalicelib.domain.orders import OrderRequest, OrderStatus, OrderType, Side
from chalicelib.domain.symbols import FilterRejected
from tests.fakes.memory import MemoryPlatform
from tests.fakes.memory_market import InMemoryExchange
from tests.unit.services.conftest import bot_body


@pytest.fixture()
def account(mem: MemoryPlatform) -> InMemoryExchange:
    bot = mem.container.bots.create("u1", bot_body())
    mem.container.exchanges.prepare(bot)
    return mem.exchanges.accounts[bot.id]


def _buy(cid: str, qty: str = "0.001", **kw: object) -> OrderRequest:
    return OrderRequest("BTCUSDT", Side.BUY, kw.pop("type", OrderType.MARKET), Decimal(qty), cid, **kw)


def test_a_market_buy_fills_at_the_last_close_less_a_fee_in_the_base(account: InMemoryExchange) -> None:
    order = account.place_order(_buy("c1"))
    assert order.status is OrderStatus.FILLED and order.executed_quantity == Decimal("0.001")
    (fill,) = order.fills
    assert fill.fee_asset == "BTC" and fill.fee == Decimal("0.000001")
    balances = {b.asset: b.free for b in account.balances()}
    assert balances["BTC"] == Decimal("0.000999")
    assert balances["USDT"] == Decimal("1000") - order.quote_quantity


def test_a_repeated_client_order_id_answers_the_order_already_placed(account: InMemoryExchange) -> None:
    first = account.place_order(_buy("c1"))
    assert account.place_order(_buy("c1")) == first
    assert len(account.orders) == 1


def test_what_the_balance_cannot_pay_is_refused_like_binance(account: InMemoryExchange) -> None:
    with pytest.raises(ExchangeRejected) as refused:
        account.place_order(_buy("c1", qty="1"))
    assert refused.value.exchange_code == -2010
    with pytest.raises(FilterRejected):
        account.place_order(_buy("c2", qty="0.00000001"))  # below the symbol's minimum notional


def test_a_lost_answer_still_placed_the_order(account: InMemoryExchange) -> None:
    account.unknown_outcome_after_place = 1
    with pytest.raises(OrderOutcomeUnknown):
        account.place_order(_buy("c1"))
    found = account.get_order_by_client_id("BTCUSDT", "c1")
    assert found is not None and found.status is OrderStatus.FILLED


def test_a_resting_limit_order_holds_its_quote_until_cancelled(account: InMemoryExchange) -> None:
    order = account.place_order(_buy("c1", type=OrderType.LIMIT, price=Decimal("40000")))
    assert order.status is OrderStatus.NEW
    usdt = next(b for b in account.balances() if b.asset == "USDT")
    assert usdt.locked == Decimal("40.000") and usdt.free == Decimal("960.000")
    cancelled = account.cancel_order("BTCUSDT", "c1")
    assert cancelled.status is OrderStatus.CANCELED
    usdt = next(b for b in account.balances() if b.asset == "USDT")
    assert (usdt.free, usdt.locked) == (Decimal("1000"), Decimal("0"))
    assert account.cancel_order("BTCUSDT", "c1") == cancelled  # a finished order is returned as it is
