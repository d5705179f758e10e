"""How the optimization service is built: the jobs store, the artifacts bucket for an uploaded CSV, the
jobs queue its coordinator and trial messages travel on, and the per-user limits from the settings."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from chalicelib.bootstrap.container import Container
    from chalicelib.services.optimizations import OptimizationService


def optimizations(c: Container) -> OptimizationService:
    from chalicelib.services.optimizations import Limits, OptimizationService

    extra = c.settings.extra
    limits = Limits(
        max_active=int(extra.get("TRADEBOT_OPT_MAX_ACTIVE", "2")),
        max_trials=int(extra.get("TRADEBOT_OPT_MAX_TRIALS", "2000")),
        max_bars=int(extra.get("TRADEBOT_OPT_MAX_BARS", "200000")),
        batch=int(extra.get("TRADEBOT_OPT_BATCH", "40")),
        vector=int(extra.get("TRADEBOT_OPT_VECTOR", "8")),
    )
    return OptimizationService(
        store=c.ports.optimizations,
        blobs=c.ports.results,
        queue=c.queue(c.settings.jobs_queue_url),
        market=c.market,
        market_for=c.user_market,
        clock=c.clock,
        limits=limits,
    )
