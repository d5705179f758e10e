"""Resting orders against canned answers shaped as in Binance's REST documentation, through python-binance's
real HTTP path (`responses`): the exact request each call sends, signed, the weight each reserves, and how
documented answers (OCO reports, open orders naming a list by number, cancel-replace's nested failure) map."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
import responses

from chalicelib.adapters.binance.budget import InMemoryWeightStore
from chalicelib.adapters.binance.caches import ListClientIds
from chalicelib.adapters.binance.resting import RestingOrders
from chalicelib.domain.errors import OrderOutcomeUnknown
from chalicelib.domain.orders import OcoRequest, OrderRequest, OrderStatus, OrderType, Side

from .binance_fakes import (
    API,
    error,
    exchange_info,
    make_exchange,
    oco_ack,
    oco_report,
    order_list_status,
    query_order,
    signed_params,
)

D = Decimal
OCO_URL = f"{API}/orderList/oco"
LIST_URL = f"{API}/orderList"
REQUEST = OcoRequest("BTCUSDT", D("0.01"), "bot1-list", "bot1-tp", D(36000), "bot1-sl", D(34000), D(33900))


class CountingStore(InMemoryWeightStore):
    def __init__(self) -> None:
        super().__init__()
        self.reserved: list[int] = []

    def add_weight(self, egress_id: str, minute: int, weight: int) -> int:
        self.reserved.append(weight)
        return super().add_weight(egress_id, minute, weight)


@pytest.fixture(autouse=True)
def cold_process(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(RestingOrders, "list_ids", ListClientIds())


@pytest.fixture()
def rsps() -> Any:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.get(f"{API}/exchangeInfo", json=exchange_info())
        yield mock


def _calls(rsps: Any, url: str, method: str) -> list[Any]:
    return [c.request for c in rsps.calls if c.request.url.split("?")[0] == url and c.request.method == method]


def leg(coid: str, order_id: int, type_: str, status: str = "NEW") -> dict[str, Any]:
    """A query-order answer for an OCO leg."""
    body = query_order(coid, status=status)
    body.update({"orderId": order_id, "orderListId": 1, "type": type_, "side": "SELL", "origQty": "0.01000000"})
    if status != "FILLED":
        body.update({"executedQty": "0.00000000", "cummulativeQuoteQty": "0.00000000"})
    return body


def test_place_oco_sends_the_new_endpoints_parameters_signed_and_costs_weight_one(rsps: Any) -> None:
    rsps.post(OCO_URL, json=oco_ack())
    store = CountingStore()
    exchange, _ = make_exchange(store=store)
    placed = exchange.place_oco(REQUEST)
    sent = signed_params(_calls(rsps, OCO_URL, "POST")[0])
    assert {k: v for k, v in sent.items() if k not in ("timestamp", "recvWindow")} == {
        "symbol": "BTCUSDT",
        "side": "SELL",
        "quantity": "0.01",
        "listClientOrderId": "bot1-list",
        "aboveType": "LIMIT_MAKER",
        "aboveClientOrderId": "bot1-tp",
        "abovePrice": "36000",
        "belowType": "STOP_LOSS_LIMIT",
        "belowClientOrderId": "bot1-sl",
        "belowStopPrice": "34000",
        "belowPrice": "33900",
        "belowTimeInForce": "GTC",
        "newOrderRespType": "FULL",
    }
    assert store.reserved == [20, 1]  # exchangeInfo once, the OCO itself
    assert [(o.client_order_id, o.type, o.stop_price) for o in placed.orders] == [
        ("bot1-sl", OrderType.STOP_LOSS_LIMIT, D(34000)),
        ("bot1-tp", OrderType.LIMIT_MAKER, None),
    ]


def test_open_orders_resolves_a_list_number_once_then_reads_in_one_call(rsps: Any) -> None:
    rows = [
        query_order("lone", status="NEW") | {"type": "LIMIT", "price": "34000.00000000"},
        leg("bot1-sl", 10, "STOP_LOSS_LIMIT") | {"stopPrice": "34000.00000000"},
        leg("bot1-tp", 11, "LIMIT_MAKER"),
    ]
    rsps.get(f"{API}/openOrders", json=rows)
    rsps.get(LIST_URL, json=order_list_status())
    store = CountingStore()
    exchange, _ = make_exchange(store=store)
    first = exchange.open_orders("BTCUSDT")
    assert [o.order_list_id for o in first] == [None, "bot1-list", "bot1-list"]
    assert signed_params(_calls(rsps, f"{API}/openOrders", "GET")[0])["symbol"] == "BTCUSDT"
    assert signed_params(_calls(rsps, LIST_URL, "GET")[0])["orderListId"] == "1"
    exchange.open_orders("BTCUSDT")
    assert store.reserved == [6, 4, 6] and len(_calls(rsps, LIST_URL, "GET")) == 1


def test_a_503_on_oco_placement_is_looked_up_by_list_client_id_never_resent(rsps: Any) -> None:
    rsps.post(OCO_URL, status=503, json=error(-1001, "Internal error; unable to process your request."))
    rsps.get(LIST_URL, json=order_list_status())
    rsps.get(f"{API}/order", json=leg("bot1-sl", 10, "STOP_LOSS_LIMIT"))
    rsps.get(f"{API}/order", json=leg("bot1-tp", 11, "LIMIT_MAKER"))
    exchange, _ = make_exchange()
    found = exchange.place_oco(REQUEST)
    assert found.list_client_order_id == "bot1-list" and found.is_open
    assert [o.client_order_id for o in found.orders] == ["bot1-sl", "bot1-tp"]
    assert [signed_params(r)["origClientOrderId"] for r in _calls(rsps, f"{API}/order", "GET")] == [
        "bot1-sl",
        "bot1-tp",
    ]
    assert len(_calls(rsps, OCO_URL, "POST")) == 1
    assert signed_params(_calls(rsps, LIST_URL, "GET")[0])["origClientOrderId"] == "bot1-list"


def test_an_oco_binance_does_not_know_after_a_timeout_is_reported_unknown(rsps: Any) -> None:
    import requests

    rsps.post(OCO_URL, body=requests.exceptions.ReadTimeout("read timed out"))
    rsps.get(LIST_URL, status=400, json=error(-2013, "Order list does not exist."))
    exchange, sleep = make_exchange()
    with pytest.raises(OrderOutcomeUnknown) as info:
        exchange.place_oco(REQUEST)
    assert info.value.details == {"list_client_order_id": "bot1-list", "symbol": "BTCUSDT"}
    assert len(_calls(rsps, OCO_URL, "POST")) == 1 and len(_calls(rsps, LIST_URL, "GET")) == 4
    assert len(sleep.calls) == 3


def test_cancel_of_a_list_that_finished_first_returns_its_legs_as_they_are(rsps: Any) -> None:
    rsps.delete(LIST_URL, status=400, json=error(-2011, "Unknown order list sent."))
    rsps.get(LIST_URL, json=order_list_status(done=True))
    rsps.get(f"{API}/order", json=leg("bot1-sl", 10, "STOP_LOSS_LIMIT", "EXPIRED"))
    rsps.get(f"{API}/order", json=leg("bot1-tp", 11, "LIMIT_MAKER", "FILLED"))
    rsps.get(f"{API}/myTrades", json=[])
    exchange, _ = make_exchange()
    done = exchange.cancel_order_list("BTCUSDT", "bot1-list")
    assert [(o.client_order_id, o.status) for o in done.orders] == [
        ("bot1-sl", OrderStatus.EXPIRED),
        ("bot1-tp", OrderStatus.FILLED),
    ]
    sent = signed_params(_calls(rsps, LIST_URL, "DELETE")[0])
    assert (sent["symbol"], sent["listClientOrderId"]) == ("BTCUSDT", "bot1-list")
    assert len(_calls(rsps, LIST_URL, "DELETE")) == 1


def test_cancel_replace_partial_failure_reports_the_nested_would_take(rsps: Any) -> None:
    cancelled = oco_report("tp-g1", 3, "LIMIT_MAKER", "36000.00000000", status="CANCELED", list_id=-1)
    cancelled.update({"origClientOrderId": "tp-g1", "clientOrderId": "cancel-1"})
    body = {
        "code": -2021,
        "msg": "Order cancel-replace partially failed.",
        "data": {
            "cancelResult": "SUCCESS",
            "newOrderResult": "FAILURE",
            "cancelResponse": cancelled,
            "newOrderResponse": {"code": -2010, "msg": "Order would immediately match and take."},
        },
    }
    rsps.post(f"{API}/order/cancelReplace", status=409, json=body)
    exchange, _ = make_exchange()
    new = OrderRequest("BTCUSDT", Side.SELL, OrderType.LIMIT_MAKER, D("0.01"), "tp-g2", price=D(34900))
    moved = exchange.cancel_replace("tp-g1", new)
    sent = signed_params(_calls(rsps, f"{API}/order/cancelReplace", "POST")[0])
    assert (sent["cancelReplaceMode"], sent["cancelOrigClientOrderId"], sent["newClientOrderId"]) == (
        "STOP_ON_FAILURE",
        "tp-g1",
        "tp-g2",
    )
    assert moved.old.status is OrderStatus.CANCELED and moved.old.client_order_id == "tp-g1" and moved.new is None
    assert moved.new_error is not None and moved.new_error.code == "would_take"


def test_a_leg_whose_list_is_not_visible_yet_fails_the_read_temporarily(rsps: Any) -> None:
    """GET /api/v3/orderList reads Binance's database, which may lag openOrders: the read is retried later
    rather than a leg handed out as a lone order."""
    from chalicelib.domain.errors import ExchangeTemporaryError

    rsps.get(f"{API}/openOrders", json=[leg("bot1-tp", 11, "LIMIT_MAKER")])
    rsps.get(LIST_URL, status=400, json=error(-2013, "Order list does not exist."))
    exchange, _ = make_exchange()
    with pytest.raises(ExchangeTemporaryError, match="order list 1 on BTCUSDT is not visible yet"):
        exchange.open_orders("BTCUSDT")
