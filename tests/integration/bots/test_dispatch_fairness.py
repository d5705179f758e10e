"""Dispatch fairness on moto: a user with hundreds of running bots and a user with one. The light user's tick
is in the first ceil(U / 10) batches on the tick queue (U = users with a tick due this minute), not behind the
heavy user's hundreds, even though the dispatcher sends from 16 threads."""

from __future__ import annotations

import json
import uuid
from decimal import Decimal
from typing import Any

from chalicelib import workers
from chalicelib.adapters.dynamo.bots import BotModel, BotStateModel, _model_from_config, state_to_doc
from chalicelib.config import settings
from chalicelib.domain.bots import BotConfig, BotState, BotStatus, Mode, schedule_shard
from tests.integration.bots.conftest import Platform, bot_body

HEAVY_BOTS = 300


def _seed_running(user_id: str, n: int) -> list[str]:
    """n running 1m paper bots written straight to the tables (as bench/dispatch.py does): more than the
    running-bots quota lets one user start through the API, as a stage with a raised quota would have."""
    ids = []
    shards = settings().schedule_shards
    with BotModel.batch_write() as bots, BotStateModel.batch_write() as states:
        for i in range(n):
            bot_id = uuid.uuid4().hex
            config = BotConfig(
                id=bot_id, user_id=user_id, name=f"heavy {i}", strategy="sma_cross", params={"fast": 2, "slow": 5},
                symbol="BTCUSDT", interval="1m", mode=Mode.PAPER, budget=Decimal(1000), risk={}, api_key_id=None,
                status=BotStatus.RUNNING, created_at_ms=0, updated_at_ms=0,
            )  # fmt: skip
            bots.save(_model_from_config(config, schedule_shard(bot_id, "1m", shards)))
            states.save(BotStateModel(bot_id=bot_id, version=0, doc=state_to_doc(BotState(bot_id=bot_id))))
            ids.append(bot_id)
    return ids


def _received_in_order(platform: Platform) -> list[dict[str, Any]]:
    url = platform.outputs["TickQueueUrl"]
    got: list[dict[str, Any]] = []
    while batch := platform.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages"):
        for m in batch:
            got.append(json.loads(m["Body"]))
            platform.sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
    return got


def test_a_light_users_tick_is_not_queued_behind_a_heavy_users_hundreds(platform: Platform) -> None:
    heavy_user = f"heavy-{uuid.uuid4().hex[:8]}"
    heavy = _seed_running(heavy_user, HEAVY_BOTS)
    try:
        light = platform.user()
        status, bot = platform.call("POST", "/bots", bot_body(name="light"), light["access_token"])
        assert status == 201, bot
        assert platform.call("POST", f"/bots/{bot['id']}/start", None, light["access_token"])[0] == 200

        platform.clock.advance(60_000)
        report = workers.dispatch()
        sent = [m for m in _received_in_order(platform) if m["tick_at"] == report["tick_at"]]
        assert len(sent) == report["bots"] >= HEAVY_BOTS + 1
        users = len({m["user_id"] for m in sent})
        position = next(i for i, m in enumerate(sent) if m["bot_id"] == bot["id"])
        # The documented bound: in the first ceil(U / 10) batches, which reach the queue before any other.
        first_round = -(-users // 10) * 10
        assert position < first_round, (position, users)
        assert sum(1 for m in sent[:first_round] if m["user_id"] == heavy_user) <= first_round - users + 1
    finally:
        with BotModel.batch_write() as bots, BotStateModel.batch_write() as states:
            for bot_id in heavy:
                bots.delete(BotModel(heavy_user, bot_id))
                states.delete(BotStateModel(bot_id))
