"""Out-of-sample validation: which bars the search may see, and when its result looks overfitted.

* `{test_pct: p}`: the search sees the first (100 - p)% of the bars; the last p% are held out.
* `{walk_forward_folds: k}`: the bars are cut into k + 1 equal segments S0..Sk. Every trial is scored on the
  k anchored training windows W_i = S0..Si (i < k); its reported in-sample metrics are on W_{k-1}. For each
  fold i the trial best on W_i is then run on S_{i+1}, which that choice never saw (anchored walk-forward,
  without re-running the sampler per fold). The last fold's test segment Sk is the held-out part.

The top K trials are always re-run on the held-out part. Overfitting rule: when the best trial's
out-of-sample objective is below OVERFIT_FRACTION of its in-sample objective (and the in-sample one is
positive), the result carries a warning. Objectives like Sharpe are comparable across lengths; total return
is not, which is why the rule compares the objective, not a raw return, and the doc says so."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from chalicelib.domain.errors import InvalidInput

OVERFIT_FRACTION = 0.5
TOP_K = 5
MIN_SEGMENT_BARS = 50
DEFAULT_VALIDATION: dict[str, Any] = {"test_pct": 30}


@dataclass(frozen=True)
class Split:
    """Bar index ranges [start, stop): the search windows (one, or one per fold) and the held-out tests."""

    train: tuple[tuple[int, int], ...]
    test: tuple[tuple[int, int], ...]  # test[i] follows train[i]; the last is the held-out part

    @property
    def in_sample(self) -> tuple[int, int]:
        return self.train[-1]

    @property
    def held_out(self) -> tuple[int, int]:
        return self.test[-1]


def _bad(message: str) -> InvalidInput:
    return InvalidInput("invalid validation", code="invalid_validation",
                        details=[{"field": "validation", "message": message}])


def parse_validation(value: Any) -> dict[str, Any]:
    value = DEFAULT_VALIDATION if value is None else value
    if not isinstance(value, dict) or len(value) != 1:
        raise _bad("must be {test_pct} or {walk_forward_folds}")
    (key, number), = value.items()
    if key == "test_pct":
        if not isinstance(number, (int, float)) or isinstance(number, bool) or not 5 <= number <= 50:
            raise _bad("test_pct must be a number from 5 to 50")
        return {"test_pct": number}
    if key == "walk_forward_folds":
        if not isinstance(number, int) or isinstance(number, bool) or not 2 <= number <= 10:
            raise _bad("walk_forward_folds must be an integer from 2 to 10")
        return {"walk_forward_folds": number}
    raise _bad("must be {test_pct} or {walk_forward_folds}")


def split(bars: int, validation: dict[str, Any]) -> Split:
    if "test_pct" in validation:
        cut = bars - round(bars * validation["test_pct"] / 100)
        result = Split(((0, cut),), ((cut, bars),))
    else:
        k = int(validation["walk_forward_folds"])
        edges = [round(bars * j / (k + 1)) for j in range(k + 2)]
        result = Split(tuple((0, edges[i + 1]) for i in range(k)),
                       tuple((edges[i + 1], edges[i + 2]) for i in range(k)))
    shortest = min(stop - start for start, stop in result.train + result.test)
    if shortest < MIN_SEGMENT_BARS:
        raise InvalidInput(
            "too few candles for this validation",
            code="invalid_validation",
            details=[{"field": "validation", "message": f"every segment needs {MIN_SEGMENT_BARS} bars; "
                                                         f"the shortest would have {shortest}"}],
        )
    return result


def overfitting_warning(in_sample: float | None, out_of_sample: float | None) -> str | None:
    if in_sample is None or in_sample <= 0:
        return None
    if out_of_sample is None or out_of_sample < OVERFIT_FRACTION * in_sample:
        oos = "no score" if out_of_sample is None else f"{out_of_sample:.4g}"
        return (f"Possible overfitting: the out-of-sample objective ({oos}) is below {OVERFIT_FRACTION:.0%} of "
                f"the in-sample objective ({in_sample:.4g}).")
    return None
