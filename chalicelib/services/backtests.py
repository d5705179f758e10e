"""Backtests as a product feature: validate a request, run small jobs at once and queue large ones, run a
queued job idempotently, keep results in a blob store and metadata in a table.

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
import math
import secrets
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, Protocol

import numpy as np

from chalicelib.domain.backtest import BacktestResult, run_backtest
from chalicelib.domain.backtest.trades import iso_ms
from chalicelib.domain.candles import INTERVAL_MS, Candle, CandleSeries, FloatArray, IntArray, interval_ms
from chalicelib.domain.clock import Clock
from chalicelib.domain.errors import DomainError, InvalidInput, NotFound, Unavailable
from chalicelib.domain.kline_csv import parse_kline_csv
from chalicelib.domain.risk import validate_risk
from chalicelib.domain.strategies import validate_params
from chalicelib.services.messages import BacktestJobMessage
from chalicelib.services.quotas import Quotas

SYNC_BARS = 20_000
MAX_BARS = 200_000
PAGE_BARS = 1_000  # Binance's largest klines page; every MarketData source accepts it
EQUITY_POINTS = 2_000
MAX_TRADES_OUT = 10_000  # trades returned by GET (the stored result keeps them all)
KEEP_DAYS = 90  # the artifacts bucket expires backtests/ after 90 days; the metadata row follows

QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"
STATUSES = (QUEUED, RUNNING, DONE, FAILED)


# --- ports ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Backtest:
    """One backtest's metadata (the result itself lives in the result store under `result_key`)."""

    id: str
    user_id: str
    status: str
    strategy: str
    params: dict[str, Any]
    risk: dict[str, Any]
    symbol: str
    interval: str
    source: str  # "range" | "csv"
    start_ms: int | None
    end_ms: int | None
    fee: float
    slippage: float
    cash: float
    bars: int
    progress: int
    error: str | None
    metrics: dict[str, Any] | None
    created_at_ms: int
    updated_at_ms: int
    attempts: int = 0

    @property
    def result_key(self) -> str:
        return result_key(self.user_id, self.id)

    @property
    def input_key(self) -> str:
        return f"backtests/{self.user_id}/{self.id}.csv"


def result_key(user_id: str, backtest_id: str) -> str:
    return f"backtests/{user_id}/{backtest_id}.json"


class BacktestStore(Protocol):
    def create(self, backtest: Backtest) -> None:
        """Insert a new row (its id is new)."""
        ...

    def get(self, user_id: str, backtest_id: str) -> Backtest | None: ...

    def page(self, user_id: str, cursor: str | None, limit: int) -> tuple[list[Backtest], str | None]:
        """The user's backtests, newest first (ids sort by creation time)."""
        ...

    def start(self, user_id: str, backtest_id: str, now_ms: int) -> Backtest | None:
        """queued|running -> running (attempts + 1), conditionally; None when the row is finished or gone."""
        ...

    def progress(self, user_id: str, backtest_id: str, progress: int, now_ms: int) -> None:
        """Set progress while running; a no-op otherwise."""
        ...

    def finish(self, user_id: str, backtest_id: str, bars: int, metrics: dict[str, Any], now_ms: int) -> bool:
        """running -> done, conditionally; False when it was not running (finished or deleted)."""
        ...

    def fail(self, user_id: str, backtest_id: str, error: str, now_ms: int) -> bool:
        """queued|running -> failed, conditionally."""
        ...

    def delete(self, user_id: str, backtest_id: str) -> bool: ...


class ResultStore(Protocol):
    def put(self, key: str, data: bytes, content_type: str) -> None: ...

    def get(self, key: str) -> bytes | None: ...

    def delete(self, key: str) -> bool:
        """Best effort; False when the blob could not be deleted (it expires with the bucket's lifecycle)."""
        ...


class JobQueue(Protocol):
    def send(self, body: dict[str, Any]) -> None: ...


class MarketData(Protocol):
    def closed_candles(
        self, symbol: str, interval: str, *, limit: int = 500, end_ms: int | None = None
    ) -> list[Candle]: ...


# --- requests --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BacktestRequest:
    strategy: str
    params: dict[str, Any]
    risk: dict[str, Any]
    symbol: str | None
    interval: str | None
    start_ms: int | None = None
    end_ms: int | None = None
    csv: str | None = None
    fee: float = 0.001
    slippage: float = 0.0
    cash: float = 10_000.0


@dataclass(frozen=True)
class Created:
    backtest: Backtest
    result: dict[str, Any] | None  # set when the job ran at once


def _prefixed(exc: InvalidInput, prefix: str) -> InvalidInput:
    details = [
        {**d, "field": d["field"] if d.get("field") == "strategy" else f"{prefix}.{d.get('field', '')}".rstrip(".")}
        for d in (exc.details or [])
        if isinstance(d, dict)
    ]
    return InvalidInput(exc.message, details=details or exc.details)


def _invalid(field: str, message: str) -> InvalidInput:
    return InvalidInput(f"{field}: {message}", details=[{"field": field, "message": message}])


def interval_label(step_ms: int) -> str:
    for label, ms in INTERVAL_MS.items():
        if ms == step_ms:
            return label
    return f"{step_ms}ms"


# --- results ---------------------------------------------------------------------------------------------


def downsample(open_time: IntArray, equity: FloatArray, points: int = EQUITY_POINTS) -> list[dict[str, Any]]:
    """At most `points` equity points for a chart: all of them when few, otherwise the first and last point
    and, per bucket, the lowest and highest (in time order), so drawdowns and peaks survive."""
    n = int(equity.shape[0])
    if n <= points:
        idx: list[int] = list(range(n))
    else:
        buckets = (points - 2) // 2
        edges = np.linspace(1, n - 1, buckets + 1).astype(np.int64)
        chosen = {0, n - 1}
        for lo, hi in zip(edges[:-1].tolist(), edges[1:].tolist(), strict=True):
            if hi <= lo:
                continue
            part = equity[lo:hi]
            chosen.add(lo + int(np.argmin(part)))
            chosen.add(lo + int(np.argmax(part)))
        idx = sorted(chosen)
    times, values = open_time.tolist(), equity.tolist()
    return [{"t": iso_ms(int(times[i])), "equity": float(values[i])} for i in idx]


def result_payload(result: BacktestResult) -> dict[str, Any]:
    """The stored result: the CLI's `{"trades", "metrics"}` plus the chart's equity curve."""
    out = result.to_dict()
    out["equity"] = downsample(result.open_time, result.equity)
    return out


def _json_safe(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


# --- the service ------------------------------------------------------------------------------------------


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
        try:
            params = validate_params(req.strategy, req.params)
        except InvalidInput as exc:
            raise _prefixed(exc, "params") from None
        try:
            risk = validate_risk(req.risk).to_dict()
        except InvalidInput as exc:
            raise _prefixed(exc, "risk") from None
        for field, value in (("fee", req.fee), ("slippage", req.slippage)):
            if not 0 <= value < 0.5:
                raise _invalid(field, "must be a fraction in [0, 0.5)")
        if not (req.cash > 0 and math.isfinite(req.cash)):
            raise _invalid("cash", "must be > 0")

        now = self._clock.now_ms()
        series: CandleSeries | None = None
        if req.csv is not None:
            if req.start_ms is not None or req.end_ms is not None:
                raise _invalid("csv", "send either csv or start/end, not both")
            if self._quotas is not None:
                self._quotas.check_upload(len(req.csv.encode()))
            series = self._parse_csv(req.csv)
            bars = len(series)
            if bars > self._max_bars:
                raise _invalid("csv", f"{bars} bars is more than the limit of {self._max_bars}")
            source, start_ms, end_ms = "csv", None, None
            symbol = (req.symbol or "CSV").upper()
            interval = req.interval or interval_label(int(np.diff(series.open_time).min()))
        else:
            symbol, interval, start_ms, end_ms = self._check_range(req, now)
            bars = math.ceil((end_ms - start_ms) / interval_ms(interval))
            source = "range"

        backtest = Backtest(
            id=self._new_id(now),
            user_id=user_id,
            status=QUEUED,
            strategy=req.strategy,
            params=params,
            risk=risk,
            symbol=symbol,
            interval=interval,
            source=source,
            start_ms=start_ms,
            end_ms=end_ms,
            fee=req.fee,
            slippage=req.slippage,
            cash=req.cash,
            bars=bars,
            progress=0,
            error=None,
            metrics=None,
            created_at_ms=now,
            updated_at_ms=now,
        )
        queued = bars > self._sync_bars
        # Quotas before any work: a stored slot for every backtest, an active slot for a queued one.
        held = ["stored_backtests", "active_backtests"] if queued else ["stored_backtests"]
        taken: list[str] = []
        try:
            for quota in held:
                self._acquire(user_id, quota, backtest.id)
                taken.append(quota)
            return self._run_or_queue(backtest, series, req.csv, queued)
        except Exception:
            for quota in taken:
                self._release(user_id, quota, backtest.id)
            raise

    def _run_or_queue(self, backtest: Backtest, series: CandleSeries | None, csv: str | None, queued: bool) -> Created:
        user_id = backtest.user_id
        if not queued:
            if series is None:
                series = self._fetch(backtest, None)
            payload = self._compute(backtest, series)
            self._results.put(backtest.result_key, _encode(payload), "application/json")
            done = replace(backtest, status=DONE, progress=100, bars=len(series), metrics=payload["metrics"])
            self._store.create(done)
            return Created(done, payload)

        if csv is not None:
            self._results.put(backtest.input_key, csv.encode(), "text/csv")
        self._store.create(backtest)
        try:
            self._queue.send(BacktestJobMessage(user_id=user_id, backtest_id=backtest.id).body())
        except Exception as exc:
            self._store.fail(user_id, backtest.id, "The job could not be queued; run it again.", self._clock.now_ms())
            # The failed row stays (it is shown, and counts as stored); it is no longer active.
            self._release(user_id, "active_backtests", backtest.id)
            raise Unavailable("The jobs queue is unavailable; try again.", code="queue_unavailable") from exc
        return Created(backtest, None)

    def _acquire(self, user_id: str, quota: str, member: str) -> None:
        if self._quotas is not None:
            self._quotas.acquire(user_id, quota, member)

    def _release(self, user_id: str, quota: str, member: str) -> None:
        if self._quotas is not None:
            self._quotas.release(user_id, quota, member)

    def _check_range(self, req: BacktestRequest, now: int) -> tuple[str, str, int, int]:
        given = {"symbol": req.symbol, "interval": req.interval, "start": req.start_ms, "end": req.end_ms}
        missing = [
            {"field": f, "message": "is required with start/end (or send csv)"} for f, v in given.items() if v is None
        ]
        if missing:
            raise InvalidInput("send start and end with symbol and interval, or a kline csv", details=missing)
        assert req.symbol is not None and req.interval is not None
        assert req.start_ms is not None and req.end_ms is not None
        try:
            step = interval_ms(req.interval)
        except ValueError as exc:
            raise _invalid("interval", str(exc)) from None
        start, end = req.start_ms, min(req.end_ms, now)
        if req.end_ms <= start:
            raise _invalid("end", "must be after start")
        if start >= now - step:
            raise _invalid("start", "no closed candle of this interval starts that late; pick an earlier start")
        bars = math.ceil((end - start) / step)
        if bars > self._max_bars:
            raise _invalid(
                "end",
                f"the range holds {bars} {req.interval} bars, more than the limit of {self._max_bars}; "
                "shorten it or use a longer interval",
            )
        return req.symbol.upper(), req.interval, start, end

    @staticmethod
    def _parse_csv(text: str) -> CandleSeries:
        try:
            candles = parse_kline_csv(text)
        except InvalidInput as exc:
            details = [{**d, "field": f"csv ({d.get('field')})"} for d in (exc.details or []) if isinstance(d, dict)]
            raise InvalidInput(exc.message, details=details or [{"field": "csv", "message": exc.message}]) from None
        if len(candles) < 2:
            raise _invalid("csv", "need at least 2 candles")
        return CandleSeries.from_candles(candles)

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

    def _compute(self, bt: Backtest, series: CandleSeries) -> dict[str, Any]:
        result = run_backtest(
            series,
            bt.strategy,
            bt.params,
            bt.risk,
            fee=bt.fee,
            slippage=bt.slippage,
            cash=bt.cash,
            # A CSV's interval is inferred from its bars, exactly as the CLI does.
            interval_ms=interval_ms(bt.interval) if bt.source == "range" else None,
        )
        payload = result_payload(result)
        payload["metrics"] = {k: _json_safe(v) for k, v in payload["metrics"].items()}
        return payload

    def _load(self, bt: Backtest) -> CandleSeries:
        if bt.source == "csv":
            blob = self._results.get(bt.input_key)
            if blob is None:
                raise InvalidInput("The uploaded CSV is no longer stored; upload it again.")
            return self._parse_csv(blob.decode())

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
            payload = self._compute(running, series)
            self._store.progress(user_id, backtest_id, 90, self._clock.now_ms())
            self._results.put(running.result_key, _encode(payload), "application/json")
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


def _encode(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, separators=(",", ":"), allow_nan=False).encode()


# --- what the backtest quotas count (see chalicelib.services.quotas) ------------------------------------

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
