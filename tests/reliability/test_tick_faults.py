"""Faults on the tick path, at every step, from a seeded RNG, over two simulated hours of paper trading.

Injected at the ports the tick uses (the adapters classify Binance's answers into chalicelib/domain/errors
before the tick sees them, see docs/exchange.md), and at the state store:
- exchange: timeouts, 5xx, 429 with Retry-After, 418 bans, -1021 after the resync retry, on every call
  (symbol rules, order lookup, order placement), and a timeout AFTER the order reached the exchange
  (OrderOutcomeUnknown: the order exists, the worker does not know);
- market data: the candle fetch times out;
- DynamoDB: conditional-check failures (a concurrent writer won), throttling before a write, and throttling
  reported AFTER a write succeeded (the answer was lost), on the state write and the state+trades transaction;
- the worker killed between the order and the save;
- SQS: every failed record redelivered (up to 3 receives, then the DLQ), and some messages delivered 2 to 5
  times concurrently.

Afterwards, for every bot: each filled exchange order is exactly one trade and each trade one order; no
client order id traded twice; the state's version and last tick only moved forward; trades_count matches
the Trades table; the bot's quantity matches what the paper exchange holds for it."""

from __future__ import annotations

import dataclasses
import json
import random
import threading
from collections import Counter
from decimal import Decimal
from typing import Any

import boto3
import pytest
from pynamodb.exceptions import PutError, TransactWriteError

from chalicelib import bootstrap, workers
from chalicelib.domain.errors import ExchangeTemporaryError, OrderOutcomeUnknown
from chalicelib.services.ports.bots import StateConflict
from tests.integration.bots.conftest import Platform, bot_body, sqs_event

SEED = 20240601
MINUTES = 120
FAULT_RATE = 0.07  # per call site, per call
EXCHANGE_FAULT_RATE = 0.2  # orders are rarer than state writes: fault them more often
TRANSACT_FAULT_RATE = 0.12  # likewise the state + trades transaction (only ticks that trade reach it)
ARN = "arn:aws:sqs:us-east-1:123456789012:tradebot-test-ticks"


class Killed(BaseException):
    """A worker killed mid-tick: not an Exception, nothing in the tick may catch it."""


def _throttled(cls: type[Exception]) -> Exception:
    from botocore.exceptions import ClientError

    cause = ClientError(
        {"Error": {"Code": "ProvisionedThroughputExceededException", "Message": "Rate exceeded"}}, "PutItem"
    )
    return cls("Failed to write", cause)


EXCHANGE_FAULTS = [
    lambda: ExchangeTemporaryError("Read timed out", code="exchange_timeout"),
    lambda: ExchangeTemporaryError("Binance answered 502", exchange_code=None, code="exchange_5xx"),
    lambda: ExchangeTemporaryError("Too many requests", exchange_code=-1003, retry_after_s=7, code="rate_limited"),
    lambda: ExchangeTemporaryError("IP banned until later", exchange_code=-1003, retry_after_s=120, code="ip_banned"),
    lambda: ExchangeTemporaryError("Timestamp outside recvWindow", exchange_code=-1021, code="clock_skew"),
]


REQUIRED_SITES = (
    "exchange.place_order.before",
    "exchange.place_order.after(timeout, order placed)",
    "exchange.get_order",
    "worker.killed_between_order_and_save",
    "dynamo.put.conditional_check",
    "dynamo.transact.throttled_after_write",
    "market.candles",
)


class Faults:
    def __init__(self, seed: int, rate: float) -> None:
        self.rng = random.Random(seed)
        self.rate = rate
        self.lock = threading.Lock()
        self.injected: Counter[str] = Counter()
        self.seen: Counter[str] = Counter()
        self.enabled = True

    def roll(self, site: str, rate: float | None = None) -> bool:
        with self.lock:
            hit = self.enabled and self.rng.random() < (self.rate if rate is None else rate)
            self.seen[site] += 1
            # Every kind of fault must happen at least once, however the random draws and the thread timing
            # fall: a site reached a few times without a fault gets one.
            if self.enabled and site in REQUIRED_SITES and not self.injected[site] and self.seen[site] >= 3:
                hit = True
            if hit:
                self.injected[site] += 1
            return hit

    def pick(self, options: list[Any]) -> Any:
        with self.lock:
            return self.rng.choice(options)


class FaultyExchange:
    def __init__(self, inner: Any, faults: Faults) -> None:
        self._inner = inner
        self._faults = faults

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def _maybe(self, site: str) -> None:
        if self._faults.roll(site, EXCHANGE_FAULT_RATE):
            raise self._faults.pick(EXCHANGE_FAULTS)()

    def symbol_rules(self, symbol: str) -> Any:
        self._maybe("exchange.symbol_rules")
        return self._inner.symbol_rules(symbol)

    def get_order_by_client_id(self, symbol: str, client_order_id: str) -> Any:
        self._maybe("exchange.get_order")
        return self._inner.get_order_by_client_id(symbol, client_order_id)

    def place_order(self, request: Any) -> Any:
        self._maybe("exchange.place_order.before")
        order = self._inner.place_order(request)
        if self._faults.roll("exchange.place_order.after(timeout, order placed)", EXCHANGE_FAULT_RATE):
            raise OrderOutcomeUnknown("Read timed out after sending the order", code="exchange_timeout")
        return order


def install(monkeypatch: pytest.MonkeyPatch, faults: Faults) -> None:
    running = bootstrap.container()
    # Faults are random: keep bots running so every tick is exercised.
    extra = {**running.settings.extra, "TRADEBOT_MAX_TICK_FAILURES": "10000"}
    c = bootstrap.Container(dataclasses.replace(running.settings, extra=extra), running.clock, running.wall_clock)
    bootstrap.use(c)
    factory = c.exchanges
    real_for_bot = factory.for_bot
    monkeypatch.setattr(factory, "for_bot", lambda config: FaultyExchange(real_for_bot(config), faults))

    candles = c.ports.candles
    real_fetch = candles.get_or_fetch

    def get_or_fetch(*args: Any, **kwargs: Any) -> Any:
        if faults.roll("market.candles"):
            raise ExchangeTemporaryError("klines: read timed out", code="exchange_timeout")
        return real_fetch(*args, **kwargs)

    monkeypatch.setattr(candles, "get_or_fetch", get_or_fetch)

    states = c.ports.states
    real_put, real_put_trades = states.put, states.put_with_trades

    def put(state: Any, expected_version: Any) -> None:
        if faults.roll("dynamo.put.conditional_check"):
            raise StateConflict("injected: version moved")
        if faults.roll("dynamo.put.throttled_before"):
            raise _throttled(PutError)
        real_put(state, expected_version=expected_version)
        if faults.roll("dynamo.put.throttled_after_write"):
            raise _throttled(PutError)

    def put_with_trades(state: Any, expected_version: int, trades: Any) -> None:
        if faults.roll("worker.killed_between_order_and_save", TRANSACT_FAULT_RATE):
            raise Killed()
        if faults.roll("dynamo.transact.conditional_check", TRANSACT_FAULT_RATE):
            raise StateConflict("injected: version moved")
        if faults.roll("dynamo.transact.throttled_before", TRANSACT_FAULT_RATE):
            raise _throttled(TransactWriteError)
        real_put_trades(state, expected_version=expected_version, trades=trades)
        if faults.roll("dynamo.transact.throttled_after_write", TRANSACT_FAULT_RATE):
            raise _throttled(TransactWriteError)

    monkeypatch.setattr(states, "put", put)
    monkeypatch.setattr(states, "put_with_trades", put_with_trades)


def deliver(message: dict[str, Any]) -> bool:
    """One receive of one message through the real SQS handler; True when it succeeded."""
    try:
        result = workers.run_ticks(sqs_event([message], ARN))
    except Killed:
        return False
    return not result["batchItemFailures"]


def deliver_concurrently(message: dict[str, Any], copies: int) -> bool:
    barrier = threading.Barrier(copies)
    ok: list[bool] = []

    def run() -> None:
        barrier.wait()
        ok.append(deliver(message))

    threads = [threading.Thread(target=run) for _ in range(copies)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return any(ok)


def paper_items(bot_id: str) -> list[dict[str, Any]]:
    table = boto3.resource("dynamodb", region_name="us-east-1").Table("tradebot-test-paper-accounts")
    return table.query(KeyConditionExpression="account_id = :a", ExpressionAttributeValues={":a": bot_id})["Items"]


def all_trades(platform: Platform, token: str, bot_id: str) -> list[dict[str, Any]]:
    items, cursor = [], None
    while True:
        path = f"/bots/{bot_id}/trades?limit=500" + (f"&cursor={cursor}" if cursor else "")
        status, page = platform.call("GET", path, None, token)
        assert status == 200, page
        items += page["items"]
        cursor = page.get("next_cursor")
        if not cursor:
            return items


def test_random_faults_at_every_step_over_two_hours_reconcile(platform: Platform, monkeypatch) -> None:
    user = platform.user()
    token = user["access_token"]
    bodies = [
        bot_body(strategy="dca", params={"base_order_quote": 100, "take_profit_pct": 0.2}),
        bot_body(strategy="dca", params={"base_order_quote": 150, "take_profit_pct": 0.1}, symbol="ETHUSDT"),
        bot_body(strategy="sma_cross", params={"fast": 2, "slow": 5}),
    ]
    bots = []
    for body in bodies:
        status, bot = platform.call("POST", "/bots", body, token)
        assert status == 201, bot
        assert platform.call("POST", f"/bots/{bot['id']}/start", None, token)[0] == 200
        bots.append(bot["id"])
    faults = Faults(SEED, FAULT_RATE)
    install(monkeypatch, faults)
    store = bootstrap.container().ports.states
    sqs, queue = platform.sqs, platform.outputs["TickQueueUrl"]
    history: dict[str, list[tuple[int, int]]] = {b: [] for b in bots}
    deliveries, concurrent, dead_lettered = 0, 0, 0
    for _ in range(MINUTES):
        platform.clock.advance(60_000)
        workers.dispatch()
        mine = []
        while True:
            got = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10, AttributeNames=["All"]).get(
                "Messages", []
            )
            if not got:
                break
            for m in got:
                sqs.delete_message(QueueUrl=queue, ReceiptHandle=m["ReceiptHandle"])
                if json.loads(m["Body"])["bot_id"] in bots:
                    mine.append(m)
        for message in mine:
            for _receive in range(3):
                copies = faults.pick([1, 1, 1, 1, 1, 1, 2, 3, 5])
                deliveries += copies
                concurrent += copies > 1
                if deliver(message) if copies == 1 else deliver_concurrently(message, copies):
                    break
            else:
                dead_lettered += 1
            # A duplicate arriving later (after success) must change nothing.
            if faults.roll("sqs.late_duplicate", 0.05):
                deliver(message)
        for b in bots:
            state = store.get(b)
            history[b].append((state.version, state.last_tick_at))
    faults.enabled = False

    # A clean final minute settles anything a dead-lettered tick left pending.
    platform.minute(1)
    status, session = platform.call("POST", "/auth/login", {"email": user["email"], "password": user["password"]})
    assert status == 200, session
    token = session["access_token"]  # two hours later: the first access token has expired
    report = []
    for b in bots:
        versions = [v for v, _ in history[b]]
        ticks_seen = [t for _, t in history[b]]
        assert versions == sorted(versions), f"{b}: state version went backwards"
        assert ticks_seen == sorted(ticks_seen), f"{b}: last tick went backwards"
        items = paper_items(b)
        orders = [i for i in items if str(i["sk"]).startswith("order#")]
        filled = Counter(str(o["sk"]).removeprefix("order#") for o in orders if Decimal(o["executed_quantity"]) > 0)
        trades = all_trades(platform, token, b)
        traded = Counter(t["id"] for t in trades)
        assert set(filled) == set(traded), f"{b}: orders {sorted(filled)} vs trades {sorted(traded)}"
        assert max(traded.values(), default=1) == 1, f"{b}: a client order id traded twice"
        status, bot = platform.call("GET", f"/bots/{b}", None, token)
        assert bot["state"]["trades_count"] == len(trades)
        base = "ETH" if bot["symbol"] == "ETHUSDT" else "BTC"
        holding = sum(
            Decimal(i.get("free") or 0) + Decimal(i.get("locked") or 0) for i in items if i["sk"] == f"balance#{base}"
        )
        held_by_bot = Decimal(bot["state"]["quantity"]) + Decimal(bot["state"]["dust_quantity"])
        assert abs(holding - held_by_bot) < Decimal("1e-7"), f"{b}: exchange holds {holding}, bot {held_by_bot}"
        report.append((b, len(trades), bot["status"]))
        platform.call("POST", f"/bots/{b}/stop", None, token)
    total_trades = sum(n for _, n, _ in report)
    assert total_trades >= 10, f"too few trades to prove anything: {report}"
    assert sum(faults.injected.values()) >= 50, faults.injected
    # Every kind of fault happened at least once.
    for site in REQUIRED_SITES:
        assert faults.injected[site] > 0, (site, faults.injected)
    assert concurrent > 0
    print(
        f"\nfaults injected: {dict(faults.injected)}; deliveries {deliveries} ({concurrent} concurrent), "
        f"dead-lettered ticks {dead_lettered}; trades {total_trades}"
    )
