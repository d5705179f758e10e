"""An order whose answer was lost: the tick does not look it up in a loop of its own (the exchange adapter's
retry policy already did), never sends it again, and the redelivered tick books it once by lookup."""

from __future__ import annotations

import json
from typing import Any

from chalicelib import bootstrap
from chalicelib.domain.errors import OrderOutcomeUnknown
from tests.integration.bots.test_exactly_once import (
    deliver,
    dispatched_messages,
    paper_orders,
    started_bot,
    trades_of,
)


class AnswerLost:
    """Places the order, then loses the answer once; counts every lookup the caller makes."""

    def __init__(self, inner: Any, lost: list[bool], lookups: list[str]) -> None:
        self._inner, self._lost, self._lookups = inner, lost, lookups

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def get_order_by_client_id(self, symbol: str, client_order_id: str) -> Any:
        self._lookups.append(client_order_id)
        return self._inner.get_order_by_client_id(symbol, client_order_id)

    def place_order(self, request: Any) -> Any:
        order = self._inner.place_order(request)
        if not self._lost:
            self._lost.append(True)
            raise OrderOutcomeUnknown("Read timed out after sending the order", code="exchange_timeout")
        return order


def test_a_lost_answer_is_left_pending_and_booked_once_by_the_next_delivery(platform, monkeypatch):
    token, bot_id = started_bot(platform)
    message = next(m for m in dispatched_messages(platform) if json.loads(m["Body"])["bot_id"] == bot_id)
    factory = bootstrap.container().exchanges
    real_for_bot = factory.for_bot
    lost: list[bool] = []
    lookups: list[str] = []
    monkeypatch.setattr(factory, "for_bot", lambda config: AnswerLost(real_for_bot(config), lost, lookups))

    first = deliver(message)
    assert first["batchItemFailures"] == [{"itemIdentifier": message["MessageId"]}]
    assert len(paper_orders(bot_id)) == 1 and lookups == []  # placed once, no lookup loop in the tick
    assert trades_of(platform, token, bot_id) == []

    second = deliver(message)
    assert second == {"batchItemFailures": []}
    assert len(paper_orders(bot_id)) == 1 and len(lookups) == 1  # found by one lookup, not resent
    trades = trades_of(platform, token, bot_id)
    assert len(trades) == 1 and trades[0]["side"] == "BUY"
