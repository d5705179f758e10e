"""GIVEN a position whose entry was paired at another price than the replay's WHEN a fill follows on one side only
THEN its reason is `fill_price` (bucket slippage): the engine's later decisions (stops from the entry, DCA safety
levels from the base order, grid lots) follow the fill prices. Once both sides are flat again, or when the entry
was at the replay's price, an unmatched fill is what it was before (unknown / missed_tick)."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal as D

from chalicelib.domain.drift.attribution import report
from chalicelib.domain.drift.matching import Matched
from chalicelib.domain.drift.model import Bucket, RunFacts, SideFill, Why

MIN = 60_000
T0 = 1_700_000_000_000
FACTS = RunFacts("running", None, None, None, T0 + 60 * MIN, 0, None)


def fill(id_: str, side: str, tick: int, price: str, qty: str = "0.01") -> SideFill:
    p, q = D(price), D(qty)
    fee = p * q / 1000
    return SideFill(id=id_, side=side, leg="main", tick_at=tick, executed_at_ms=tick, price=p, quantity=q,
                    quote=p * q, fee=fee, fee_asset="USDT", fee_rate=D("0.001"), held=q, cash_fee=fee,
                    reason="signal")  # fmt: skip


def test_a_safety_buy_the_replay_did_not_make_follows_the_entry_price() -> None:
    live_entry, bt_entry = fill("live-1", "BUY", T0, "20010"), fill("bt-1", "BUY", T0, "20000")
    safety = fill("live-2", "BUY", T0 + 3 * MIN, "19990")
    matched = Matched(tick=[(live_entry, bt_entry)], late=[], live_only=[safety], backtest_only=[])
    r = report(matched, FACTS, D("20000"))
    [u] = r.unmatched
    assert (u.side, u.why) == ("live", Why.FILL_PRICE) and "20010" in u.detail and "20000" in u.detail
    assert r.buckets[Bucket.UNEXPLAINED] == 0
    pair_slippage = -(D("20010") - D("20000")) * D("0.01")
    assert r.buckets[Bucket.SLIPPAGE] == pair_slippage + u.amount
    assert sum(r.buckets.values()) == r.live_pnl - r.backtest_pnl


def test_at_the_replays_price_or_after_both_sides_were_flat_it_is_unexplained_again() -> None:
    entry = fill("bt-1", "BUY", T0, "20000")
    stray = fill("live-2", "BUY", T0 + 3 * MIN, "19990")
    same = Matched(tick=[(replace(entry, id="live-1"), entry)], late=[], live_only=[stray], backtest_only=[])
    assert [u.why for u in report(same, FACTS, D("20000")).unmatched] == [Why.UNKNOWN]
    exit_bt, exit_live = fill("bt-2", "SELL", T0 + MIN, "20050"), fill("live-3", "SELL", T0 + MIN, "20040")
    flat = Matched(
        tick=[(replace(entry, id="live-1", price=D("20010")), entry), (exit_live, exit_bt)],
        late=[], live_only=[stray], backtest_only=[],
    )  # fmt: skip
    assert [u.why for u in report(flat, FACTS, D("20000")).unmatched] == [Why.UNKNOWN]
