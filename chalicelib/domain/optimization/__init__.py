"""Strategy optimization, the pure part: the search space and its checks, the objectives, the validation
split and the overfitting rule, and the batch evaluation of many parameter sets in one pass. The sampler
(Optuna), the job and its queue messages live in chalicelib/services/optimizations."""

from chalicelib.domain.optimization.batch import VECTOR_FLAGS, evaluate_batch
from chalicelib.domain.optimization.objectives import DEFAULT_OBJECTIVE, OBJECTIVES, objective_value, score
from chalicelib.domain.optimization.space import Dimension, SearchSpace, parse_space, split_trial
from chalicelib.domain.optimization.validation import (
    OVERFIT_FRACTION,
    TOP_K,
    Split,
    overfitting_warning,
    parse_validation,
    split,
)

__all__ = [
    "DEFAULT_OBJECTIVE",
    "OBJECTIVES",
    "OVERFIT_FRACTION",
    "TOP_K",
    "VECTOR_FLAGS",
    "Dimension",
    "SearchSpace",
    "Split",
    "evaluate_batch",
    "objective_value",
    "overfitting_warning",
    "parse_space",
    "parse_validation",
    "score",
    "split",
    "split_trial",
]
