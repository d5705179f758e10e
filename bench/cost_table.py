"""The tables bench/cost.py prints: per kind of work, per bot-month for 1m/15m/1h bots, and an idle stage."""

from __future__ import annotations

import re
import statistics
from pathlib import Path

from bench.cost_run import Measured, Result, mean_usage
from bench.prices import MINUTES_PER_MONTH, PRICES_DATE, TickUsage, bot_month, fixed_egress, idle_stage, usage_cost

REPO = Path(__file__).resolve().parents[1]
INTERVALS = (("1m", 1), ("15m", 15), ("1h", 60))


def stage_counts(idle_metrics: int) -> dict[str, int]:
    """What an idle stage pays for by the month, counted in the templates that create it."""
    infra = {name: (REPO / "infra" / name).read_text() for name in ("stack.yaml", "observability.yaml", "waf.yaml")}
    every = "\n".join(infra.values())

    def count(resource: str) -> int:
        return len(re.findall(rf"Type: AWS::{resource}\s*$", every, flags=re.M))

    return {
        "kms_keys": count("KMS::Key"),
        "secrets": count("SecretsManager::Secret"),
        "alarms": count("CloudWatch::Alarm"),
        "dashboards": count("CloudWatch::Dashboard"),
        "web_acls": count("WAFv2::WebACL"),
        "waf_rules": len(re.findall(r"^ {10}Priority:", infra["waf.yaml"], flags=re.M)),
        "sqs_polled_queues": (REPO / "app.py").read_text().count("@app.on_sqs_message"),
        "idle_metrics": idle_metrics,
    }


def _dollars(value: float) -> str:
    return f"{value:.4f}" if value < 10 else f"{value:.2f}"


def _work_rows(result: Result) -> list[tuple[str, int, list[Measured], TickUsage]]:
    dispatch = [m for _, m in result.dispatches]
    return [
        ("quiet tick", len(result.quiet), result.quiet, mean_usage(result.tick(result.quiet))),
        ("trading tick", len(result.trading), result.trading, mean_usage(result.tick(result.trading))),
        ("dispatch, per bot", sum(n for n, _ in result.dispatches), dispatch, result.dispatch_per_tick()),
        ("dispatcher, idle minute", 1, [result.idle_minute], result.idle_dispatcher_minute()),
        ("candle fill, per symbol", len(result.candle_fills), result.candle_fills,
         mean_usage(result.tick(result.candle_fills))),
        ("a bot's first tick (once)", len(result.first_ticks), result.first_ticks,
         mean_usage(result.tick(result.first_ticks))),
        ("resting: quiet tick", len(result.resting_quiet), result.resting_quiet,
         mean_usage(result.tick(result.resting_quiet))),
        ("resting: fill, re-arm", len(result.resting_trading), result.resting_trading,
         mean_usage(result.tick(result.resting_trading))),
    ]  # fmt: skip


def _wall(m: Measured) -> float:
    return m.seconds if m.wall_seconds is None else m.wall_seconds


def invocation_line(result: Result) -> str:
    """How the worker's invocations were billed: the ticks they carried and their billed duration."""
    runs = result.invocations
    if not runs:
        return ""
    ticks = sum(r.records for r in runs)
    billed = sum(r.billed_seconds for r in runs) * 1000
    median = statistics.median(r.billed_seconds * 1000 for r in runs)
    return (
        f"  worker invocations: {len(runs)} of {ticks / len(runs):.1f} ticks on average, billed "
        f"median {median:.0f} ms, {billed / ticks:.1f} ms per tick"
    )


def work_table(result: Result) -> list[str]:
    head = ("work", "count", "DDB calls", "RRU", "WRU", "SQS req", "wall ms", "CPU ms", "GB-s", "log B", "US$/1M")
    lines = ["  " + f"{head[0]:<25}{head[1]:>6}{head[2]:>11}" + "".join(f"{h:>9}" for h in head[3:])]
    for name, count, rows, usage in _work_rows(result):
        calls = [m.usage.dynamo_calls() for m in rows]
        calls_text = f"{int(statistics.median(calls))}/{max(calls)}" if calls and "per bot" not in name else "-"
        wall = statistics.median([_wall(m) * 1000 for m in rows]) if rows else 0.0
        cpu = statistics.median([m.cpu_seconds * 1000 for m in rows]) if rows else 0.0
        per_million = sum(usage_cost(usage).values()) * 1e6
        lines.append(
            f"  {name:<25}{count:>6}{calls_text:>11}{usage.read_units:>9.2f}{usage.write_units:>9.2f}"
            f"{usage.sqs_requests:>9.2f}{wall:>9.1f}{cpu:>9.1f}{usage.lambda_gb_seconds:>9.4f}"
            f"{usage.log_bytes:>9.0f}{per_million:>9.2f}"
        )
    return lines


def read_breakdown(result: Result) -> str:
    """Where a quiet tick's read units go, by table (bytes read / units)."""
    rows = result.quiet
    if not rows:
        return ""
    units, size = rows[0].usage.read_units_by_table.copy(), rows[0].usage.read_bytes_by_table.copy()
    for m in rows[1:]:
        units.update(m.usage.read_units_by_table)
        size.update(m.usage.read_bytes_by_table)
    parts = [f"{t} {size[t] / len(rows):,.0f} B = {units[t] / len(rows):.2f} RRU" for t in sorted(units)]
    wrote = sum(1 for m in rows if m.usage.dynamo_calls() > 1)
    return (
        "  quiet tick reads, by table: " + "; ".join(parts) + "\n"
        f"  quiet ticks that wrote the state (an engine state change, the heartbeat): "
        f"{wrote} of {len(rows)}"
    )


def month_columns(result: Result, trading_share: float) -> dict[str, dict[str, float]]:
    """US$ by line for a 1m, 15m and 1h bot trading at market, and a 1m grid bot whose limit orders rest on the
    exchange (its quiet ticks check them; at the share of its ticks that booked a fill and re-armed in the run).
    A bot whose bars are HEARTBEAT_MS or more apart writes its state on every quiet tick: the quiet ticks that
    wrote stand for its quiet ticks."""
    from chalicelib.services.tick.service import HEARTBEAT_MS

    quiet, trading = mean_usage(result.tick(result.quiet)), mean_usage(result.tick(result.trading))
    wrote = [m for m in result.quiet if m.usage.dynamo_calls() > 1] or result.quiet
    quiet_writing = mean_usage(result.tick(wrote))
    columns = [
        (f"{label} bot", quiet_writing if minutes * 60_000 >= HEARTBEAT_MS else quiet, trading, minutes, trading_share)
        for label, minutes in INTERVALS
    ]
    if result.resting_quiet:
        resting = mean_usage(result.tick(result.resting_quiet)), mean_usage(result.tick(result.resting_trading))
        columns.append(("1m resting", *resting, 1, resting_share(result)))
    return {label: bot_month(q, t, result.dispatch_per_tick(), minutes, share)
            for label, q, t, minutes, share in columns}  # fmt: skip


def month_table(result: Result, trading_share: float) -> list[str]:
    months = month_columns(result, trading_share)
    lines = ["  " + f"{'US$ per bot-month':<25}" + "".join(f"{label:>12}" for label in months)]
    for line in next(iter(months.values())):
        lines.append(f"  {line:<25}" + "".join(f"{_dollars(month[line]):>12}" for month in months.values()))
    totals = "".join(f"{_dollars(sum(month.values())):>12}" for month in months.values())
    lines.append(f"  {'total':<25}{totals}")
    return lines


def resting_share(result: Result) -> float:
    """The share of the grid bots' ticks that booked a fill and re-armed."""
    ticks = len(result.resting_quiet) + len(result.resting_trading)
    return len(result.resting_trading) / ticks if ticks else 0.0


def idle_table(result: Result) -> list[str]:
    counts = stage_counts(len(result.idle_minute.metric_names))
    lines_ = idle_stage(counts, result.idle_dispatcher_minute())
    lines = [f"  {'US$ per month, idle stage':<36}{'':>12}"]
    lines += [f"  {name:<36}{_dollars(value):>12}" for name, value in lines_.items()]
    lines.append(f"  {'total':<36}{_dollars(sum(lines_.values())):>12}")
    fill = sum(usage_cost(mean_usage(result.tick(result.candle_fills))).values()) * MINUTES_PER_MONTH
    lines.append(f"  {'+ per symbol 1m bots trade (candles)':<36}{_dollars(fill):>12}")
    lines.append(f"  {'+ EGRESS=fixed (2 NAT gateways)':<36}{_dollars(fixed_egress(2)):>12}")
    return lines


def render(result: Result, trading_share: float, elapsed: float) -> str:
    out = [
        f"Cost model (bench/cost.py; docs/cost.md): {result.bots} paper 1m bots and {result.resting_bots} grid bots "
        f"with resting orders, {len(result.dispatches)} minutes on the embedded AWS, {elapsed:.0f} s; us-east-1 list "
        f"prices of {PRICES_DATE}",
        "",
        *work_table(result),
        read_breakdown(result),
        invocation_line(result),
        "",
        f"  (a month of 43,200 minutes; {trading_share:.0%} of ticks trade, {resting_share(result):.0%} of the grid's "
        "book a fill and re-arm; a tick's Lambda time: its share of the billed duration of a worker invocation of up "
        "to 10 ticks, measured against moto)",
        *month_table(result, trading_share),
        "",
        *idle_table(result),
    ]
    return "\n".join(out)
