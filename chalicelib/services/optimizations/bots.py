"""A trial as a bot: the body of the bot-creation service (services/bots.py) with the trial's parameters."""

from __future__ import annotations

from typing import Any

from chalicelib.domain.errors import InvalidInput, NotFound
from chalicelib.domain.optimization.job import COMPLETE, NO_SCORE
from chalicelib.services.optimizations.evaluate import trial_inputs
from chalicelib.services.optimizations.service import OptimizationService


def trial_bot(service: OptimizationService, user_id: str, job_id: str, body: dict[str, Any]) -> dict[str, Any]:
    """What `BotService.create` takes for the trial `body["trial"]` of the caller's job (the bot is created
    stopped, paper unless the body says live)."""
    job = service.get(user_id, job_id)
    number = int(body["trial"])
    found = [t for t in service.trials(job) if t.number == number]
    if not found or found[0].state not in (COMPLETE, NO_SCORE):
        raise NotFound(f"No evaluated trial {number} in this optimization.", code="trial_not_found",
                       details=[{"field": "trial", "message": "not an evaluated trial of this optimization"}])
    # A CSV job without a symbol is labelled "CSV" (as backtests label it): no market a bot could trade.
    symbol = body.get("symbol") or (job.symbol if job.source == "range" or job.symbol != "CSV" else None)
    if symbol is None:
        raise InvalidInput("symbol: the job ran on a CSV; say which symbol the bot trades",
                           details=[{"field": "symbol", "message": "is required for a CSV job"}])
    params, risk = trial_inputs(job.spec, found[0].point)
    return {
        "name": body.get("name") or f"{job.spec.strategy} trial {number}",
        "strategy": job.spec.strategy,
        "params": params,
        "risk": risk,
        "symbol": symbol,
        "interval": job.interval,
        "mode": body.get("mode") or "paper",
        "budget": body.get("budget") or f"{job.spec.cash:.2f}",
        "api_key_id": body.get("api_key_id"),
    }
