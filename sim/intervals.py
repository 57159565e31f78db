"""Means with 95% intervals, for a comparison's differences and for levels that cannot leave their range.

One home for the statistics that the experiment report, the validation suite and the replay's branch
ensembles all give: a t interval for a mean (`mean_ci`), and for a level of an outcome an interval kept
inside the range the registry gives it (`level_ci`). A leaf: numbers in, numbers out.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from sim import outcomes

#: Below this many pairs no difference is called better or worse, whatever its interval says.
MIN_PAIRS = 3


@dataclass(frozen=True)
class Estimate:
    """A mean with its 95% t interval; `low`/`high` are NaN when n < 2 (no interval can be given)."""

    n: int
    mean: float
    low: float
    high: float

    @property
    def has_interval(self) -> bool:
        return self.n >= 2 and math.isfinite(self.low) and math.isfinite(self.high)

    @property
    def excludes_zero(self) -> bool:
        return self.has_interval and (self.low > 0 or self.high < 0)

    @property
    def no_spread(self) -> bool:
        """Every value the same: a zero-width interval says nothing about uncertainty (a price fixed by the
        levers, or too few runs to vary), so it never resolves a difference."""
        return self.has_interval and self.high - self.low <= 1e-9 * max(1.0, abs(self.mean))

    @property
    def resolved(self) -> bool:
        """The interval excludes zero, from enough pairs and with some spread: only then is a difference
        called better or worse."""
        return self.n >= MIN_PAIRS and self.excludes_zero and not self.no_spread

    def as_json(self) -> dict[str, Any]:
        """The estimate as JSON (NaN, which JSON cannot write, as null)."""
        return {"n": self.n, "mean": _finite(self.mean), "low": _finite(self.low), "high": _finite(self.high)}


def mean_ci(values: Iterable[float], level: float = 0.95) -> Estimate:
    """Mean and t interval of the finite values (NaN outcomes, e.g. no lead ever acted on, are ignored)."""
    x = np.asarray(pd.to_numeric(pd.Series(list(values), dtype=object), errors="coerce"), dtype=float)
    x = x[np.isfinite(x)]
    n = int(x.size)
    if n == 0:
        return Estimate(0, math.nan, math.nan, math.nan)
    mean = float(x.mean())
    if n < 2:
        return Estimate(n, mean, math.nan, math.nan)
    half = float(stats.t.ppf(0.5 + level / 2, n - 1) * x.std(ddof=1) / math.sqrt(n))
    return Estimate(n, mean, mean - half, mean + half)


def _bounds(key: str | None) -> tuple[float | None, float | None]:
    """The range a level of this outcome can take, from the registry; unbounded for unknown columns."""
    if key is None:
        return None, None
    try:
        entry = outcomes.get(key)
    except KeyError:
        return None, None
    return entry.lower, entry.upper


def level_ci(values: Iterable[float], key: str | None = None, level: float = 0.95) -> Estimate:
    """Mean of a level with a 95% interval that stays inside the range the outcome can take.

    A count, an amount or a rate cannot go below zero, and a share lies in 0-1, yet a t interval of a few
    skewed runs can cross those bounds ([-36, 77] for a count). Here the t interval is taken on the log
    scale of the distance from the lower bound (on the logit scale for a share), by the delta method, and
    mapped back: the same width when narrow, never outside the range, and wider on the open side, as for
    counts. Columns the registry does not know, and data already outside the bounds, keep the t interval.
    """
    x = np.asarray(pd.to_numeric(pd.Series(list(values), dtype=object), errors="coerce"), dtype=float)
    x = x[np.isfinite(x)]
    plain = mean_ci(x, level)
    lower, upper = _bounds(key)
    if not plain.has_interval or lower is None or plain.high <= plain.low:
        return plain
    if x.min() < lower or (upper is not None and x.max() > upper):
        return plain
    n, mean = plain.n, plain.mean
    se = float(x.std(ddof=1) / math.sqrt(n))
    t = float(stats.t.ppf(0.5 + level / 2, n - 1))
    if upper is None:
        scale = mean - lower  # > 0: values at or above the bound that vary
        half = t * se / scale
        return Estimate(n, mean, lower + scale * math.exp(-half), lower + scale * math.exp(half))
    width = upper - lower
    p = (mean - lower) / width
    if not 0 < p < 1:
        return plain
    centre, half = math.log(p / (1 - p)), t * (se / width) / (p * (1 - p))
    return Estimate(n, mean, lower + width * _expit(centre - half), lower + width * _expit(centre + half))


def _expit(z: float) -> float:
    return 1 / (1 + math.exp(-z))


def _finite(value: float) -> float | None:
    return float(value) if math.isfinite(value) else None
