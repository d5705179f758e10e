"""Why a fill has no counterpart, from what the platform records (config and state), in time order.

Once a cause is found, the fills that follow it on either side are its consequences (a missed entry means a
missed exit too) until both sides are flat again at the same time; a fill with no recorded cause while the two
sides were in step is a missed tick (backtest side: the same engine on the same candles and state traded, the
live tick did not) or unknown (live side: the live bot traded where the engine would not) - unless a fill of the
open position was paired at another price than the replay's: the engine's later decisions follow its fill prices
(stop-loss and take-profit from the entry, DCA safety levels from the base order, grid lots), so what follows is
the consequence of that price difference (`fill_price`, bucket slippage)."""

from __future__ import annotations

from decimal import Decimal

from chalicelib.domain.drift.matching import Matched
from chalicelib.domain.drift.model import RunFacts, SideFill, Unmatched, Why

FLAT_QUOTE = Decimal("0.01")  # a position worth less than this is flat (float replay fills leave 1e-17 residues)


def _at(f: SideFill) -> int:
    return f.tick_at if f.tick_at is not None else f.executed_at_ms


class Reasons:
    def __init__(self, facts: RunFacts, matched: Matched, end_price: Decimal) -> None:
        self._facts = facts
        self._matched = matched
        self._end_price = end_price

    def explain(self) -> list[Unmatched]:
        m = self._matched
        moves: list[tuple[int, str, SideFill, bool]] = [(_at(lv), "live", lv, False) for lv, _ in m.paired]
        moves += [(_at(bt), "backtest", bt, False) for _, bt in m.paired]
        moves += [(_at(f), "live", f, True) for f in m.live_only]
        moves += [(_at(f), "backtest", f, True) for f in m.backtest_only]
        moves.sort(key=lambda x: (x[0], x[1] != "backtest"))
        apart = {lv.id: bt.price for lv, bt in m.paired if lv.price != bt.price}
        held = {"live": Decimal(0), "backtest": Decimal(0)}
        cause: tuple[Why, str] | None = None
        priced: str | None = None  # a fill of the open position paired at another price, if any
        out: list[Unmatched] = []
        for at, side, fill, alone in moves:
            held[side] += fill.held if fill.side == "BUY" else -fill.held
            if not alone and side == "live" and fill.id in apart and priced is None:
                priced = f"{fill.side.lower()} at {fill.price} where the backtest's was at {apart[fill.id]}"
            if alone:
                why, detail = cause or self._cause(side, fill, at, priced)
                if cause is None and why is not Why.UNKNOWN:
                    cause = (why, f"follows {why.value} at {at}: {detail}")
                sign = Decimal(1) if side == "live" else Decimal(-1)
                out.append(Unmatched(side, fill, why, detail, sign * fill.pnl(self._end_price)))
            if all(abs(q) * fill.price < FLAT_QUOTE for q in held.values()):
                cause, priced = None, None
        return out

    def _cause(self, side: str, fill: SideFill, at: int, priced: str | None) -> tuple[Why, str]:
        f = self._facts
        if f.status != "running" and f.status_changed_ms is not None and at >= f.status_changed_ms:
            return self._stopped()
        if side == "live" and (fill.reason.startswith("manual") or fill.leg == "close"):
            return Why.MANUAL_STOP, f"closed by hand ({fill.reason})"
        if at > f.last_tick_at:
            if f.consecutive_failures:
                return Why.FAILED_TICK, f"{f.consecutive_failures} failed tick(s): {f.last_error or ''}".strip()
            return Why.NOT_TICKED_YET, f"the bot's last completed tick is {f.last_tick_at}"
        if f.config_changed_ms is not None and at >= f.config_changed_ms:
            return Why.CONFIG_CHANGE, f"the running bot was edited at {f.config_changed_ms}; the replay uses the edit"
        if priced is not None:
            return Why.FILL_PRICE, f"the position's decisions follow its fill prices: {priced}"
        if side == "backtest":
            return Why.MISSED_TICK, f"the engine traded at tick {at} on the same candles and state; the bot did not"
        return Why.UNKNOWN, "no tick of the replay decided this trade"

    def _stopped(self) -> tuple[Why, str]:
        f = self._facts
        detail = f.status_reason or f.status
        if f.status == "paused":
            return Why.BOT_PAUSED, detail
        if f.status == "error":
            rejected = "exchange code" in detail
            return (Why.ORDER_REJECTED if rejected else Why.FAILED_TICK), detail
        return Why.MANUAL_STOP, detail
