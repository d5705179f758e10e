"""Per-tick cost of resting orders (#14), against the embedded AWS with the real DynamoDB adapters: DynamoDB
calls and Binance request weight per tick for an idle bot (nothing wanted, nothing resting), a bot with 20
resting grid orders and no fill, and the same bot on a tick after one of them filled (booked, re-armed).

The exchange is the in-memory resting exchange of tests/fakes (main's paper exchange cannot list open orders
yet); its weights are Binance's documented ones (openOrders with a symbol 6, order lookup 4, new order and
cancel 1). The strategy's wanted orders are set by hand (a ladder of 20 buy limits below the price), the
engine state is the real strategy's. Run by bench/tick.py after its own figures.

`figures(..., venue="paper")` (bench/tick.py --paper) runs the same bots on the paper exchange (DynamoDB-backed
book on the embedded AWS, the synthetic market): its calls weigh what the same call weighs on Binance, and its
own DynamoDB requests (the paper-accounts table) count in the tick's calls. A paper order fills only on candles,
so the "filled" bot's top buy is priced 0.5% above the last close: it fills as it is placed, every tick, and the
tick books it and places it again (one fill per tick, like the fake's forced fill)."""

from __future__ import annotations

import dataclasses
import statistics
import uuid
from collections import Counter
from decimal import Decimal
from typing import Any

MINUTES = 6


class WeighedPaper:
    """The paper exchange, adding up Binance's weight of each call made to it."""

    def __init__(self, exchange: Any) -> None:
        from tests.fakes.memory_resting import WEIGHTS

        self._exchange, self._weights, self.weight = exchange, WEIGHTS, 0
        self._names = {
            "open_orders": "openOrders", "get_order_by_client_id": "getOrder", "place_order": "newOrder",
            "cancel_order": "cancelOrder", "place_oco": "newOco", "cancel_order_list": "cancelOrderList",
        }  # fmt: skip

    def __getattr__(self, name: str) -> Any:
        method = getattr(self._exchange, name)
        if name not in self._names:
            return method

        def weighed(*args: Any, **kwargs: Any) -> Any:
            self.weight += self._weights[self._names[name]]
            return method(*args, **kwargs)

        return weighed


def figures(container: Any, clock: Any, counter: Any, venue: str = "fake") -> list[str]:
    from chalicelib.domain import engine as engine_module
    from chalicelib.domain.orders import OrderType, Side
    from chalicelib.domain.resting import OrderPurpose, WantedOrder
    from chalicelib.services.tick import service as tick_service

    user = f"bench-resting-{uuid.uuid4().hex[:8]}"
    accounts: dict[str, Any] = {}
    wanted: dict[str, tuple[WantedOrder, ...]] = {}
    real_decide, real_for_bot = engine_module.decide, container.exchanges.for_bot

    def decide(*args: Any, **kwargs: Any) -> Any:
        bot_id = current["bot"]
        return dataclasses.replace(real_decide(*args, **kwargs), intents=(), wanted=wanted.get(bot_id, ()))

    def for_bot(config: Any) -> Any:
        if config.id not in accounts:
            accounts[config.id] = _paper(container, clock, config.id) if venue == "paper" else _fake(container, clock)
        return accounts[config.id]

    current: dict[str, str] = {}
    tick_service.decide = decide  # type: ignore[assignment]
    container.exchanges.for_bot = for_bot
    try:
        bots = {name: _bot(container, user, name) for name in ("warm", "idle", "grid", "filled")}
        price = container.current_price(user, "BTCUSDT")
        ladder = tuple(
            WantedOrder(key=f"grid_buy_{k}", purpose=OrderPurpose.GRID_BUY, leg=f"grid_buy_{k}", reason="grid",
                        side=Side.BUY, type=OrderType.LIMIT, quantity=Decimal("0.01"),
                        price=(price * (1 - Decimal(k + 1) / 100)).quantize(Decimal("0.01")))
            for k in range(20)
        )  # fmt: skip
        wanted[bots["grid"]] = wanted[bots["filled"]] = ladder
        if venue == "paper":  # its top buy fills as it is placed, every tick (see the docstring)
            top = dataclasses.replace(ladder[0], price=(price * Decimal("1.005")).quantize(Decimal("0.01")))
            wanted[bots["filled"]] = (top, *ladder[1:])
        rows: dict[str, list[tuple[int, int]]] = {"idle": [], "grid": [], "filled": []}
        for minute in range(MINUTES + 1):
            clock.advance(60_000)
            at = clock.now_ms() - clock.now_ms() % 60_000
            for name in ("warm", "idle", "grid", "filled"):
                if name == "filled" and minute > 0 and venue == "fake":
                    exchange = accounts[bots["filled"]]
                    exchange.trade(next(iter(exchange.open_orders("BTCUSDT"))).client_order_id)
                measured = _tick(container, counter, accounts, current, user, bots[name], at)
                if minute > 0 and name != "warm":  # the first minute places the ladders
                    rows[name].append(measured)
    finally:
        tick_service.decide = real_decide  # type: ignore[assignment]
        container.exchanges.for_bot = real_for_bot
    booked = {str(c.id): s.trades_count for c, s in container.bots.list_for(user)}
    fills = f"  fills booked by the filled bot over {MINUTES + 1} ticks: {booked[bots['filled']]}"
    return [*_lines(rows, venue), fills]


def _fake(container: Any, clock: Any) -> Any:
    from chalicelib.adapters.market.catalog import StaticSymbolCatalog
    from tests.fakes.memory_resting import InMemoryRestingExchange

    exchange = InMemoryRestingExchange(container.market, StaticSymbolCatalog(), clock.now_ms)
    exchange.seed({"USDT": Decimal(1_000_000)})
    return exchange


def _paper(container: Any, clock: Any, account: str) -> Any:
    from chalicelib.adapters.dynamo.paper import DynamoPaperStore
    from chalicelib.adapters.market.catalog import StaticSymbolCatalog
    from chalicelib.adapters.paper_exchange import PaperExchange

    # Its own account: the bot's was seeded with the bot's budget when it was created, and seeding is once.
    store, account = DynamoPaperStore(), f"{account}-bench"
    store.seed(account, {"USDT": Decimal(1_000_000)})
    return WeighedPaper(PaperExchange(account, store, container.market, StaticSymbolCatalog(), clock))


def _bot(container: Any, user: str, name: str) -> str:
    body = {"name": name, "strategy": "sma_cross", "params": {"fast": 2, "slow": 5}, "symbol": "BTCUSDT",
            "interval": "1m", "mode": "paper", "budget": "1000", "risk": {}}  # fmt: skip
    config = container.bots.create(user, body)
    container.bots.change_status(user, config.id, "start")
    return str(config.id)


def _tick(container: Any, counter: Any, accounts: dict[str, Any], current: dict[str, str], user: str, bot: str,
          at: int) -> tuple[int, int]:  # fmt: skip
    current["bot"] = bot
    exchange = container.exchanges.for_bot(container.bots.get(user, bot)[0])
    weight = exchange.weight
    counter.calls.clear()
    outcome = container.ticks.run(user, bot, at, "BTCUSDT", "1m")
    assert outcome.result in ("done", "no_trade"), outcome
    dynamo = sum(n for k, n in Counter(counter.calls).items() if k.startswith("dynamodb:"))
    return dynamo, exchange.weight - weight


def _lines(rows: dict[str, list[tuple[int, int]]], venue: str) -> list[str]:
    where = "the paper exchange (its own DynamoDB calls included)" if venue == "paper" else "the in-memory exchange"
    lines = ["", f"Resting orders (#14) on {where}: per tick, after the minute that placed the ladders", ""]
    lines.append(f"  {'bot':<44}{'ticks':>7}{'DynamoDB calls p50/max':>26}{'exchange weight p50/max':>26}")
    names = {
        "idle": "idle (nothing wanted, nothing resting)",
        "grid": "20 resting grid buys, no fill",
        "filled": "20 resting grid buys, one filled (re-armed)",
    }
    for key, label in names.items():
        dyn, weight = [r[0] for r in rows[key]], [r[1] for r in rows[key]]
        lines.append(
            f"  {label:<44}{len(dyn):>7}{f'{int(statistics.median(dyn))} / {max(dyn)}':>26}"
            f"{f'{int(statistics.median(weight))} / {max(weight)}':>26}"
        )
    return lines
