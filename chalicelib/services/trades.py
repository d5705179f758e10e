"""Trades, per-bot PnL and the dashboard's totals."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from typing import Any

from chalicelib.domain.bots import BotConfig, BotState, BotStatus
from chalicelib.domain.clock import Clock, iso_utc
from chalicelib.domain.display import Precision, fixed
from chalicelib.domain.errors import NotFound
from chalicelib.domain.trades import Trade, TradeFilter
from chalicelib.services.ports.bots import BotRepository, BotStateStore, TradeRepository
from chalicelib.services.ports.market import SymbolCatalog

DAY_MS = 86_400_000
CSV_COLUMNS = (
    "id",
    "bot_id",
    "bot_name",
    "symbol",
    "side",
    "price",
    "quantity",
    "quote_quantity",
    "fee",
    "fee_asset",
    "realised_pnl",
    "executed_at",
    "mode",
    "reason",
)


def trade_dict(t: Trade) -> dict[str, Any]:
    return {
        "id": t.id,
        "client_order_id": t.id,
        "bot_id": t.bot_id,
        "symbol": t.symbol,
        "side": t.side,
        "price": str(t.price),
        "quantity": str(t.quantity),
        "quote_quantity": str(t.quote_quantity),
        "fee": str(t.fee),
        "fee_asset": t.fee_asset,
        "realised_pnl": None if t.realised_pnl is None else str(t.realised_pnl),
        "executed_at": iso_utc(t.executed_at_ms),
        "mode": t.mode,
        "reason": t.reason,
        "exchange_order_id": t.exchange_order_id,
        "group": t.group,
        "net_quantity": None if t.net_quantity is None else str(t.net_quantity),
        "note": t.note,
    }


def csv_row(t: Trade, bot_name: str, p: Precision) -> dict[str, Any]:
    row = trade_dict(t)
    row.update(
        bot_name=bot_name,
        price=format(fixed(t.price, p.price), "f"),
        quantity=format(fixed(t.quantity, p.qty), "f"),
        quote_quantity=format(fixed(t.quote_quantity, p.money), "f"),
        fee=format(p.fee(t.fee, t.fee_asset), "f"),
        realised_pnl=None if t.realised_pnl is None else format(fixed(t.realised_pnl, p.money), "f"),
    )
    return row


class TradeService:
    def __init__(
        self,
        *,
        trades: TradeRepository,
        bots: BotRepository,
        states: BotStateStore,
        clock: Clock,
        catalog: SymbolCatalog | None = None,
    ) -> None:
        self._trades = trades
        self._bots = bots
        self._states = states
        self._clock = clock
        self._catalog = catalog  # the CSV's precision per symbol; without it numbers are written in full

    def page(self, user_id: str, flt: TradeFilter, cursor: str | None, limit: int) -> tuple[list[Trade], str | None]:
        return self._trades.query(user_id, flt, cursor, limit)

    def export_csv(self, user_id: str, flt: TradeFilter, max_rows: int = 50_000) -> str:
        """One row a trade with its bot's name (empty once the bot is deleted) and every number at the
        symbol's precision, written as plain decimals (no exponent, no thousands separator)."""
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(CSV_COLUMNS)
        names = {b.id: b.name for b in self._bots.list_for(user_id)}
        precisions: dict[str, Precision] = {}
        cursor: str | None = None
        rows = 0
        while rows < max_rows:
            items, cursor = self._trades.query(user_id, flt, cursor, 500)
            for t in items:
                if t.symbol not in precisions:
                    precisions[t.symbol] = self._precision(t.symbol)
                d = csv_row(t, names.get(t.bot_id, ""), precisions[t.symbol])
                writer.writerow([d[c] if d[c] is not None else "" for c in CSV_COLUMNS])
                rows += 1
            if not cursor:
                break
        return out.getvalue()

    def _precision(self, symbol: str) -> Precision:
        if self._catalog is None:
            return Precision()
        try:
            return Precision.of(self._catalog.symbol_rules(symbol))
        except NotFound:  # a symbol the exchange has since delisted
            return Precision()

    def dashboard(self, user_id: str) -> dict[str, Any]:
        now = self._clock.now_ms()
        bots = self._bots.list_for(user_id)
        found = self._states.get_many([b.id for b in bots])
        states = {b.id: found.get(b.id) or BotState(bot_id=b.id) for b in bots}
        equity = {"paper": Decimal(0), "live": Decimal(0)}
        by_status = {s.value: 0 for s in BotStatus}
        for bot in bots:
            by_status[bot.status.value] += 1
            equity[bot.mode.value] += _equity(bot, states[bot.id])
        trades, _ = self._trades.query(user_id, TradeFilter(start_ms=now - 7 * DAY_MS), None, 1000)
        pnl_today = sum((t.realised_pnl or Decimal(0) for t in trades if t.executed_at_ms >= now - DAY_MS), Decimal(0))
        pnl_7d = sum((t.realised_pnl or Decimal(0) for t in trades), Decimal(0))
        unrealised = sum((s.unrealised_pnl for s in states.values()), Decimal(0))
        realised_all = sum((s.realised_pnl for s in states.values()), Decimal(0))
        return {
            "equity_by_mode": {k: str(v) for k, v in equity.items()},
            "pnl": {
                "today": str(pnl_today),
                "d7": str(pnl_7d),
                "all_time": str(realised_all),
                "unrealised": str(unrealised),
            },
            "open_positions": [_open_position(b, states[b.id]) for b in bots if states[b.id].position_qty > 0],
            "bots_by_status": by_status,
            "latest_trades": [trade_dict(t) for t in trades[:10]],
            "equity_curve": _equity_curve(bots, trades, now, realised_all - pnl_7d, unrealised),
        }


def _open_position(bot: BotConfig, state: BotState) -> dict[str, Any]:
    return {
        "bot_id": bot.id,
        "bot_name": bot.name,
        "symbol": bot.symbol,
        "mode": bot.mode.value,
        "quantity": str(state.position_qty),
        "entry_price": str(state.entry_price),
        "last_price": None if state.last_price is None else str(state.last_price),
        "unrealised_pnl": str(state.unrealised_pnl),
    }


def _equity(bot: BotConfig, state: BotState) -> Decimal:
    cash = state.cash if state.cash is not None else bot.budget
    held = state.position_qty * state.last_price if state.last_price is not None else state.position_cost
    return cash + held


def _equity_curve(
    bots: list[BotConfig], recent: list[Trade], now: int, realised_before: Decimal, unrealised: Decimal
) -> list[dict[str, Any]]:
    """The last 7 days: budgets plus realised PnL, a point at every closing trade, and the open positions
    marked to market at the end."""
    running = sum((b.budget for b in bots), Decimal(0)) + realised_before
    points = [{"t": iso_utc(now - 7 * DAY_MS), "equity": str(running)}]
    for t in sorted(recent, key=lambda x: x.executed_at_ms):
        if t.realised_pnl is not None:
            running += t.realised_pnl
            points.append({"t": iso_utc(t.executed_at_ms), "equity": str(running)})
    points.append({"t": iso_utc(now), "equity": str(running + unrealised)})
    return points
