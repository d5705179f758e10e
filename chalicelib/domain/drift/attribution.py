"""The gap live PnL - backtest PnL, split into buckets that add up to it exactly (docs/drift.md).

Each fill's part of its side's PnL is `SideFill.pnl(end_price)`, so the gap is the sum over fills. A tick pair's
difference splits into slippage (the price difference on the live quantity), fees (backtest fee - live fee) and
quantity (the rest: rounding, dust, cash carried from earlier fills), and so does a bar pair's (a resting order
filled on the same bar on both sides: its price difference is the live order's price rounded to the tick size);
a late pair's into fees and timing. An
unmatched fill's whole part goes to the bucket of its reason."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from decimal import Decimal

from chalicelib.domain.drift.matching import Matched
from chalicelib.domain.drift.model import BUCKET_OF, Bucket, Pair, Report, RunFacts, SideFill, Unmatched, Why, q
from chalicelib.domain.drift.reasons import Reasons

BPS = Decimal(10_000)


def pair(live: SideFill, backtest: SideFill, kind: str, end_price: Decimal) -> Pair:
    diff = live.pnl(end_price) - backtest.pnl(end_price)
    fees = q(backtest.fee - live.fee)
    worse = live.price - backtest.price if live.side == "BUY" else backtest.price - live.price
    if kind in ("tick", "bar"):
        slippage = q(-worse * live.quantity)
        amounts = {Bucket.SLIPPAGE: slippage, Bucket.FEES: fees, Bucket.QUANTITY: diff - slippage - fees}
    else:
        amounts = {Bucket.FEES: fees, Bucket.TIMING: diff - fees}
    return Pair(
        live=live, backtest=backtest, kind=kind, time_ms=live.executed_at_ms - (backtest.tick_at or 0),
        slippage_bps=worse / backtest.price * BPS if backtest.price else Decimal(0), fee_diff=live.fee - backtest.fee,
        fee_rate_diff=live.fee_rate - backtest.fee_rate, quantity_diff=live.quantity - backtest.quantity,
        amounts=amounts,
    )  # fmt: skip


def report(matched: Matched, facts: RunFacts, end_price: Decimal, carried: Decimal = Decimal(0)) -> Report:
    """`carried`: what the position both sides held at `from` gained by the period's end (part of both PnLs,
    so of no bucket)."""
    pairs = [pair(lv, bt, "tick", end_price) for lv, bt in matched.tick]
    pairs += [pair(lv, bt, "bar", end_price) for lv, bt in matched.bar]
    pairs += [pair(lv, bt, "late", end_price) for lv, bt in matched.late]
    unmatched = Reasons(facts, matched, end_price).explain()
    buckets = dict.fromkeys(Bucket, Decimal(0))
    for p in pairs:
        for bucket, amount in p.amounts.items():
            buckets[bucket] += amount
    for u in unmatched:
        buckets[BUCKET_OF[u.why]] += u.amount
    live = carried + pnl_of([lv for lv, _ in matched.paired] + matched.live_only, end_price)
    backtest = carried + pnl_of([bt for _, bt in matched.paired] + matched.backtest_only, end_price)
    return Report(live, backtest, buckets, sorted(pairs, key=lambda p: p.backtest.executed_at_ms), unmatched)


def with_config(followed: Report, at_from_pnl: Decimal) -> Report:
    """The report against the backtest of the configuration in force at `from`: `followed` compares the live
    trades with the replay that follows the config history; the edits' effect, PnL(followed) - PnL(at from),
    is the config bucket, so the buckets still add up to live - backtest exactly."""
    buckets = dict(followed.buckets)
    buckets[Bucket.CONFIG] += followed.backtest_pnl - at_from_pnl
    return replace(followed, backtest_pnl=at_from_pnl, buckets=buckets, history_pnl=followed.backtest_pnl)


def pnl_of(fills: Sequence[SideFill], end_price: Decimal) -> Decimal:
    return sum((f.pnl(end_price) for f in fills), Decimal(0))


__all__ = ["Unmatched", "Why", "pair", "pnl_of", "report", "with_config"]
