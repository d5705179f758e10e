"""Builders of drift's jobs: the cached / queued reports and the daily alert (docs/drift.md)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from chalicelib.bootstrap.container import Container
    from chalicelib.domain.drift.model import Report
    from chalicelib.services.drift_alerts import DriftAlerts
    from chalicelib.services.drift_jobs import DriftJobs


def render(report: Report, source: str) -> dict[str, Any]:
    """The route's 200 body, so a stored answer is byte for byte what the inline path serves."""
    from chalicelib.api.routes.drift import drift_out

    return drift_out(report, source).model_dump(mode="json")


def drift_jobs(c: Container) -> DriftJobs:
    from chalicelib.services.drift_jobs import DriftJobs

    return DriftJobs(
        drift=c.drift,
        get_bot=c.bots.get,
        store=c.ports.drift_reports,
        queue=c.queue(c.settings.jobs_queue_url),
        render=render,
        clock=c.clock,
    )


def drift_alerts(c: Container) -> DriftAlerts:
    from chalicelib.bootstrap.trading import notifier
    from chalicelib.services.drift_alerts import DriftAlerts

    return DriftAlerts(
        store=c.ports.drift_reports,
        claims=c.ports.claims,
        queue=c.queue(c.settings.jobs_queue_url),
        index=c.ports.bots,
        shards=c.settings.schedule_shards,
        get_bot=c.bots.get,
        reports=c.drift_jobs,
        notifier=notifier(c),  # type: ignore[arg-type]
        quote_asset=lambda symbol: c.symbol_catalog.symbol_rules(symbol).quote_asset,
        clock=c.clock,
    )
