"""The daily summary at the time each user picked: each minute the schedule (workers.dispatch) asks which users'
times have passed today without today's summary, claims each user's day with a conditional write (so a
redelivered or doubled schedule sends nothing twice) and queues the summary as a `daily_summary` notification;
the notification worker delivers it to the channels the user chose for that event (in-app, webhook, Telegram)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from aws_lambda_powertools import Logger

from chalicelib.domain.bots import BotState
from chalicelib.domain.daily_summary import Position, Summary, clock_of, day_of, day_start_ms, is_due
from chalicelib.domain.trades import TradeFilter
from chalicelib.services.ports.bots import BotEvent, BotRepository, BotStateStore, Notifier, TradeRepository
from chalicelib.services.ports.daily_summary import SummarySchedule

logger = Logger(child=True)
KIND = "daily_summary"
PAGE = 500


@dataclass(frozen=True)
class SummaryReport:
    due: int
    sent: int
    failed: int


class DailySummaries:
    def __init__(
        self,
        *,
        schedule: SummarySchedule,
        bots: BotRepository,
        states: BotStateStore,
        trades: TradeRepository,
        notifier: Notifier,
    ) -> None:
        self._schedule = schedule
        self._bots = bots
        self._states = states
        self._trades = trades
        self._notifier = notifier

    def run(self, now_ms: int) -> SummaryReport:
        day = day_of(now_ms)
        entries = self._schedule.entries(int(clock_of(now_ms)[:2]))
        due = [e for e in entries if is_due(e.time, e.last_sent_day, now_ms)]
        sent = failed = 0
        for entry in due:
            if not self._schedule.claim(entry.user_id, entry.time, day):
                continue
            try:
                summary = self.summarise(entry.user_id, now_ms)
                event = BotEvent(entry.user_id, "", KIND, summary.text(), summary.data())
                self._notifier.publish([event])
            except Exception as exc:
                # One user's failure must not hold back the others: give the day back and try next minute.
                self._schedule.release(entry.user_id, entry.time, day)
                logger.warning("daily summary failed", extra={"user_id": entry.user_id, "error": type(exc).__name__})
                failed += 1
                continue
            sent += 1
        return SummaryReport(len(due), sent, failed)

    def summarise(self, user_id: str, now_ms: int) -> Summary:
        bots = self._bots.list_for(user_id)
        states = self._states.get_many([b.id for b in bots])
        by_status: dict[str, int] = {}
        for bot in bots:
            by_status[bot.status.value] = by_status.get(bot.status.value, 0) + 1
        pnl, count = self._today(user_id, now_ms)
        positions = tuple(
            Position(b.name, b.symbol, s.position_qty, s.unrealised_pnl)
            for b in bots
            if (s := states.get(b.id) or BotState(bot_id=b.id)).position_qty > 0
        )
        return Summary(day_of(now_ms), by_status, pnl, count, positions)

    def _today(self, user_id: str, now_ms: int) -> tuple[Decimal, int]:
        flt = TradeFilter(start_ms=day_start_ms(now_ms), end_ms=now_ms)
        pnl, count, cursor = Decimal(0), 0, None
        while True:
            page, cursor = self._trades.query(user_id, flt, cursor, PAGE)
            pnl += sum((t.realised_pnl or Decimal(0) for t in page), Decimal(0))
            count += len(page)
            if not cursor:
                return pnl, count
