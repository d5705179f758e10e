"""Backtests as a product feature: validate a request, run small jobs at once and queue large ones, run a
queued job idempotently, keep results in a blob store and metadata in a table.

- `requests`: the request type and its validation (strategy, risk, costs, CSV or date range);
- `results`: the engine's run and the stored result (trades, metrics, a chart-sized equity curve);
- `service`: the use cases (create, run a queued job, read, delete);
- `counts`: what the backtest quotas count.
The job's row and statuses are `chalicelib.domain.backtest_jobs`; the stores are `services.ports.backtests`."""

from chalicelib.domain.backtest_jobs import DONE, FAILED, KEEP_DAYS, QUEUED, RUNNING, STATUSES, Backtest, result_key
from chalicelib.services.backtests.counts import ACTIVE_STALE_MS, active_ids, stored_ids
from chalicelib.services.backtests.requests import BacktestRequest, Created
from chalicelib.services.backtests.results import EQUITY_POINTS, downsample, result_payload
from chalicelib.services.backtests.service import MAX_BARS, MAX_TRADES_OUT, PAGE_BARS, SYNC_BARS, BacktestService

__all__ = [
    "ACTIVE_STALE_MS",
    "DONE",
    "EQUITY_POINTS",
    "FAILED",
    "KEEP_DAYS",
    "MAX_BARS",
    "MAX_TRADES_OUT",
    "PAGE_BARS",
    "QUEUED",
    "RUNNING",
    "STATUSES",
    "SYNC_BARS",
    "Backtest",
    "BacktestRequest",
    "BacktestService",
    "Created",
    "active_ids",
    "downsample",
    "result_key",
    "result_payload",
    "stored_ids",
]
