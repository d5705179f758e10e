"""`make soak`: the embedded AWS (infra/local, the runtime `make run` starts) with 1,000 paper bots across
several users ticking every market minute on an accelerated clock, plus a bounded API load generator on
127.0.0.1, then one printed table: ticks, p50/p95/p99 tick and API latency, errors, DLQ messages, and the
order/trade reconciliation (every paper order filled on the exchange is exactly one trade, and back).

    .venv/bin/python -m tests.soak.soak            # defaults below; SOAK_* env vars override

Everything runs in this one process (moto server, API server, scheduler, SQS pollers, load generator), so
the figures are a lower bound of what Lambda, which scales out, would do."""

from __future__ import annotations

import json
import logging
import os
import sys
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import requests

BOTS = int(os.environ.get("SOAK_BOTS", "1000"))
USERS = int(os.environ.get("SOAK_USERS", "10"))
MARKET_MINUTES = int(os.environ.get("SOAK_MINUTES", "10"))
CLOCK_SPEED = float(os.environ.get("SOAK_CLOCK_SPEED", "1.25"))
API_REQUESTS = int(os.environ.get("SOAK_API_REQUESTS", "2000"))
API_THREADS = int(os.environ.get("SOAK_API_THREADS", "4"))
SQS_CONCURRENCY = os.environ.get("SOAK_SQS_CONCURRENCY", "4")
DRAIN_TIMEOUT_S = float(os.environ.get("SOAK_DRAIN_TIMEOUT_S", "240"))
CLOCK_START = "2024-03-01T00:00:00Z"
PASSWORD = "soak-Password-123456"


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]


def p3(values: list[float]) -> str:
    return " / ".join(f"{pct(values, q):.1f}" for q in (50, 95, 99))


@dataclass
class TickStats:
    lock: threading.Lock = field(default_factory=threading.Lock)
    latencies_ms: list[float] = field(default_factory=list)
    results: Counter[str] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)
    lags_ms: list[float] = field(default_factory=list)


def instrument_ticks(stats: TickStats, clock: Any) -> None:
    """Time every tick where the worker runs it: TickService.run (its outcome) and failures."""
    from chalicelib.services.tick import TickService

    real = TickService.run

    def timed(self: Any, user_id: str, bot_id: str, tick_at: int, *args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            outcome = real(self, user_id, bot_id, tick_at, *args, **kwargs)
        except Exception as exc:
            with stats.lock:
                stats.errors[type(exc).__name__] += 1
            raise
        elapsed = (time.perf_counter() - started) * 1000
        with stats.lock:
            stats.latencies_ms.append(elapsed)
            stats.results[outcome.result] += 1
            stats.lags_ms.append(clock.now_ms() - tick_at)
        return outcome

    TickService.run = timed  # type: ignore[method-assign]


@dataclass
class ApiStats:
    latencies_ms: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)


SETUP_RETRIES: list[int] = []


def post_retrying(session: requests.Session, url: str, **kwargs: Any) -> requests.Response:
    """Setup only: the single-process moto can time out under the start-up burst (botocore's 5 s read
    timeout), which the API answers 5xx; a client retries. Retries are counted and reported."""
    for attempt in range(6):
        r = session.post(url, timeout=120, **kwargs)
        if r.status_code < 500:
            r.raise_for_status()
            return r
        SETUP_RETRIES.append(r.status_code)
        time.sleep(0.5 * (attempt + 1))
    r.raise_for_status()
    return r


def create_fleet(base: str) -> list[dict[str, Any]]:
    """USERS users with BOTS bots between them, half DCA (buys on its first tick, sells at +0.5%), half
    fast SMA crossovers, all on 1m candles, all started."""
    session = requests.Session()
    users = []
    for i in range(USERS):
        email = f"soak-{i}-{uuid.uuid4().hex[:6]}@example.com"
        r = session.post(f"{base}/api/v1/auth/register", json={"email": email, "password": PASSWORD}, timeout=60)
        r.raise_for_status()
        r = session.post(f"{base}/api/v1/auth/login", json={"email": email, "password": PASSWORD}, timeout=60)
        r.raise_for_status()
        users.append({"email": email, "token": r.json()["access_token"], "bots": []})

    def make(n: int) -> None:
        user = users[n % USERS]
        headers = {"Authorization": f"Bearer {user['token']}"}
        if n % 2 == 0:
            strategy, params = "dca", {"base_order_quote": 50, "take_profit_pct": 0.5}
        else:
            strategy, params = "sma_cross", {"fast": 2, "slow": 5}
        body = {
            "name": f"soak {n}",
            "strategy": strategy,
            "params": params,
            "symbol": "BTCUSDT" if n % 3 else "ETHUSDT",
            "interval": "1m",
            "mode": "paper",
            "budget": "1000",
            "risk": {},
        }
        r = post_retrying(local.session, f"{base}/api/v1/bots", json=body, headers=headers)
        with lock:
            user["bots"].append(r.json()["id"])
            done.append(n)
            if len(done) % 250 == 0:
                print(f"  created {len(done)} bots", flush=True)

    def start(pair: tuple[dict[str, Any], str]) -> None:
        user, bot_id = pair
        headers = {"Authorization": f"Bearer {user['token']}"}
        post_retrying(local.session, f"{base}/api/v1/bots/{bot_id}/start", headers=headers)

    lock = threading.Lock()
    done: list[int] = []
    local = threading.local()

    def init() -> None:
        local.session = requests.Session()

    # Create every bot first (stopped: no ticks yet), then start them all, so setup does not compete
    # with ticking and every bot starts within the same market minute or two.
    with ThreadPoolExecutor(max_workers=4, initializer=init) as pool:
        list(pool.map(make, range(BOTS)))
    with ThreadPoolExecutor(max_workers=2, initializer=init) as pool:
        list(pool.map(start, [(u, b) for u in users for b in u["bots"]]))
    return users


def load(base: str, users: list[dict[str, Any]], stats: ApiStats, stop_at: float) -> None:
    """API_REQUESTS requests from API_THREADS threads, spread over the run (it stops early at stop_at)."""
    paths = [
        "/bots",
        "/bots/{bot}",
        "/bots/{bot}/trades",
        "/trades?limit=50",
        "/dashboard",
        "/notifications",
        "/market/candles?symbol=BTCUSDT&limit=100",
        "/strategies",
        "/users/me",
    ]
    lock = threading.Lock()
    per_thread = API_REQUESTS // API_THREADS
    # Paced, not flat out: traffic a few hundred traders would make, spread evenly over the market minutes,
    # instead of a stress test of the emulator that starves the ticks it is meant to accompany.
    began = time.monotonic()
    interval = max(0.01, (stop_at - began) / max(1, per_thread))

    def worker(k: int) -> None:
        session = requests.Session()
        for i in range(per_thread):
            if time.monotonic() > stop_at:
                return
            time.sleep(max(0.0, began + i * interval + k * interval / API_THREADS - time.monotonic()))
            user = users[(k + i) % len(users)]
            path = paths[i % len(paths)].format(bot=user["bots"][i % len(user["bots"])])
            started = time.perf_counter()
            try:
                r = session.get(
                    f"{base}/api/v1{path}", headers={"Authorization": f"Bearer {user['token']}"}, timeout=60
                )
                status = r.status_code
            except requests.RequestException as exc:
                status = 599
                with lock:
                    stats.failures.append(f"{path}: {type(exc).__name__}")
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                stats.latencies_ms.append(elapsed)
                stats.statuses[status] += 1

    threads = [threading.Thread(target=worker, args=(k,), daemon=True) for k in range(API_THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def queue_depth(sqs: Any, url: str) -> int:
    attrs = sqs.get_queue_attributes(
        QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    )["Attributes"]
    return int(attrs["ApproximateNumberOfMessages"]) + int(attrs["ApproximateNumberOfMessagesNotVisible"])


def dlq_url(sqs: Any, queue_url: str) -> str:
    policy = json.loads(
        sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["RedrivePolicy"])["Attributes"]["RedrivePolicy"]
    )
    return str(sqs.get_queue_url(QueueName=policy["deadLetterTargetArn"].rsplit(":", 1)[1])["QueueUrl"])


def scan(table: Any, **kwargs: Any) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    while True:
        page = table.scan(**kwargs)
        items += page["Items"]
        if "LastEvaluatedKey" not in page:
            return items
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def reconcile(prefix: str, bot_ids: set[str]) -> dict[str, int]:
    """Every filled paper order of a soak bot is exactly one trade, and every trade is one filled order."""
    import boto3
    from boto3.dynamodb.conditions import Attr

    ddb = boto3.resource("dynamodb")
    orders = [
        o
        for o in scan(ddb.Table(f"{prefix}-paper-accounts"), FilterExpression=Attr("sk").begins_with("order#"))
        if o["account_id"] in bot_ids
    ]
    filled = Counter(str(o["sk"]).removeprefix("order#") for o in orders if float(o.get("executed_quantity") or 0))
    trades = Counter(str(t["trade_id"]) for t in scan(ddb.Table(f"{prefix}-trades")) if t["bot_id"] in bot_ids)
    return {
        "orders": sum(filled.values()),
        "trades": sum(trades.values()),
        "orders_without_trade": len(set(filled) - set(trades)),
        "trades_without_order": len(set(trades) - set(filled)),
        "duplicate_trades": sum(1 for v in trades.values() if v > 1),
    }


def main() -> int:
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("infra.local").setLevel(logging.INFO)
    os.environ.update(
        {
            "MOTO_PORT": "0",
            "API_PORT": "0",
            "LOCAL_PERSIST": "false",
            # moto in its own process: the platform and the embedded AWS each get one of the two cores.
            "MOTO_PROCESS": "true",
            "CLOCK_SPEED": str(CLOCK_SPEED),
            "CLOCK_START": CLOCK_START,
            "SQS_CONCURRENCY": SQS_CONCURRENCY,
            "SQS_WAIT_S": "1",
            "POWERTOOLS_METRICS_DISABLED": "true",
            "POWERTOOLS_TRACE_DISABLED": "true",
            "POWERTOOLS_LOG_LEVEL": "ERROR",
            "LOGIN_MAX_PER_IP": "100000",
            # 1,000 bots among 10 users is 100 each, more than the default per-user quotas allow.
            "TRADEBOT_QUOTA_BOTS": "-1",
            "TRADEBOT_QUOTA_RUNNING_BOTS": "-1",
            "FRONTEND_DIST": "/nonexistent",
        }
    )
    from infra.local import web
    from infra.local.runtime import LocalRuntime, RuntimeOptions

    # Quiet: one access-log line per request and one metrics document per invocation would cost more CPU
    # than the requests themselves in this single process.
    web.SpaRequestHandler.log_message = lambda *args, **kwargs: None  # type: ignore[method-assign]
    from chalicelib.observability import metrics

    metrics.flush_metrics = lambda *args, **kwargs: metrics.clear_metrics()  # type: ignore[method-assign]
    logging.getLogger("urllib3.connectionpool").setLevel(logging.ERROR)

    wall_start = time.monotonic()
    runtime = LocalRuntime(RuntimeOptions.from_env(os.environ))
    runtime.start()
    try:
        from chalicelib import bootstrap

        clock = bootstrap.container().clock
        ticks = TickStats()
        instrument_ticks(ticks, clock)
        print(f"runtime up in {time.monotonic() - wall_start:.1f}s at {runtime.api_url}", flush=True)
        t0 = time.monotonic()
        users = create_fleet(runtime.api_url)
        bot_ids = {b for u in users for b in u["bots"]}
        setup_s = time.monotonic() - t0
        print(f"{len(bot_ids)} bots across {len(users)} users created and started in {setup_s:.1f}s", flush=True)
        # Access tokens live 15 market minutes: sign in again so the load phase does not run on expired ones.
        for user in users:
            r = requests.post(
                f"{runtime.api_url}/api/v1/auth/login", json={"email": user["email"], "password": PASSWORD}, timeout=120
            )
            r.raise_for_status()
            user["token"] = r.json()["access_token"]
        market_from = clock.now_ms()
        market_until = market_from + MARKET_MINUTES * 60_000
        wall_for_market = (market_until - market_from) / 1000 / CLOCK_SPEED
        api = ApiStats()
        loader = threading.Thread(
            target=load, args=(runtime.api_url, users, api, time.monotonic() + wall_for_market), daemon=True
        )
        loader.start()
        while clock.now_ms() < market_until:
            time.sleep(2)
            print(
                f"  market {datetime.fromtimestamp(clock.now_ms() / 1000, UTC):%H:%M:%S}  ticks "
                f"{sum(ticks.results.values())}  api {sum(api.statuses.values())}",
                flush=True,
            )
        if runtime._scheduler is not None:
            runtime._scheduler.stop(timeout=60)  # no new minutes; drain what was dispatched
        loader.join()
        import boto3

        sqs = boto3.client("sqs")
        tick_url = runtime.outputs["TickQueueUrl"]
        drain_start = time.monotonic()
        while queue_depth(sqs, tick_url) and time.monotonic() - drain_start < DRAIN_TIMEOUT_S:
            time.sleep(2)
        left = queue_depth(sqs, tick_url)
        dlq = queue_depth(sqs, dlq_url(sqs, tick_url))
        recon = reconcile(f"{runtime.options.app_name}-{runtime.options.stage}", bot_ids)
        market_minutes = (clock.now_ms() - market_from) / 60_000
    finally:
        runtime.stop()
    wall = time.monotonic() - wall_start
    ok = sum(v for k, v in api.statuses.items() if 200 <= k < 300)
    api_errors = sum(api.statuses.values()) - ok
    expected = BOTS * MARKET_MINUTES
    rows = [
        ("bots / users", f"{BOTS} / {USERS}"),
        ("market minutes (clock x speed)", f"{market_minutes:.1f} (x{CLOCK_SPEED:g})"),
        ("ticks processed (run by workers)", f"{sum(ticks.results.values())} (~{expected} due)"),
        ("tick outcomes", ", ".join(f"{k} {v}" for k, v in ticks.results.most_common())),
        (
            "tick latency p50 / p95 / p99 ms",
            p3(ticks.latencies_ms),
        ),
        (
            "tick lag p50 / p95 / p99",
            p3([lag / 1000 / CLOCK_SPEED for lag in ticks.lags_ms]) + " (wall s)",
        ),
        ("tick errors", str(sum(ticks.errors.values())) + (f" {dict(ticks.errors)}" if ticks.errors else "")),
        ("tick messages left / in DLQ", f"{left} / {dlq}"),
        ("API requests (2xx / other)", f"{sum(api.statuses.values())} ({ok} / {api_errors})"),
        (
            "API latency p50 / p95 / p99 ms",
            p3(api.latencies_ms),
        ),
        ("orders filled / trades recorded", f"{recon['orders']} / {recon['trades']}"),
        (
            "orders w/o trade / trades w/o order / dup",
            f"{recon['orders_without_trade']} / {recon['trades_without_order']} / {recon['duplicate_trades']}",
        ),
        ("setup (fleet) / total wall time s", f"{setup_s:.0f} / {wall:.0f}"),
        ("setup 5xx retried (moto timeouts)", str(len(SETUP_RETRIES))),
    ]
    width = max(len(k) for k, _ in rows)
    print()
    print("| " + "metric".ljust(width) + " | value |")
    print("|" + "-" * (width + 2) + "|-------|")
    for k, v in rows:
        print(f"| {k.ljust(width)} | {v} |")
    reconciled = recon["orders_without_trade"] == recon["trades_without_order"] == recon["duplicate_trades"] == 0
    failed = not reconciled or dlq > 0 or api_errors > 0 or sum(ticks.errors.values()) > 0
    print("\nRESULT:", "FAIL" if failed else "OK", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
