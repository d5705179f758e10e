"""A bot's plan before it exists, and the refusal of a bot that could not work.

`BotPlanner.plan` validates what the create form sends (strategy, params, risk, budget, symbol, mode) and
computes the plan (`chalicelib.domain.plan`) at the symbol's current price with the symbol's rules.
`BotPlanner.check` is what bot creation calls on the validated config: a plan with problems is refused with
422 `bot_unworkable`, whose message and details say what to change (kept apart from `services/bots.py` so
that its other checks, such as quotas, stay separate)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from chalicelib.domain.bots import BotConfig, Mode
from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.plan import Plan, plan_bot
from chalicelib.domain.risk import validate_risk
from chalicelib.domain.strategies import validate_params
from chalicelib.services.ports.bots import ExchangeFactory

# (user id, symbol) -> the symbol's current price (the last closed 1m candle's close), or None when unknown.
PriceSource = Callable[[str, str], Decimal | None]


class BotPlanner:
    def __init__(self, *, exchanges: ExchangeFactory, price: PriceSource) -> None:
        self._exchanges = exchanges
        self._price = price

    def plan(self, user_id: str, data: dict[str, Any]) -> Plan:
        from chalicelib.services.bots import parse_budget

        strategy = str(data["strategy"])
        params = validate_params(strategy, dict(data.get("params") or {}))
        risk = validate_risk(data.get("risk") or {}).to_dict()
        budget = parse_budget(data["budget"])
        symbol = str(data["symbol"]).upper()
        mode = Mode(data.get("mode") or "paper")
        rules = self._exchanges.symbol_rules(mode.value, symbol, user_id, data.get("api_key_id"))
        # The symbol's own MAX_NUM_ORDERS / MAX_NUM_ALGO_ORDERS (from exchangeInfo), not Binance's defaults.
        return plan_bot(
            strategy, dict(params), budget, rules, self._price(user_id, symbol), risk=risk,
            max_num_orders=rules.max_num_orders, max_num_algo_orders=rules.max_num_algo_orders,
        )  # fmt: skip

    def check(self, config: BotConfig) -> Plan:
        """The plan of a validated config; raises InvalidInput (`bot_unworkable`) when it could not work."""
        rules = self._exchanges.symbol_rules(config.mode.value, config.symbol, config.user_id, config.api_key_id)
        plan = plan_bot(
            config.strategy,
            dict(config.params),
            config.budget,
            rules,
            self._price(config.user_id, config.symbol),
            risk=dict(config.risk),
            max_num_orders=rules.max_num_orders,
            max_num_algo_orders=rules.max_num_algo_orders,
        )
        if plan.problems:
            raise InvalidInput(
                "This bot could not work as configured. " + " ".join(p.message for p in plan.problems),
                code="bot_unworkable",
                details=[{"field": p.field, "message": p.message, "code": p.code} for p in plan.problems],
            )
        return plan
