"""Bot configs, bot states and trades in DynamoDB; the tick's one-call batch read."""

from __future__ import annotations

import json
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import PutError, TransactWriteError
from pynamodb.indexes import GlobalSecondaryIndex, IncludeProjection
from pynamodb.transactions import TransactWrite

from chalicelib.adapters.aws_clients import UNPROCESSED_KEYS, client
from chalicelib.adapters.aws_errors import AwsBoundary
from chalicelib.adapters.dynamo.base import Model, connection, table_meta
from chalicelib.adapters.dynamo.bot_orders import order_model
from chalicelib.adapters.dynamo.bot_state_doc import state_from_doc, state_to_doc
from chalicelib.adapters.dynamo.candle_cache import candles_from_item, tail_key
from chalicelib.adapters.dynamo.trades import DynamoTradeRepository, TradeModel, trade_model
from chalicelib.config import settings
from chalicelib.domain.bots import BotConfig, BotState, BotStatus, Mode
from chalicelib.domain.candles import Candle
from chalicelib.domain.trades import Trade
from chalicelib.services.ports.bot_orders import BotOrderRecord
from chalicelib.services.ports.bots import StateConflict


class ScheduleIndex(GlobalSecondaryIndex["BotModel"]):
    class Meta:
        index_name = "by_schedule"
        projection = IncludeProjection(["symbol"])

    sched_shard = UnicodeAttribute(hash_key=True)
    bot_id = UnicodeAttribute(range_key=True)


class BotModel(Model):
    Meta = table_meta("bots")
    user_id = UnicodeAttribute(hash_key=True)
    bot_id = UnicodeAttribute(range_key=True)
    name = UnicodeAttribute()
    strategy = UnicodeAttribute()
    params = UnicodeAttribute()  # JSON
    symbol = UnicodeAttribute()
    interval = UnicodeAttribute()
    mode = UnicodeAttribute()
    budget = UnicodeAttribute()
    risk = UnicodeAttribute()  # JSON
    api_key_id = UnicodeAttribute(null=True)
    status = UnicodeAttribute()
    status_reason = UnicodeAttribute(null=True)
    created_at_ms = NumberAttribute()
    updated_at_ms = NumberAttribute()
    sched_shard = UnicodeAttribute(null=True)
    by_schedule = ScheduleIndex()


class BotStateModel(Model):
    Meta = table_meta("bot-states")
    bot_id = UnicodeAttribute(hash_key=True)
    version = NumberAttribute()
    doc = UnicodeAttribute()  # JSON of everything else: one attribute keeps the write a single cheap put


# --- mapping -------------------------------------------------------------------------------------


def config_from_model(m: BotModel) -> BotConfig:
    return BotConfig(
        id=m.bot_id,
        user_id=m.user_id,
        name=m.name,
        strategy=m.strategy,
        params=json.loads(m.params),
        symbol=m.symbol,
        interval=m.interval,
        mode=Mode(m.mode),
        budget=Decimal(m.budget),
        risk=json.loads(m.risk),
        api_key_id=m.api_key_id,
        status=BotStatus(m.status),
        created_at_ms=int(m.created_at_ms),
        updated_at_ms=int(m.updated_at_ms),
        status_reason=m.status_reason,
    )


def _model_from_config(c: BotConfig, shard: str | None) -> BotModel:
    return BotModel(
        user_id=c.user_id,
        bot_id=c.id,
        name=c.name,
        strategy=c.strategy,
        params=json.dumps(c.params, sort_keys=True),
        symbol=c.symbol,
        interval=c.interval,
        mode=c.mode.value,
        budget=str(c.budget),
        risk=json.dumps(c.risk, sort_keys=True),
        api_key_id=c.api_key_id,
        status=c.status.value,
        status_reason=c.status_reason,
        created_at_ms=c.created_at_ms,
        updated_at_ms=c.updated_at_ms,
        sched_shard=shard,
    )


def _is_conditional_failure(exc: Exception) -> bool:
    text = f"{getattr(exc, 'cause_response_code', '')} {getattr(exc, 'cause_response_message', '')} {exc}"
    return "ConditionalCheckFailed" in text or "TransactionCanceled" in text


# --- repositories ---------------------------------------------------------------------------------


class DynamoBotRepository(AwsBoundary):
    def create(self, config: BotConfig) -> None:
        _model_from_config(config, None).save(condition=BotModel.bot_id.does_not_exist())

    def get(self, user_id: str, bot_id: str) -> BotConfig | None:
        try:
            return config_from_model(BotModel.get(user_id, bot_id, consistent_read=True))
        except BotModel.DoesNotExist:
            return None

    def list_for(self, user_id: str) -> list[BotConfig]:
        return [config_from_model(m) for m in BotModel.query(user_id)]

    def save(self, config: BotConfig, schedule_shard: str | None) -> None:
        _model_from_config(config, schedule_shard).save(condition=BotModel.bot_id.exists())

    def delete(self, user_id: str, bot_id: str) -> None:
        BotModel(user_id=user_id, bot_id=bot_id).delete()

    def due(self, shard_key: str) -> list[tuple[str, str, str]]:
        return [(m.user_id, m.bot_id, m.symbol) for m in BotModel.by_schedule.query(shard_key)]

    def uses_key(self, user_id: str, key_id: str) -> bool:
        return any(m.api_key_id == key_id and m.status != BotStatus.STOPPED.value for m in BotModel.query(user_id))


class DynamoBotStateStore(AwsBoundary):
    def get(self, bot_id: str) -> BotState | None:
        try:
            m = BotStateModel.get(bot_id, consistent_read=True)
        except BotStateModel.DoesNotExist:
            return None
        return state_from_doc(bot_id, int(m.version), m.doc)

    def get_many(self, bot_ids: Sequence[str]) -> dict[str, BotState]:
        if not bot_ids:
            return {}
        # BatchGetItem, 100 keys a call (pynamodb pages and retries unprocessed keys).
        found = BotStateModel.batch_get(list(dict.fromkeys(bot_ids)))
        return {m.bot_id: state_from_doc(m.bot_id, int(m.version), m.doc) for m in found}

    def put(self, state: BotState, expected_version: int | None) -> None:
        condition = (
            BotStateModel.bot_id.does_not_exist()
            if expected_version is None
            else BotStateModel.version == expected_version
        )
        try:
            BotStateModel(bot_id=state.bot_id, version=state.version, doc=state_to_doc(state)).save(condition=condition)
        except PutError as exc:
            if _is_conditional_failure(exc):
                raise StateConflict(state.bot_id) from None
            raise

    def put_with_trades(self, state: BotState, expected_version: int, trades: Sequence[Trade]) -> None:
        self.put_with_orders(state, expected_version, trades, ())

    def put_with_orders(
        self, state: BotState, expected_version: int, trades: Sequence[Trade], orders: Sequence[BotOrderRecord]
    ) -> None:
        if not trades and not orders:
            self.put(state, expected_version)
            return
        try:
            with TransactWrite(connection=connection()) as tx:
                tx.save(
                    BotStateModel(bot_id=state.bot_id, version=state.version, doc=state_to_doc(state)),
                    condition=BotStateModel.version == expected_version,
                )
                for trade in trades:
                    tx.save(trade_model(trade), condition=TradeModel.trade_key.does_not_exist())
                for record in orders:  # a resting order's record moves with the fills it books
                    tx.save(order_model(record))
        except TransactWriteError as exc:
            if _is_conditional_failure(exc):
                raise StateConflict(state.bot_id) from None
            raise

    def delete(self, bot_id: str) -> None:
        BotStateModel(bot_id=bot_id).delete()


class DynamoTickReader(AwsBoundary):
    """Config, state and cached candles in one BatchGetItem: the whole read side of a quiet tick."""

    def load(
        self, user_id: str, bot_id: str, symbol: str | None, interval: str | None, tick_at_ms: int
    ) -> tuple[BotConfig | None, BotState | None, list[Candle] | None]:
        """The candles are the last ones the candle cache holds for (symbol, interval) at `tick_at_ms` (its
        tail entry), when both are given and the cache has them."""
        cfg = settings()
        bots, states, cache = cfg.table("bots"), cfg.table("bot-states"), cfg.table("market-cache")
        # Half a unit each for the config and the candle tail (eventually consistent), one for the state (strong).
        # The config may lag an edit by a second: the tick then runs as if the edit came after it. The state
        # stays strong: a stale one would fail the version check of any write, but a quiet tick writes nothing.
        pending: dict[str, Any] = {
            bots: {"Keys": [{"user_id": {"S": user_id}, "bot_id": {"S": bot_id}}]},
            states: {"Keys": [{"bot_id": {"S": bot_id}}], "ConsistentRead": True},
        }
        if symbol and interval:
            pending[cache] = {"Keys": [{"pk": {"S": tail_key(symbol, interval, tick_at_ms)}}]}
        found = _batch_get(pending)
        config = config_from_model(BotModel.from_raw_data(found[bots][0])) if found.get(bots) else None
        state = None
        if found.get(states):
            raw = found[states][0]
            state = state_from_doc(bot_id, int(raw["version"]["N"]), raw["doc"]["S"])
        cached = found.get(cache)
        return config, state, candles_from_item(cached[0]) if cached else None


def _batch_get(request: dict[str, Any]) -> dict[str, list[Any]]:
    """Every item a BatchGetItem finds, asking again for the keys it left unprocessed (the AWS retry policy's
    UNPROCESSED_KEYS); what is still unprocessed after that reads as absent."""
    found: dict[str, list[Any]] = {}
    pending = request

    def one_call() -> bool | None:
        nonlocal pending
        answer = client("dynamodb").batch_get_item(RequestItems=pending)
        for table, items in answer.get("Responses", {}).items():
            found.setdefault(table, []).extend(items)
        pending = answer.get("UnprocessedKeys") or {}
        return True if not pending else None

    UNPROCESSED_KEYS.until(one_call)
    return found


# The trades moved to trades.py; their names stay importable from here (composition root, tests).
__all__ = ["DynamoBotRepository", "DynamoBotStateStore", "DynamoTickReader", "DynamoTradeRepository", "TradeModel"]
