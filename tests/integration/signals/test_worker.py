"""The worker side of signals: the tick path's exactly-once guarantees (intent saved before sending, lookup on an
unknown outcome, one Trade per fill) hold for signals, and a bot's signals are applied in arrival order."""

from __future__ import annotations

import json
from typing import Any

import pytest

from chalicelib import bootstrap, workers
from tests.integration.bots.test_exactly_once import paper_orders
from tests.integration.bots.test_unknown_outcome import AnswerLost
from tests.integration.signals.conftest import SignalBot
from tests.sqs_events import sqs_event

ARN = "arn:aws:sqs:us-east-1:123456789012:tradebot-test-ticks"


def signal_messages(bot: SignalBot) -> list[dict[str, Any]]:
    sqs, url = bot.platform.sqs, bot.platform.outputs["TickQueueUrl"]
    found = []
    while True:
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=0).get("Messages", [])
        mine = [m for m in got if json.loads(m["Body"]).get("bot_id") == bot.id]
        for m in got:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
        found += mine
        if not got:
            return found


def deliver(message: dict[str, Any]) -> dict[str, Any]:
    return workers.run_ticks(sqs_event([message], ARN))


def test_a_lost_order_answer_is_looked_up_on_redelivery_and_booked_once(
    signal_bot: SignalBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert signal_bot.send("buy")[0] == 202
    (message,) = signal_messages(signal_bot)
    factory = bootstrap.container().exchanges
    real = factory.for_bot
    lost: list[bool] = []
    lookups: list[str] = []
    monkeypatch.setattr(factory, "for_bot", lambda config: AnswerLost(real(config), lost, lookups))

    assert deliver(message)["batchItemFailures"]  # the answer was lost: SQS delivers the message again
    assert len(paper_orders(signal_bot.id)) == 1 and signal_bot.trades() == []
    assert [s["status"] for s in signal_bot.signals()] == ["placing"]

    assert deliver(message) == {"batchItemFailures": []}
    assert len(paper_orders(signal_bot.id)) == 1 and len(lookups) == 1  # found by its client order id, not resent
    (trade,) = signal_bot.trades()
    (entry,) = signal_bot.signals()
    assert entry["status"] == "executed" and entry["order_ids"] == [trade["id"]]


def test_a_crash_after_booking_before_the_log_is_written_does_not_trade_again(
    signal_bot: SignalBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert signal_bot.send("buy")[0] == 202
    (message,) = signal_messages(signal_bot)
    store = bootstrap.container().signals._store
    real_settle = store.settle
    crashed: list[bool] = []

    def settle(record: Any) -> None:
        if record.status == "executed" and not crashed:
            crashed.append(True)
            raise RuntimeError("the worker died here")
        real_settle(record)

    monkeypatch.setattr(store, "settle", settle)
    assert deliver(message)["batchItemFailures"]
    assert len(signal_bot.trades()) == 1
    assert [s["status"] for s in signal_bot.signals()] == ["placing"]

    assert deliver(message) == {"batchItemFailures": []}
    assert len(paper_orders(signal_bot.id)) == 1 and len(signal_bot.trades()) == 1
    assert [s["status"] for s in signal_bot.signals()] == ["executed"]


def test_a_bots_signals_are_applied_in_arrival_order_whichever_message_comes_first(signal_bot: SignalBot) -> None:
    assert signal_bot.send("buy")[0] == 202
    signal_bot.platform.clock.advance(1_000)
    assert signal_bot.send("close")[0] == 202
    buy_message, close_message = signal_messages(signal_bot)
    assert deliver(close_message) == {"batchItemFailures": []}  # the later message applies both, oldest first
    # Had the close been applied first it would have been refused (no position) and the buy left a position.
    assert sorted(t["side"] for t in signal_bot.trades()) == ["BUY", "SELL"]
    assert [(s["action"], s["status"]) for s in signal_bot.signals()] == [("close", "executed"), ("buy", "executed")]
    status, bot = signal_bot.platform.call("GET", f"/bots/{signal_bot.id}", None, signal_bot.jwt)
    assert bot["state"]["in_position"] is False
    assert deliver(buy_message) == {"batchItemFailures": []}  # nothing left to apply
    assert len(signal_bot.trades()) == 2


def test_a_second_worker_leaves_the_bot_to_the_one_applying_its_signals(signal_bot: SignalBot) -> None:
    assert signal_bot.send("buy")[0] == 202
    (message,) = signal_messages(signal_bot)
    store = bootstrap.container().signals._store
    assert store.claim_identity(signal_bot.id, "~drain", 60)  # another worker holds the bot
    assert deliver(message)["batchItemFailures"]
    assert signal_bot.trades() == [] and [s["status"] for s in signal_bot.signals()] == ["queued"]
    store.release_identity(signal_bot.id, "~drain")
    assert deliver(message) == {"batchItemFailures": []}
    assert len(signal_bot.trades()) == 1


def test_a_signal_for_a_stopped_bot_is_refused_and_notified(signal_bot: SignalBot) -> None:
    assert signal_bot.send("buy")[0] == 202
    status, _ = signal_bot.platform.call("POST", f"/bots/{signal_bot.id}/stop", None, signal_bot.jwt)
    assert status == 200
    signal_bot.work()
    (entry,) = signal_bot.signals()
    assert entry["status"] == "refused" and entry["reason"] == "bot_stopped"
    assert signal_bot.trades() == []
    status, notes = signal_bot.platform.call("GET", "/notifications", None, signal_bot.jwt)
    assert any(n["kind"] == "signal_refused" for n in notes["items"])
    status, body, _ = signal_bot.send("buy")  # at the door now
    assert status == 409 and body["error"]["code"] == "bot_stopped"


def test_a_tick_writing_the_state_meanwhile_makes_the_signal_plan_again_not_fail(
    signal_bot: SignalBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    from chalicelib.services.ports.bots import StateConflict

    assert signal_bot.send("buy")[0] == 202
    (message,) = signal_messages(signal_bot)
    states = bootstrap.container().ticks._states
    real_put = states.put
    conflicts: list[bool] = []

    def put(state: Any, expected_version: int | None) -> None:
        if state.pending and not conflicts:
            conflicts.append(True)
            raise StateConflict(state.bot_id)  # as if a tick had written the state first
        real_put(state, expected_version)

    monkeypatch.setattr(states, "put", put)
    assert deliver(message) == {"batchItemFailures": []}
    assert conflicts == [True]
    assert len(paper_orders(signal_bot.id)) == 1 and len(signal_bot.trades()) == 1
    assert [s["status"] for s in signal_bot.signals()] == ["executed"]
