"""Backtest metadata in DynamoDB (user_id, backtest_id; ids sort by creation time). The state changes of a
job are conditional updates, so a redelivered or concurrent copy of a job cannot move a finished backtest."""

from __future__ import annotations

import base64
import json
from typing import Any

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import DeleteError, PutError, UpdateError

from chalicelib.adapters.aws_errors import AwsBoundary
from chalicelib.adapters.dynamo.base import Model, table_meta
from chalicelib.domain.backtest_jobs import DONE, FAILED, KEEP_DAYS, QUEUED, RUNNING, Backtest


class BacktestModel(Model):
    Meta = table_meta("backtests")
    user_id = UnicodeAttribute(hash_key=True)
    backtest_id = UnicodeAttribute(range_key=True)
    status = UnicodeAttribute()
    strategy = UnicodeAttribute()
    params = UnicodeAttribute()  # JSON
    risk = UnicodeAttribute()  # JSON
    symbol = UnicodeAttribute()
    interval = UnicodeAttribute()
    source = UnicodeAttribute()
    start_ms = NumberAttribute(null=True)
    end_ms = NumberAttribute(null=True)
    fee = NumberAttribute()
    slippage = NumberAttribute()
    cash = NumberAttribute()
    bars = NumberAttribute()
    progress = NumberAttribute()
    error = UnicodeAttribute(null=True)
    metrics = UnicodeAttribute(null=True)  # JSON, set when done
    created_at_ms = NumberAttribute()
    updated_at_ms = NumberAttribute()
    attempts = NumberAttribute(default=0)
    expires_at = NumberAttribute()


def _from(m: BacktestModel) -> Backtest:
    return Backtest(
        id=m.backtest_id,
        user_id=m.user_id,
        status=m.status,
        strategy=m.strategy,
        params=json.loads(m.params),
        risk=json.loads(m.risk),
        symbol=m.symbol,
        interval=m.interval,
        source=m.source,
        start_ms=None if m.start_ms is None else int(m.start_ms),
        end_ms=None if m.end_ms is None else int(m.end_ms),
        fee=float(m.fee),
        slippage=float(m.slippage),
        cash=float(m.cash),
        bars=int(m.bars),
        progress=int(m.progress),
        error=m.error,
        metrics=json.loads(m.metrics) if m.metrics else None,
        created_at_ms=int(m.created_at_ms),
        updated_at_ms=int(m.updated_at_ms),
        attempts=int(m.attempts or 0),
    )


def _conditional_failed(exc: PutError | UpdateError | DeleteError) -> bool:
    return "ConditionalCheckFailed" in str(exc.cause_response_code)


class DynamoBacktestStore(AwsBoundary):
    def create(self, backtest: Backtest) -> None:
        b = backtest
        BacktestModel(
            user_id=b.user_id,
            backtest_id=b.id,
            status=b.status,
            strategy=b.strategy,
            params=json.dumps(b.params),
            risk=json.dumps(b.risk),
            symbol=b.symbol,
            interval=b.interval,
            source=b.source,
            start_ms=b.start_ms,
            end_ms=b.end_ms,
            fee=b.fee,
            slippage=b.slippage,
            cash=b.cash,
            bars=b.bars,
            progress=b.progress,
            error=b.error,
            metrics=None if b.metrics is None else json.dumps(b.metrics, allow_nan=False),
            created_at_ms=b.created_at_ms,
            updated_at_ms=b.updated_at_ms,
            attempts=b.attempts,
            expires_at=b.created_at_ms // 1000 + KEEP_DAYS * 86_400,
        ).save(condition=BacktestModel.backtest_id.does_not_exist())

    def get(self, user_id: str, backtest_id: str) -> Backtest | None:
        try:
            return _from(BacktestModel.get(user_id, backtest_id, consistent_read=True))
        except BacktestModel.DoesNotExist:
            return None

    def page(self, user_id: str, cursor: str | None, limit: int) -> tuple[list[Backtest], str | None]:
        start: dict[str, Any] | None = json.loads(base64.urlsafe_b64decode(cursor.encode())) if cursor else None
        results = BacktestModel.query(user_id, scan_index_forward=False, limit=limit, last_evaluated_key=start)
        items = [_from(m) for m in results]
        last = results.last_evaluated_key
        return items, base64.urlsafe_b64encode(json.dumps(last).encode()).decode() if last else None

    def _update(self, user_id: str, backtest_id: str, actions: list[Any], condition: Any) -> BacktestModel | None:
        row = BacktestModel(user_id=user_id, backtest_id=backtest_id)
        try:
            row.update(actions=actions, condition=BacktestModel.backtest_id.exists() & condition)
        except UpdateError as exc:
            if _conditional_failed(exc):
                return None
            raise
        return row

    def start(self, user_id: str, backtest_id: str, now_ms: int) -> Backtest | None:
        row = self._update(
            user_id,
            backtest_id,
            [
                BacktestModel.status.set(RUNNING),
                BacktestModel.progress.set(10),
                BacktestModel.attempts.add(1),
                BacktestModel.updated_at_ms.set(now_ms),
            ],
            BacktestModel.status.is_in(QUEUED, RUNNING),
        )
        return None if row is None else _from(row)

    def progress(self, user_id: str, backtest_id: str, progress: int, now_ms: int) -> None:
        self._update(
            user_id,
            backtest_id,
            [BacktestModel.progress.set(progress), BacktestModel.updated_at_ms.set(now_ms)],
            BacktestModel.status == RUNNING,
        )

    def finish(self, user_id: str, backtest_id: str, bars: int, metrics: dict[str, Any], now_ms: int) -> bool:
        row = self._update(
            user_id,
            backtest_id,
            [
                BacktestModel.status.set(DONE),
                BacktestModel.progress.set(100),
                BacktestModel.bars.set(bars),
                BacktestModel.metrics.set(json.dumps(metrics, allow_nan=False)),
                BacktestModel.error.remove(),
                BacktestModel.updated_at_ms.set(now_ms),
            ],
            BacktestModel.status == RUNNING,
        )
        return row is not None

    def fail(self, user_id: str, backtest_id: str, error: str, now_ms: int) -> bool:
        row = self._update(
            user_id,
            backtest_id,
            [
                BacktestModel.status.set(FAILED),
                BacktestModel.error.set(error[:1000]),
                BacktestModel.updated_at_ms.set(now_ms),
            ],
            BacktestModel.status.is_in(QUEUED, RUNNING),
        )
        return row is not None

    def delete(self, user_id: str, backtest_id: str) -> bool:
        try:
            BacktestModel(user_id=user_id, backtest_id=backtest_id).delete(
                condition=BacktestModel.backtest_id.exists()
            )
        except DeleteError as exc:
            if _conditional_failed(exc):
                return False
            raise
        return True


__all__ = ["BacktestModel", "DynamoBacktestStore"]
