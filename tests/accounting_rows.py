"""The trade rows' PnL recomputed by the formula of docs/accounting.md (shared by the live-paper tests)."""

from __future__ import annotations

from decimal import Decimal as D
from typing import Any

import pytest

from chalicelib.domain import ledger

TOLERANCE = D("1e-8")  # the per-cell basis is carried in float64 by the strategy's lots


def recompute(trades: list[dict[str, Any]]) -> dict[str, list[D]]:
    """Replay the rows by the documented formula; returns the open groups' [quantity, cost, fees]."""
    groups: dict[str, list[D]] = {}
    for t in trades:
        qty, net, quote, fee = D(t["quantity"]), D(t["net_quantity"]), D(t["quote_quantity"]), D(t["fee"])
        if t["side"] == "BUY":
            g = groups.setdefault(t["group"], [D(0), D(0), D(0)])
            g[0] += net
            g[1] += quote - (qty - net) * D(t["price"])
            g[2] += fee
            assert t["realised_pnl"] is None
            continue
        names = list(groups) if t["group"] == "all" else [t["group"]]
        held = sum((groups[n][0] for n in names), D(0))
        share = min(D(1), net / held)
        sold = share * qty / net  # of the groups' basis, the part the quantity sold takes (the rest is dust)
        cost = sum((groups[n][1] for n in names), D(0)) * sold
        fees = sum((groups[n][2] for n in names), D(0)) * sold
        realised = D(t["realised_pnl"])
        assert realised == pytest.approx(quote - fee - cost - fees, abs=TOLERANCE), t
        assert t["note"] == ledger.exit_note(t["reason"], quote - cost, realised), t
        for n in names:
            g = groups[n]
            if share == 1:
                del groups[n]
            else:
                g[0], g[1], g[2] = g[0] * (1 - share), g[1] * (1 - share), g[2] * (1 - share)
    return groups
