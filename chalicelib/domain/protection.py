"""Stop-loss, trailing stop and take-profit resting on the exchange (risk `stop_mode` "exchange").

After an entry has filled, each position group wants ONE protective order for its whole quantity, decided on
every closed bar from the average entry and the highest high since entry:
* a stop and a take-profit: an OCO under key "protect" (a take-profit LIMIT_MAKER leg and a STOP_LOSS_LIMIT
  leg), so the exchange cancels one leg when the other fills;
* a stop only: a lone STOP_LOSS_LIMIT under "stop_loss"; a take-profit only: a lone LIMIT under "take_profit".
The stop-limit's limit price sits STOP_LIMIT_OFFSET below its stop price, so a falling market still fills it
(a gap through both rests unfilled, domain/resting_fills.py). A trailing stop moves the resting stop: its price
is recomputed on each decided bar, so it changes at most once per bar (a cancel and a new order on the exchange).

When a strategy already wants a sell resting for the group (the grid's cell sell, the DCA take-profit) that sell
becomes the OCO's take-profit leg under the strategy's key, at the lower of its price and the risk take-profit.
When the bar closes already beyond the stop (or the take-profit of an OCO, whose maker leg the exchange would
reject), the engine exits at market on the next open as in stop mode "bot". Grid cells (groups "cell_<k>")
each get their own order, keyed with the suffix "_<k>" (the grid's own "grid_sell_<k>" when it rests one).
"""

from __future__ import annotations

from chalicelib.domain.orders import OrderType, Side
from chalicelib.domain.risk import RiskRules
from chalicelib.domain.strategies.base import MAIN, EngineState, Intent, Want, exit_leg, group_of

STOP_LIMIT_OFFSET = 0.005  # the stop-limit's limit price is 0.5% below its stop price


def stop_level(rules: RiskRules, st: EngineState) -> tuple[float | None, str]:
    """The stop price now (the higher of the stop-loss and an armed trailing stop) and its trade reason."""
    average = st.cost / st.quantity
    stop = None if rules.stop_loss_pct is None else average * (1 - rules.stop_loss_pct / 100)
    reason = "stop_loss"
    if rules.trailing_stop_pct is not None:
        armed_at = average * (1 + (rules.trailing_activation_pct or 0.0) / 100)
        level = st.peak_price * (1 - rules.trailing_stop_pct / 100)
        if st.peak_price >= armed_at and (stop is None or level > stop):
            stop, reason = level, "trailing_stop"
    return stop, reason


def protect(
    rules: RiskRules, st: EngineState, close: float, intents: list[Intent], wants: list[Want]
) -> tuple[list[Intent], list[Want]]:
    """The decision with its protection: wants of a group sold at market are dropped (the tick cancels them
    before it sells), and in stop mode "exchange" every other held group gets its protective order."""
    selling = {group_of(i.leg) for i in intents if i.side is Side.SELL}
    kept = [w for w in wants if group_of(w.leg) not in selling] if selling else wants
    if not rules.exchange_stops or not st.lots:
        return intents, kept
    stop, stop_reason = stop_level(rules, st)
    take_profit = None if rules.take_profit_pct is None else st.cost / st.quantity * (1 + rules.take_profit_pct / 100)
    out_intents, out_wants = list(intents), [w for w in kept if w.side is Side.BUY]
    sells = {group_of(w.leg): w for w in kept if w.side is Side.SELL}
    for group, lot in st.lots.items():
        if group in selling:
            continue
        guard = _Guard(group, lot.quantity, stop, stop_reason, take_profit, close)
        intent, want = guard.order(sells.get(group))
        out_intents += [intent] if intent is not None else []
        out_wants += [want] if want is not None else []
    return out_intents, out_wants


class _Guard:
    """One group's protection from the levels of the bar."""

    def __init__(
        self, group: str, quantity: float, stop: float | None, stop_reason: str, take_profit: float | None,
        close: float,
    ) -> None:
        self.group, self.quantity, self.close = group, quantity, close
        self.stop, self.stop_reason, self.take_profit = stop, stop_reason, take_profit
        self.suffix = "" if group == MAIN else "_" + group.rsplit("_", 1)[1]

    def order(self, sell: Want | None) -> tuple[Intent | None, Want | None]:
        leg = sell.leg if sell is not None else exit_leg(self.group)
        price, reason = self.take_profit, "take_profit"
        if sell is not None and (price is None or sell.price <= price):
            price, reason = sell.price, sell.reason
        if self.stop is None:
            if price is None:
                return None, None
            if sell is not None and price == sell.price:
                return None, sell  # no stop to pair it with, and it already sells below the take-profit
            key = sell.key if sell is not None else "take_profit" + self.suffix
            kind = sell.type if sell is not None else OrderType.LIMIT
            return None, Want(key, "take_profit", leg, reason, Side.SELL, kind, self.quantity, price)
        if self.close <= self.stop:
            return Intent(Side.SELL, leg, self.stop_reason, quantity=self.quantity), None
        if price is None:
            return None, self._stop_alone(leg)
        if self.close >= price:
            return Intent(Side.SELL, leg, reason, quantity=self.quantity), None
        key = sell.key if sell is not None else "protect" + self.suffix
        limit = self.stop * (1 - STOP_LIMIT_OFFSET)
        return None, Want(key, "protect", leg, reason, Side.SELL, OrderType.LIMIT_MAKER, self.quantity, price,
                          oco_stop=(self.stop, limit), stop_reason=self.stop_reason)

    def _stop_alone(self, leg: str) -> Want:
        assert self.stop is not None
        return Want("stop_loss" + self.suffix, "stop_loss", leg, self.stop_reason, Side.SELL,
                    OrderType.STOP_LOSS_LIMIT, self.quantity, self.stop * (1 - STOP_LIMIT_OFFSET),
                    stop_price=self.stop, stop_reason=self.stop_reason)
