"""The backtest use cases: create (run small jobs at once, queue large ones), run a queued job idempotently,
read and delete.

The engine is `chalicelib.domain.backtest.run_backtest`, the same call the CLI makes, so the API and the CLI
return the same trades and metrics for the same candles. Candles come from an uploaded Binance kline CSV
(`chalicelib.domain.kline_csv`) or from the market data port over a date range, paged backwards.

Job states: queued -> running -> done | failed. `start`, `finish` and `fail` are conditional writes in the
store, so a redelivered message for a finished job does nothing, and a copy that loses a race changes
nothing either. Deterministic failures (no candles, a bad CSV, bad params) fail the job at once; other
errors are re-raised for SQS to retry and only fail the job on the last allowed receive.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from chalicelib.domain.backtest_jobs import DONE, FAILED, QUEUED, Backtest
from chalicelib.domain.candles import Candle, CandleSeries
from chalicelib.domain.clock import Clock
from chalicelib.domain.errors import DomainError, InvalidInput, NotFound, Unavailable
from chalicelib.domain.signal_list import TimedSignal
from chalicelib.services.backtests import results
from chalicelib.services.backtests.requests import (
    BacktestRequest,
    Candles,
    Created,
    check_signal_period,
    csv_candles,
    parse_csv,
    range_candles,
    timed_signals,
    validated_strategy,
)
from chalicelib.services.messages import BacktestJobMessage
from chalicelib.services.ports.backtests import BacktestStore, JobQueue, ResultStore
from chalicelib.services.ports.market import MarketData
from chalicelib.services.quotas import Quotas

SYNC_BARS = 20_000
MAX_BARS = 200_000
PAGE_BARS = 1_000  # Binance's largest klines page; every MarketData source accepts it
MAX_TRADES_OUT = 10_000  # trades returned by GET (the stored result keeps them all)


class BacktestService:
    def __init__(
        self,
        *,
        store: BacktestStore,
        results: ResultStore,
        queue: JobQueue,
        market: MarketData,
        clock: Clock,
        market_for: Callable[[str], MarketData] | None = None,
        sync_bars: int = SYNC_BARS,
        max_bars: int = MAX_BARS,
        new_id: Callable[[int], str] | None = None,
        quotas: Quotas | None = None,
    ) -> None:
        self._store = store
        self._quotas = quotas
        self._results = results
        self._queue = queue
        self._market = market
        self._market_for = market_for
        self._clock = clock
        self._sync_bars = sync_bars
        self._max_bars = max_bars
        self._new_id = new_id or (lambda now_ms: f"{now_ms:012x}{secrets.token_hex(8)}")

    @property
    def max_bars(self) -> int:
        return self._max_bars

    # --- create ---------------------------------------------------------------------------------

    def create(self, user_id: str, req: BacktestRequest) -> Created:
        params, risk = validated_strategy(req)
        signals = timed_signals(req)
        now = self._clock.now_ms()
        if req.csv is not None:
            candles = csv_candles(req, self._max_bars, self._check_upload)
        else:
            candles = range_candles(req, now, self._max_bars)
        check_signal_period(signals, candles)
        backtest = Backtest(
            id=self._new_id(now),
            user_id=user_id,
            status=QUEUED,
            strategy=req.strategy,
            params=params,
            risk=risk,
            symbol=candles.symbol,
            interval=candles.interval,
            source=candles.source,
            start_ms=candles.start_ms,
            end_ms=candles.end_ms,
            fee=req.fee,
            slippage=req.slippage,
            cash=req.cash,
            bars=candles.bars,
            progress=0,
            error=None,
            metrics=None,
            created_at_ms=now,
            updated_at_ms=now,
        )
        return self._admit_and_run(backtest, candles, req.csv, signals)

    def _admit_and_run(
        self, backtest: Backtest, candles: Candles, csv: str | None, signals: list[TimedSignal] | None = None
    ) -> Created:
        user_id = backtest.user_id
        queued = candles.bars > self._sync_bars
        # Quotas before any work: a stored slot for every backtest, an active slot for a queued one.
        held = ["stored_backtests", "active_backtests"] if queued else ["stored_backtests"]
        taken: list[str] = []
        try:
            for quota in held:
                self._acquire(user_id, quota, backtest.id)
                taken.append(quota)
            return self._run_or_queue(backtest, candles.series, csv, queued, signals)
        except Exception:
            for quota in taken:
                self._release(user_id, quota, backtest.id)
            raise

    def _run_or_queue(
        self, backtest: Backtest, series: CandleSeries | None, csv: str | None, queued: bool,
        signals: list[TimedSignal] | None,
    ) -> Created:  # fmt: skip
        user_id = backtest.user_id
        if not queued:
            if series is None:
                series = self._fetch(backtest, None)
            payload = results.compute(backtest, series, signals)
            self._results.put(backtest.result_key, results.encode(payload), "application/json")
            done = replace(backtest, status=DONE, progress=100, bars=len(series), metrics=payload["metrics"])
            self._store.create(done)
            return Created(done, payload)

        if csv is not None:
            self._results.put(backtest.input_key, csv.encode(), "text/csv")
        if signals is not None:
            self._results.put(backtest.signals_key, results.encode_signals(signals), "application/json")
        self._store.create(backtest)
        try:
            self._queue.send(BacktestJobMessage(user_id=user_id, backtest_id=backtest.id).body())
        except Exception as exc:
            self._store.fail(user_id, backtest.id, "The job could not be queued; run it again.", self._clock.now_ms())
            # The failed row stays (it is shown, and counts as stored); it is no longer active.
            self._release(user_id, "active_backtests", backtest.id)
            raise Unavailable("The jobs queue is unavailable; try again.", code="queue_unavailable") from exc
        return Created(backtest, None)

    def _check_upload(self, size: int) -> None:
        if self._quotas is not None:
            self._quotas.check_upload(size)

    def _acquire(self, user_id: str, quota: str, member: str) -> None:
        if self._quotas is not None:
            self._quotas.acquire(user_id, quota, member)

    def _release(self, user_id: str, quota: str, member: str) -> None:
        if self._quotas is not None:
            self._quotas.release(user_id, quota, member)

    # --- candles and the engine -----------------------------------------------------------------------

    def _fetch(self, bt: Backtest, report: Callable[[int], None] | None) -> CandleSeries:
        """Closed candles with open_time in [start, end), paging backwards from `end`."""
        assert bt.start_ms is not None and bt.end_ms is not None
        pages: list[list[Candle]] = []
        got = 0
        cursor = bt.end_ms
        # A backtest is the user's request: its history draws from the users' share of the exchange budget.
        market = self._market_for(bt.user_id) if self._market_for is not None else self._market
        while True:
            raw = market.closed_candles(bt.symbol, bt.interval, limit=PAGE_BARS, end_ms=cursor)
            page = [c for c in raw if bt.start_ms <= c.open_time and c.close_time <= cursor]
            if page:
                pages.append(page)
                got += len(page)
                if report is not None:
                    report(got)
            if not page or len(raw) < PAGE_BARS or page[0].open_time <= bt.start_ms or got >= self._max_bars:
                break
            cursor = page[0].open_time - 1
        candles = [c for p in reversed(pages) for c in p]
        if len(candles) < 2:
            raise InvalidInput(
                f"No candles for {bt.symbol} {bt.interval} in that range",
                details=[{"field": "start", "message": "the market source has fewer than 2 candles in the range"}],
            )
        return CandleSeries.from_candles(candles)

    def _load(self, bt: Backtest) -> CandleSeries:
        if bt.source == "csv":
            blob = self._results.get(bt.input_key)
            if blob is None:
                raise InvalidInput("The uploaded CSV is no longer stored; upload it again.")
            return parse_csv(blob.decode())

        last = [0]

        def report(got: int) -> None:
            pct = 10 + int(50 * min(got, bt.bars) / max(bt.bars, 1))
            if pct >= last[0] + 10:
                last[0] = pct
                self._store.progress(bt.user_id, bt.id, pct, self._clock.now_ms())

        return self._fetch(bt, report)

    # --- the asynchronous job -----------------------------------------------------------------------

    def run_job(self, user_id: str, backtest_id: str, *, final_attempt: bool = True) -> str:
        """Run one queued backtest. Returns what happened: done, failed, skipped (already finished, or a
        concurrent copy finished it) or missing (deleted). Re-raises unexpected errors for a retry. Once
        the job is over (any outcome but a retry), its active-backtests slot is released."""
        try:
            outcome = self._run_job(user_id, backtest_id, final_attempt=final_attempt)
        except Exception:
            if final_attempt:
                self._release(user_id, "active_backtests", backtest_id)
            raise
        self._release(user_id, "active_backtests", backtest_id)
        return outcome

    def _run_job(self, user_id: str, backtest_id: str, *, final_attempt: bool) -> str:
        current = self._store.get(user_id, backtest_id)
        if current is None:
            return "missing"
        if current.status in (DONE, FAILED):
            return "skipped"
        running = self._store.start(user_id, backtest_id, self._clock.now_ms())
        if running is None:
            return "skipped"
        try:
            series = self._load(running)
            self._store.progress(user_id, backtest_id, 60, self._clock.now_ms())
            signals = results.decode_signals(self._results.get(running.signals_key)) if running.takes_signals else None
            payload = results.compute(running, series, signals)
            self._store.progress(user_id, backtest_id, 90, self._clock.now_ms())
            self._results.put(running.result_key, results.encode(payload), "application/json")
        except (InvalidInput, NotFound) as exc:
            self._store.fail(user_id, backtest_id, exc.message, self._clock.now_ms())
            return "failed"
        except Exception as exc:
            if final_attempt:
                # The user sees a domain error's own message; anything else may carry internals (ARNs,
                # table names, tracebacks): only a generic message naming the backtest, which the worker's
                # log line ("backtest job failed", backtest_id) carries with the exception.
                message = (
                    exc.message
                    if isinstance(exc, DomainError)
                    else f"An internal error stopped this backtest (reference {backtest_id})."
                )
                self._store.fail(user_id, backtest_id, message, self._clock.now_ms())
            raise
        if not self._store.finish(user_id, backtest_id, len(series), payload["metrics"], self._clock.now_ms()):
            return "skipped"
        return "done"

    # --- reads and delete ----------------------------------------------------------------------------

    def get(self, user_id: str, backtest_id: str) -> Backtest:
        found = self._store.get(user_id, backtest_id)
        if found is None:
            raise NotFound("No such backtest.", code="backtest_not_found")
        return found

    def result(self, backtest: Backtest) -> dict[str, Any] | None:
        if backtest.status != DONE:
            return None
        blob = self._results.get(backtest.result_key)
        if blob is None:
            return None
        data: dict[str, Any] = json.loads(blob)
        return data

    def page(self, user_id: str, cursor: str | None, limit: int) -> tuple[list[Backtest], str | None]:
        return self._store.page(user_id, cursor, limit)

    def delete(self, user_id: str, backtest_id: str) -> None:
        found = self.get(user_id, backtest_id)
        self._store.delete(user_id, backtest_id)
        self._release(user_id, "stored_backtests", backtest_id)
        self._release(user_id, "active_backtests", backtest_id)
        self._results.delete(found.result_key)
        if found.source == "csv":
            self._results.delete(found.input_key)
        if found.takes_signals:
            self._results.delete(found.signals_key)
