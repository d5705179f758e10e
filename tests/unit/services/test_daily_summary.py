"""The daily summary's due-time logic and its once-a-day guarantee (services/daily_summary.py) on in-memory
fakes: due once the chosen time has passed today, sent exactly once a day however often (or however
concurrently) the minute's schedule runs, retried the next minute when queueing failed."""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest

from chalicelib.domain.bots import BotConfig, BotState, BotStatus, Mode
from chalicelib.domain.daily_summary import DAY_MS, check_time, clock_of, day_of, is_due
from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.trades import Trade
from chalicelib.services.daily_summary import DailySummaries
from chalicelib.services.ports.bots import BotEvent
from tests.fakes.memory_bots import InMemoryBotRepository, InMemoryBotStateStore, InMemoryTradeRepository
from tests.fakes.memory_queue import InMemoryNotifier
from tests.fakes.memory_summary import InMemorySummarySchedule

DAY = 1_767_225_600_000  # 2026-01-01T00:00:00Z
H, M = 3_600_000, 60_000


@pytest.mark.parametrize(
    "chosen, sent, at, due",
    [
        ("07:30", None, DAY + 7 * H + 29 * M, False),  # a minute early
        ("07:30", None, DAY + 7 * H + 30 * M, True),  # on the minute
        ("07:30", None, DAY + 23 * H, True),  # passed and not sent: caught up (a missed minute, a new setting)
        ("07:30", "2026-01-01", DAY + 8 * H, False),  # sent today
        ("07:30", "2025-12-31", DAY + 8 * H, True),  # sent yesterday
        ("00:00", "2025-12-31", DAY, True),
        ("23:59", "2026-01-01", DAY + DAY_MS + 23 * H + 59 * M, True),  # the next day
    ],
)
def test_due_once_the_time_has_passed_today_and_not_sent_today(
    chosen: str, sent: str | None, at: int, due: bool
) -> None:
    assert is_due(chosen, sent, at) is due


def test_times_and_days_are_utc() -> None:
    assert (day_of(DAY - 1), clock_of(DAY - 1)) == ("2025-12-31", "23:59")
    assert check_time("00:00") == "00:00" and check_time(None) is None
    for bad in ("24:00", "7:30", "07:60", "0730", " 07:30", "07:30:00"):
        with pytest.raises(InvalidInput):
            check_time(bad)


class Platform:
    def __init__(self) -> None:
        self.schedule = InMemorySummarySchedule()
        self.bots, self.states, self.trades = (
            InMemoryBotRepository(),
            InMemoryBotStateStore(),
            InMemoryTradeRepository(),
        )
        self.notifier = InMemoryNotifier()
        self.service = DailySummaries(schedule=self.schedule, bots=self.bots, states=self.states, trades=self.trades,
                                      notifier=self.notifier)  # fmt: skip

    def summaries(self, user_id: str = "u1") -> list[BotEvent]:
        return [e for e in self.notifier.events if e.user_id == user_id and e.kind == "daily_summary"]


def _bot(user: str, bot_id: str, status: BotStatus) -> BotConfig:
    return BotConfig(id=bot_id, user_id=user, name=bot_id, strategy="sma_cross", params={}, symbol="BTCUSDT",
                     interval="1m", mode=Mode.PAPER, budget=Decimal(1000), risk={}, api_key_id=None, status=status,
                     created_at_ms=DAY, updated_at_ms=DAY)  # fmt: skip


def test_exactly_once_a_day_under_redelivery_and_concurrent_runs() -> None:
    p = Platform()
    p.schedule.set_time("u1", None, "07:30")
    p.schedule.set_time("u2", None, "09:00")
    at = DAY + 7 * H + 30 * M
    assert p.service.run(at - M).sent == 0
    with ThreadPoolExecutor(4) as pool:  # the same minute four times at once (a doubled schedule, a retry)
        reports = list(pool.map(p.service.run, [at] * 4))
    assert sum(r.sent for r in reports) == 1 and len(p.summaries()) == 1
    for minute in range(1, 120):  # every later minute of the morning: u1 is done for the day, u2 comes at 09:00
        p.service.run(at + minute * M)
    assert len(p.summaries()) == 1 and len(p.summaries("u2")) == 1
    p.service.run(at + DAY_MS)
    assert len(p.summaries()) == 2  # the next day


class FailingOnce(InMemoryNotifier):
    def __init__(self) -> None:
        super().__init__()
        self.fail = True

    def publish(self, events: Sequence[BotEvent]) -> None:
        if self.fail:
            self.fail = False
            raise ConnectionError("queue unavailable")
        super().publish(events)


def test_a_summary_that_could_not_be_queued_is_tried_again_the_next_minute() -> None:
    p = Platform()
    p.notifier = FailingOnce()
    p.service = DailySummaries(schedule=p.schedule, bots=p.bots, states=p.states, trades=p.trades, notifier=p.notifier)
    p.schedule.set_time("u1", None, "07:30")
    at = DAY + 7 * H + 30 * M
    assert (p.service.run(at).failed, p.summaries()) == (1, [])
    assert p.service.run(at + M).sent == 1 and len(p.summaries()) == 1


def test_what_the_summary_says() -> None:
    p = Platform()
    for bot_id, status in (("a", BotStatus.RUNNING), ("b", BotStatus.RUNNING), ("c", BotStatus.PAUSED)):
        p.bots.create(_bot("u1", bot_id, status))
    p.states.put(BotState(bot_id="a", position_qty=Decimal("0.5"), position_cost=Decimal(100), last_price=Decimal(210)),
                 None)  # fmt: skip
    at = DAY + 7 * H + 30 * M
    for n, (when, pnl) in enumerate(((DAY - M, "50"), (DAY + H, "12.5"), (DAY + 2 * H, "-2.5"), (DAY + 3 * H, None))):
        p.trades.add_all([Trade(id=f"t{n}", user_id="u1", bot_id="a", symbol="BTCUSDT", side="SELL" if pnl else "BUY",
                                price=Decimal(100), quantity=Decimal(1), quote_quantity=Decimal(100), fee=Decimal(0),
                                fee_asset="USDT", realised_pnl=Decimal(pnl) if pnl else None, executed_at_ms=when,
                                mode="paper", reason="signal", exchange_order_id=str(n))])  # fmt: skip
    summary = p.service.summarise("u1", at)
    assert summary.bots_by_status == {"running": 2, "paused": 1}
    assert (summary.realised_pnl, summary.trades) == (Decimal(10), 3)  # yesterday's trade is not today's
    assert [(x.bot_name, x.quantity) for x in summary.positions] == [("a", Decimal("0.5"))]
    assert "Realised today: 10 USDT over 3 trade(s)" in summary.text() and "• a BTCUSDT: 0.5" in summary.text()
