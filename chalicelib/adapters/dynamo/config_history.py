"""The bot-config-history table (infra/stack.yaml BotConfigHistoryTable): a bot's configuration history
(services/ports/config_history.py).

pk=<bot_id>  sk=<at_ms, 13 digits>   one item per start or edit, oldest first
A table of its own rather than items in bot-orders (same partition by bot): the orders' pages read a bot's
partition newest first without a key condition, and would meet these items."""

from __future__ import annotations

import json
from decimal import Decimal

from pynamodb.attributes import NumberAttribute, UnicodeAttribute

from chalicelib.adapters.aws_errors import AwsBoundary
from chalicelib.adapters.dynamo.base import Model, table_meta
from chalicelib.domain.config_history import ConfigVersion


class ConfigVersionModel(Model):
    Meta = table_meta("bot-config-history")
    bot_id = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    at_ms = NumberAttribute()
    kind = UnicodeAttribute()
    strategy = UnicodeAttribute()
    params = UnicodeAttribute()  # JSON
    risk = UnicodeAttribute()  # JSON
    budget = UnicodeAttribute()
    symbol = UnicodeAttribute()
    interval = UnicodeAttribute()
    engine = UnicodeAttribute()  # JSON: the engine state's own strings, so floats round-trip exactly
    state_tick_at = NumberAttribute()


def _sk(at_ms: int) -> str:
    return f"{at_ms:013d}"


def _model(v: ConfigVersion) -> ConfigVersionModel:
    return ConfigVersionModel(
        bot_id=v.bot_id, sk=_sk(v.at_ms), at_ms=v.at_ms, kind=v.kind, strategy=v.strategy,
        params=json.dumps(v.params), risk=json.dumps(v.risk), budget=str(v.budget), symbol=v.symbol,
        interval=v.interval, engine=json.dumps(v.engine), state_tick_at=v.state_tick_at,
    )  # fmt: skip


def _version(m: ConfigVersionModel) -> ConfigVersion:
    return ConfigVersion(
        bot_id=m.bot_id, at_ms=int(m.at_ms), kind=m.kind, strategy=m.strategy, params=json.loads(m.params),
        risk=json.loads(m.risk), budget=Decimal(m.budget), symbol=m.symbol, interval=m.interval,
        engine=json.loads(m.engine), state_tick_at=int(m.state_tick_at),
    )  # fmt: skip


class DynamoConfigHistory(AwsBoundary):
    def record(self, version: ConfigVersion) -> None:
        _model(version).save()

    def versions(self, bot_id: str, *, until_ms: int) -> list[ConfigVersion]:
        rows = ConfigVersionModel.query(bot_id, ConfigVersionModel.sk <= _sk(until_ms), consistent_read=True)
        return [_version(m) for m in rows]

    def delete_for(self, bot_id: str) -> int:
        keys = [ConfigVersionModel(bot_id=m.bot_id, sk=m.sk)
                for m in ConfigVersionModel.query(bot_id, attributes_to_get=["bot_id", "sk"])]  # fmt: skip
        with ConfigVersionModel.batch_write() as batch:  # BatchWriteItem, 25 a call, unprocessed items retried
            for key in keys:
                batch.delete(key)
        return len(keys)
