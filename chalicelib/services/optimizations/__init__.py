"""Strategy optimization as a product feature (issue #19): the job, its coordination over the jobs queue,
the sampler (Optuna, imported only by `sampler`), trial evaluation and the result views.
Nothing here is imported by the API at cold start: the routes import it when a request needs it."""

from chalicelib.services.optimizations.service import Limits, OptimizationService

__all__ = ["Limits", "OptimizationService"]
