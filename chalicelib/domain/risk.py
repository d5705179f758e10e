"""Risk rules shared by every strategy: stop-loss, take-profit, trailing stop, position size, and
freqtrade-style protections (cooldown after a stop-loss, stop-loss guard, max-drawdown kill switch).

Stops are evaluated on each *closed* bar against that bar's high and low, relative to the average entry
price; the take-profit against its close (a wick that already reverted is no profit to take). When one bar
touches the stop-loss and closes above the take-profit we cannot know which came first, so the stop-loss
counts (the conservative choice). Like every order, the exit is a market order filled at the next
bar's open: a tick only learns of the touch when the bar closes. Priority on one bar:
stop_loss > trailing_stop > take_profit > max_drawdown > the strategy's own exit.

That is `stop_mode` "bot" (the default, so older bots keep it). With `stop_mode` "exchange" the stop-loss,
trailing stop and take-profit rest on the exchange instead, as one OCO after entry (domain/protection.py), and
fire while the platform is down; the max-drawdown kill switch stays with the bot.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from chalicelib.domain.strategies.base import Bar
from chalicelib.domain.strategies.schema import JsonSchema, integer, number, object_schema, raise_if, validate

SizeMode = Literal["all_in", "quote", "percent"]

_pct = "Percent; omit to disable"

RISK_SCHEMA: JsonSchema = object_schema(
    "risk rules",
    {
        "stop_loss_pct": number(None, "Stop-loss below the average entry. " + _pct, exclusive_minimum=0, maximum=100),
        "take_profit_pct": number(None, "Take-profit above the average entry. " + _pct, exclusive_minimum=0),
        "trailing_stop_pct": number(
            None, "Trailing stop below the highest high since entry. " + _pct, exclusive_minimum=0, maximum=100
        ),
        "trailing_activation_pct": number(
            None, "The trailing stop arms once the high is this % above the entry. " + _pct, minimum=0
        ),
        "position_size": {
            "type": "object",
            "description": "How much a signal strategy's entry spends",
            "properties": {
                "mode": {"type": "string", "enum": ["all_in", "quote", "percent"], "default": "all_in"},
                "value": number(None, "Quote amount (mode quote) or % of free quote balance (mode percent)",
                                exclusive_minimum=0),
            },
            "additionalProperties": False,
            "default": {"mode": "all_in"},
        },
        "cooldown_bars": integer(0, 0, 10_000, "Bars without new entries after a stop-loss exit"),
        "stoploss_guard": {
            "type": "object",
            "description": "Pause entries after max_stops stop-losses within window_bars",
            "properties": {
                "max_stops": integer(None, 1, 1000, "Stop-losses that trip the guard"),
                "window_bars": integer(None, 1, 100_000, "Look-back window (bars)"),
                "pause_bars": integer(None, 1, 100_000, "Pause length after the last stop-loss (bars)"),
            },
            "required": ["max_stops", "window_bars", "pause_bars"],
            "additionalProperties": False,
        },
        "stop_mode": {
            "type": "string",
            "enum": ["bot", "exchange"],
            "default": "bot",
            "description": "bot: stops checked on each closed bar and sent at market; exchange: they rest on the "
            "exchange (an OCO of take-profit limit and stop-limit) and fire while the platform is down",
        },
        "max_drawdown_pct": number(
            None, "Kill switch: close everything and stop when equity falls this % below its peak. " + _pct,
            exclusive_minimum=0, maximum=100,
        ),
    },
)


@dataclass(frozen=True)
class StoplossGuard:
    max_stops: int
    window_bars: int
    pause_bars: int


@dataclass(frozen=True)
class RiskRules:
    stop_loss_pct: float | None = None
    take_profit_pct: float | None = None
    trailing_stop_pct: float | None = None
    trailing_activation_pct: float | None = None
    size_mode: SizeMode = "all_in"
    size_value: float | None = None
    cooldown_bars: int = 0
    stoploss_guard: StoplossGuard | None = None
    max_drawdown_pct: float | None = None
    stop_mode: str = "bot"

    @property
    def exchange_stops(self) -> bool:
        """Whether the stop-loss / trailing stop / take-profit rest on the exchange instead of being checked."""
        return self.stop_mode == "exchange" and self.has_exits

    @property
    def has_exits(self) -> bool:
        return any(v is not None for v in (self.stop_loss_pct, self.take_profit_pct, self.trailing_stop_pct))

    @property
    def has_protections(self) -> bool:
        return self.cooldown_bars > 0 or self.stoploss_guard is not None or self.max_drawdown_pct is not None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "position_size": {"mode": self.size_mode}
            | ({"value": self.size_value} if self.size_value is not None else {}),
            "cooldown_bars": self.cooldown_bars,
        }
        for key in ("stop_loss_pct", "take_profit_pct", "trailing_stop_pct", "trailing_activation_pct",
                    "max_drawdown_pct"):
            if getattr(self, key) is not None:
                out[key] = getattr(self, key)
        if self.stoploss_guard is not None:
            g = self.stoploss_guard
            out["stoploss_guard"] = {"max_stops": g.max_stops, "window_bars": g.window_bars, "pause_bars": g.pause_bars}
        if self.stop_mode != "bot":
            out["stop_mode"] = self.stop_mode  # only when chosen, so stored rules of older bots read the same
        return out


def validate_risk(risk: dict[str, Any] | None) -> RiskRules:
    """RiskRules from their JSON form; raises InvalidInput with details on bad input."""
    data = validate(risk or {}, RISK_SCHEMA, what="risk")
    size = data.get("position_size") or {"mode": "all_in"}
    mode = size.get("mode", "all_in")
    errors: list[dict[str, str]] = []
    if mode != "all_in" and size.get("value") is None:
        errors.append({"field": "position_size.value", "message": f"is required for mode {mode}"})
    if mode == "percent" and size.get("value", 0) > 100:
        errors.append({"field": "position_size.value", "message": "must be <= 100 for mode percent"})
    if data.get("trailing_activation_pct") is not None and data.get("trailing_stop_pct") is None:
        errors.append({"field": "trailing_activation_pct", "message": "needs trailing_stop_pct"})
    raise_if(errors, "risk")
    guard = data.get("stoploss_guard")
    return RiskRules(
        stop_loss_pct=data.get("stop_loss_pct"),
        take_profit_pct=data.get("take_profit_pct"),
        trailing_stop_pct=data.get("trailing_stop_pct"),
        trailing_activation_pct=data.get("trailing_activation_pct"),
        size_mode=mode,
        size_value=size.get("value"),
        cooldown_bars=data["cooldown_bars"],
        stoploss_guard=StoplossGuard(**guard) if guard else None,
        max_drawdown_pct=data.get("max_drawdown_pct"),
        stop_mode=data["stop_mode"],
    )


def exit_reason(rules: RiskRules, average_entry: float, peak_price: float, bar: Bar) -> str | None:
    """Which stop (if any) this closed bar touched. `peak_price` is the highest high *before* this bar
    (the entry price on the entry bar): the bar's own high may have come after its low."""
    if rules.stop_loss_pct is not None and bar.low <= average_entry * (1 - rules.stop_loss_pct / 100):
        return "stop_loss"
    if rules.trailing_stop_pct is not None:
        activation = rules.trailing_activation_pct
        armed_at = average_entry * (1 + (activation or 0.0) / 100)
        level = peak_price * (1 - rules.trailing_stop_pct / 100)
        if peak_price >= armed_at and bar.low <= level:
            return "trailing_stop"
        peak_now = max(peak_price, bar.high)
        if peak_now >= armed_at and bar.close <= peak_now * (1 - rules.trailing_stop_pct / 100):
            return "trailing_stop"  # known at the close: the close sits below the stop from this bar's high
    # A take-profit is decided on the close, not on a wick: the exit fills at the next open, and a spike
    # that has already reverted would book a "take-profit" below the entry (docs/accounting.md).
    if rules.take_profit_pct is not None and bar.close >= average_entry * (1 + rules.take_profit_pct / 100):
        return "take_profit"
    return None


def entry_quote(rules: RiskRules, cash: float) -> float:
    """Quote amount (fee included) a signal entry spends from `cash`."""
    if rules.size_mode == "quote" and rules.size_value is not None:
        return min(rules.size_value, cash)
    if rules.size_mode == "percent" and rules.size_value is not None:
        return cash * rules.size_value / 100
    return cash
