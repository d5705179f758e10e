"""What the backtest quotas count (see chalicelib.services.quotas): the truth a refused ledger is rebuilt from."""

from __future__ import annotations

from chalicelib.domain.backtest_jobs import KEEP_DAYS, QUEUED, RUNNING, Backtest
from chalicelib.services.ports.backtests import BacktestStore

ACTIVE_STALE_MS = 3_600_000  # a job not updated for an hour is dead (3 receives x 15 min visibility), not active


def _all(store: BacktestStore, user_id: str) -> list[Backtest]:
    found: list[Backtest] = []
    cursor: str | None = None
    while True:
        page, cursor = store.page(user_id, cursor, 100)
        found += page
        if cursor is None:
            return found


def stored_ids(store: BacktestStore, user_id: str, now_ms: int) -> set[str]:
    """Backtests the user still has (rows past their 90-day expiry are not counted, though not yet deleted)."""
    return {b.id for b in _all(store, user_id) if now_ms - b.created_at_ms < KEEP_DAYS * 86_400_000}


def active_ids(store: BacktestStore, user_id: str, now_ms: int) -> set[str]:
    return {
        b.id
        for b in _all(store, user_id)
        if b.status in (QUEUED, RUNNING) and now_ms - b.updated_at_ms < ACTIVE_STALE_MS
    }
