"""The signal webhook's latency under load: 50 concurrent senders POST TradingView-style signals over HTTP to
the API on 127.0.0.1 (Chalice's local server, as `make run` serves it) backed by the embedded AWS (moto in its
own process). Each answer is a 202 that recorded and queued the signal. TradingView gives a webhook 3 s; the
target is a p95 well under it. Locally the run is CPU-bound (the API, moto and the senders share the machine's
cores), so the concurrent p95 is mostly queueing: compare it with the one-sender line. On Lambda each request
has its own instance, and the four DynamoDB calls (token, rate counters, bot, one transaction) and the one SQS
send take a few ms each.

The per-bot and per-user rate limits are raised for the run: this measures the webhook, not the limiter (a
429 is cheaper than a 202 anyway).

    .venv/bin/python -m bench.signals [--senders 50 --per-sender 20]
"""

from __future__ import annotations

import argparse
import os
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

TRADINGVIEW_LIMIT_MS = 3000


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else 0.0


def _serve() -> str:
    from pathlib import Path

    from app import app
    from infra.local.runtime import _chalice_config
    from infra.local.web import create_server

    server = create_server(app, _chalice_config(Path(__file__).resolve().parents[1], "dev"), "127.0.0.1", 0)
    host, port = server.server.server_address[:2]
    threading.Thread(target=server.serve_forever, name="api", daemon=True).start()
    return f"http://{host}:{port}/api/v1"


def _signal_bot(session: Any, api: str) -> str:
    email, password = f"bench-{uuid.uuid4().hex[:8]}@example.com", "correct horse battery staple"
    assert session.post(f"{api}/auth/register", json={"email": email, "password": password}).status_code == 202
    jwt = session.post(f"{api}/auth/login", json={"email": email, "password": password}).json()["access_token"]
    auth = {"Authorization": f"Bearer {jwt}"}
    body = {"name": "bench", "strategy": "signal", "params": {}, "symbol": "BTCUSDT", "interval": "1m",
            "mode": "paper", "budget": "1000", "risk": {}}  # fmt: skip
    bot = session.post(f"{api}/bots", json=body, headers=auth).json()
    assert session.post(f"{api}/bots/{bot['id']}/start", headers=auth).status_code == 200
    return str(session.post(f"{api}/bots/{bot['id']}/signal-secret", headers=auth).json()["url"])


def _sender(url: str, count: int, sender: int) -> list[tuple[float, int]]:
    import requests

    session = requests.Session()
    results = []
    for i in range(count):
        body = f'{{"action":"buy","ticker":"BTCUSDT","signal_id":"s{sender}-{i}","close":"50000"}}'
        started = time.perf_counter()
        answer = session.post(url, data=body, headers={"content-type": "application/json"}, timeout=30)
        results.append(((time.perf_counter() - started) * 1000, answer.status_code))
    session.close()
    return results


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--senders", type=int, default=50)
    parser.add_argument("--per-sender", type=int, default=20)
    args = parser.parse_args()
    os.environ.update(TRADEBOT_SIGNALS_PER_BOT_MINUTE="1000000", TRADEBOT_SIGNALS_PER_USER_MINUTE="1000000")
    from bench._embedded import start

    start("benchsig")
    import requests

    api = _serve()
    url = _signal_bot(requests.Session(), api)
    _sender(url, 10, -1)  # warm: imports, first connections, pynamodb clients
    alone = [ms for ms, _ in _sender(url, 20, -2)]
    started = time.perf_counter()
    with ThreadPoolExecutor(args.senders) as pool:
        runs = list(pool.map(lambda n: _sender(url, args.per_sender, n), range(args.senders)))
    wall = time.perf_counter() - started
    latencies = [ms for run in runs for ms, _ in run]
    statuses = sorted({status for run in runs for _, status in run})
    p95 = _pct(latencies, 0.95)
    print(f"signal webhook, one sender: p50 {_pct(alone, 0.5):.0f} ms  p95 {_pct(alone, 0.95):.0f} ms")
    print(f"signal webhook, {args.senders} concurrent senders x {args.per_sender} signals on 127.0.0.1")
    print(f"  requests {len(latencies)}  statuses {statuses}  throughput {len(latencies) / wall:.0f}/s")
    print(f"  p50 {_pct(latencies, 0.5):.0f} ms  p95 {p95:.0f} ms  p99 {_pct(latencies, 0.99):.0f} ms  "
          f"max {max(latencies):.0f} ms  (TradingView's limit: {TRADINGVIEW_LIMIT_MS} ms)")  # fmt: skip
    if statuses != [202] or p95 >= TRADINGVIEW_LIMIT_MS:
        raise SystemExit("the webhook's p95 is over TradingView's limit, or a signal was not accepted")


if __name__ == "__main__":
    main()
