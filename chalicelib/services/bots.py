"""Bot lifecycle: create, edit, start/stop/pause/resume, delete. Config is validated against the
strategy's schema and the symbol's exchange filters before anything is stored."""

from __future__ import annotations

import uuid
from dataclasses import replace
from decimal import Decimal, InvalidOperation
from typing import Any

from chalicelib.domain.bots import (
    BotConfig,
    BotState,
    BotStatus,
    Mode,
    check_edit,
    check_interval,
    schedule_shard,
    transition,
)
from chalicelib.domain.clock import Clock
from chalicelib.domain.display import Precision
from chalicelib.domain.errors import Conflict, InvalidInput, NotFound
from chalicelib.domain.resting import StopMode
from chalicelib.domain.risk import RISK_SCHEMA, validate_risk
from chalicelib.domain.strategies import validate_params
from chalicelib.services.ports.bot_orders import BotOrderStore
from chalicelib.services.ports.bots import BotRepository, BotStateStore, ExchangeFactory, StateConflict
from chalicelib.services.quotas import Quotas


def parse_budget(raw: Any) -> Decimal:
    try:
        value = Decimal(str(raw))
    except (InvalidOperation, ValueError):
        value = Decimal(-1)
    if not value.is_finite() or value <= 0 or value > Decimal("1e12"):
        raise InvalidInput(
            "The budget must be a positive decimal amount of the quote asset.",
            code="invalid_budget",
            details=[{"field": "budget", "message": "must be a positive decimal string"}],
        )
    return value


def default_stop_mode(config: BotConfig) -> dict[str, Any]:
    """A NEW live bot with a stop-loss or take-profit keeps them on the exchange (an OCO that fires while the
    platform is down) unless the user chose; paper bots and older bots keep the bot-checked stops. Only once
    the risk schema knows `stop_mode` (domain.risk): before that, the platform has nothing to place. A grid
    keeps bot-checked stops unless asked: each held cell would need its own stop order, and Binance allows a
    symbol only a handful (MAX_NUM_ALGO_ORDERS), so most grids would be refused at creation."""
    risk = dict(config.risk)
    protected = risk.get("stop_loss_pct") is not None or risk.get("take_profit_pct") is not None
    known = "stop_mode" in RISK_SCHEMA.get("properties", {})
    if known and config.mode is Mode.LIVE and protected and "stop_mode" not in risk and config.strategy != "grid":
        risk["stop_mode"] = StopMode.EXCHANGE.value
    return risk


class BotService:
    def __init__(
        self,
        *,
        bots: BotRepository,
        states: BotStateStore,
        exchanges: ExchangeFactory,
        clock: Clock,
        shards: int,
        key_exists: Any,
        quotas: Quotas | None = None,
        planner: Any = None,
        step_up: Any = None,
        orders: BotOrderStore | None = None,
    ) -> None:
        self._step_up = step_up  # (user_id, mfa_code): a fresh two-factor code before live trading starts
        self._bots = bots
        self._quotas = quotas
        self._states = states
        self._exchanges = exchanges
        self._clock = clock
        self._shards = shards
        self._key_exists = key_exists
        self._planner = planner  # services.bot_plans.BotPlanner: refuses a bot that could not work
        self._orders = orders

    def create(self, user_id: str, data: dict[str, Any]) -> BotConfig:
        now = self._clock.now_ms()
        config = self._validated(
            BotConfig(
                id=uuid.uuid4().hex,
                user_id=user_id,
                name=data["name"],
                strategy=data["strategy"],
                params=dict(data.get("params") or {}),
                symbol=str(data["symbol"]).upper(),
                interval=data["interval"],
                mode=Mode(data["mode"]),
                budget=parse_budget(data["budget"]),
                risk=dict(data.get("risk") or {}),
                api_key_id=data.get("api_key_id"),
                status=BotStatus.STOPPED,
                created_at_ms=now,
                updated_at_ms=now,
            )
        )
        config = replace(config, risk=default_stop_mode(config))
        # The plan first: a refused bot must not hold a quota slot.
        if self._planner is not None:
            self._planner.check(config)
        self._acquire(user_id, "bots", config.id)
        # Both writes are conditional on the record not existing. When the answer to a write that succeeded
        # is lost (a timeout), the AWS client retries it and the retry fails that condition: the id is fresh, so
        # a record already there is our own, and the create succeeded.
        try:
            self._bots.create(config)
        except Exception:
            if self._bots.get(user_id, config.id) is None:
                self._release(user_id, "bots", config.id)
                raise
        try:
            self._states.put(BotState(bot_id=config.id), expected_version=None)
        except StateConflict:
            if self._states.get(config.id) is None:
                raise
        return config

    def get(self, user_id: str, bot_id: str) -> tuple[BotConfig, BotState]:
        config = self._bots.get(user_id, bot_id)
        if config is None:
            raise NotFound("Bot not found.", code="bot_not_found")
        return config, self._states.get(bot_id) or BotState(bot_id=bot_id)

    def list_for(self, user_id: str) -> list[tuple[BotConfig, BotState]]:
        configs = self._bots.list_for(user_id)
        states = self._states.get_many([c.id for c in configs])
        return [(c, states.get(c.id) or BotState(bot_id=c.id)) for c in configs]

    def update(self, user_id: str, bot_id: str, changes: dict[str, Any]) -> BotConfig:
        config, _ = self.get(user_id, bot_id)
        check_edit(config, set(changes))
        updated = replace(
            config,
            **{k: v for k, v in changes.items() if k not in ("budget", "mode")},
            updated_at_ms=self._clock.now_ms(),
        )
        if "budget" in changes:
            updated = replace(updated, budget=parse_budget(changes["budget"]))
        if "mode" in changes:
            updated = replace(updated, mode=Mode(changes["mode"]))
        if "symbol" in changes:
            updated = replace(updated, symbol=str(changes["symbol"]).upper())
        updated = self._validated(updated)
        self._bots.save(updated, self._shard_for(updated))
        return updated

    def delete(self, user_id: str, bot_id: str) -> None:
        config, state = self.get(user_id, bot_id)
        if config.status is not BotStatus.STOPPED:
            raise Conflict("Stop the bot before deleting it.", code="bot_not_stopped")
        # Orders left resting would trade for a bot that no longer exists, with nobody to book their fills.
        open_orders = self._orders.count_open(bot_id) if state.has_resting and self._orders is not None else 0
        if open_orders:
            raise Conflict(
                f"The bot has {open_orders} open order(s) on the exchange: stop it with cancel_orders first.",
                code="open_orders",
                details={"open_orders": open_orders},
            )
        self._bots.delete(user_id, bot_id)
        self._states.delete(bot_id)
        self._release(user_id, "bots", bot_id)
        self._release(user_id, "running_bots", bot_id)

    def change_status(self, user_id: str, bot_id: str, action: str, mfa_code: str | None = None) -> BotConfig:
        config, _ = self.get(user_id, bot_id)
        target = transition(config, action)
        if action == "start":
            config = self._validated(config)
            if config.mode is Mode.LIVE and self._step_up is not None:
                self._step_up(user_id, mfa_code)
        if target is BotStatus.RUNNING:
            # Admitted before the bot joins the schedule; an admission whose save never happens is dropped
            # by the quota's recount after its grace period.
            self._acquire(user_id, "running_bots", bot_id)
        try:
            if action == "start":
                self._exchanges.prepare(config)
            updated = replace(config, status=target, updated_at_ms=self._clock.now_ms(), status_reason=None)
            self._bots.save(updated, self._shard_for(updated))
        except Exception:
            if target is BotStatus.RUNNING and config.status is not BotStatus.RUNNING:
                self._release(user_id, "running_bots", bot_id)
            raise
        if target is not BotStatus.RUNNING:
            self._release(user_id, "running_bots", bot_id)
        return updated

    def pause_using_key(self, user_id: str, key_id: str, reason: str) -> list[str]:
        """Pause the user's running bots on this API key; their ids."""
        paused = []
        for config in self._bots.list_for(user_id):
            if config.api_key_id == key_id and config.status is BotStatus.RUNNING:
                self.set_status(user_id, config.id, BotStatus.PAUSED, reason[:500])
                paused.append(config.id)
        return paused

    def set_status(self, user_id: str, bot_id: str, status: BotStatus, reason: str | None) -> None:
        config = self._bots.get(user_id, bot_id)
        if config is None:
            return
        updated = replace(config, status=status, status_reason=reason, updated_at_ms=self._clock.now_ms())
        self._bots.save(updated, self._shard_for(updated))
        if status is not BotStatus.RUNNING:
            self._release(user_id, "running_bots", bot_id)

    def _acquire(self, user_id: str, quota: str, member: str) -> None:
        if self._quotas is not None:
            self._quotas.acquire(user_id, quota, member)

    def _release(self, user_id: str, quota: str, member: str) -> None:
        if self._quotas is not None:
            self._quotas.release(user_id, quota, member)

    def _shard_for(self, config: BotConfig) -> str | None:
        if config.status is BotStatus.RUNNING:
            return schedule_shard(config.id, config.interval, self._shards)
        return None

    def _validated(self, config: BotConfig) -> BotConfig:
        name = config.name.strip()
        if not name:
            raise InvalidInput("Give the bot a name.", details=[{"field": "name", "message": "must not be empty"}])
        check_interval(config.interval)
        params = validate_params(config.strategy, config.params)
        risk = validate_risk(config.risk).to_dict()
        if config.mode is Mode.LIVE:
            if not config.api_key_id:
                raise InvalidInput(
                    "A live bot needs an exchange API key.",
                    code="api_key_required",
                    details=[{"field": "api_key_id", "message": "required in live mode"}],
                )
            if not self._key_exists(config.user_id, config.api_key_id):
                raise InvalidInput(
                    "The API key does not exist.",
                    code="api_key_not_found",
                    details=[{"field": "api_key_id", "message": "no such key"}],
                )
        elif config.api_key_id:
            config = replace(config, api_key_id=None)
        rules = self._exchanges.symbol_rules(config.mode.value, config.symbol, config.user_id, config.api_key_id)
        if not rules.is_trading:
            raise InvalidInput(
                f"{config.symbol} is not trading now.",
                code="symbol_not_trading",
                details=[{"field": "symbol", "message": f"status {rules.status}"}],
            )
        minimum = rules.notional.min_notional if rules.notional else Decimal(0)
        if config.budget < minimum:
            # Money in the quote's own precision: "5.00 USDT", not the exchange's "5.00000000".
            shown = Precision.of(rules).money_text(minimum)
            raise InvalidInput(
                f"The budget is below {config.symbol}'s minimum order value of {shown}: raise it to at least {shown}.",
                code="budget_below_min_notional",
                details=[{"field": "budget", "message": f"must be at least {shown}, the smallest order it accepts"}],
            )
        return replace(config, name=name, params=dict(params), risk=risk)
