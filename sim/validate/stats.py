"""The statistics of the validation checks, on plain numbers: each takes the per-replicate values of the
arms it compares and returns a `CheckResult` with the estimate, its 95% interval, n and the verdict.

Arms of one pattern share their replicate seeds (common random numbers), so comparisons are paired run
by run on the replicate; values that are not finite (e.g. no lead ever acted on) drop their pair.
Everything here is deterministic (the bootstrap has a fixed seed), so a report rebuilt from the same runs
says the same thing.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
import pandas as pd

from sim.intervals import Estimate, mean_ci

#: Bootstrap resamples for ratio intervals, and their fixed seed.
BOOTSTRAP_SAMPLES, BOOTSTRAP_SEED = 2000, 20260
#: Fewer finite pairs than this give no interval, hence no verdict other than fail.
MIN_PAIRS = 2


class Status(StrEnum):
    """A check's (and a pattern's) verdict. `missing`: the model does not report an outcome the check
    needs yet; `error`: runs failed, so nothing was measured."""

    passed = "pass"
    failed = "fail"
    missing = "not measurable"
    error = "error"


def combine(statuses: Sequence[Status]) -> Status:
    """A pattern's verdict from its checks': an error or a definite failure wins over a missing outcome,
    and only all checks passing is a pass."""
    for worst in (Status.error, Status.failed, Status.missing):
        if worst in statuses:
            return worst
    return Status.passed if statuses else Status.missing


@dataclass(frozen=True)
class CheckResult:
    """One check on one corridor: `statistic` names what was estimated, `rule` the pass rule."""

    check: str
    statistic: str
    rule: str
    status: Status
    estimate: float = math.nan
    low: float = math.nan
    high: float = math.nan
    n: int = 0
    note: str = ""

    def as_dict(self) -> dict[str, object]:
        return {"check": self.check, "statistic": self.statistic, "rule": self.rule, "status": str(self.status),
                "estimate": _json_number(self.estimate), "low": _json_number(self.low),
                "high": _json_number(self.high), "n": self.n, "note": self.note}


def _json_number(x: float) -> float | None:
    return float(x) if math.isfinite(x) else None


def finite(values: pd.Series | np.ndarray | Sequence[float]) -> np.ndarray:
    """The finite values as floats (None and NaN dropped)."""
    x = np.asarray(pd.to_numeric(pd.Series(list(values), dtype=object), errors="coerce"), dtype=float)
    return x[np.isfinite(x)]


def paired(a: pd.Series, b: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """The values of two arms matched on their index (the replicate), finite in both."""
    both = pd.concat([pd.to_numeric(a, errors="coerce").rename("a"), pd.to_numeric(b, errors="coerce").rename("b")],
                     axis=1, join="inner").astype(float)
    keep = np.isfinite(both["a"].to_numpy()) & np.isfinite(both["b"].to_numpy())
    return both["a"].to_numpy()[keep], both["b"].to_numpy()[keep]


def difference(a: pd.Series, b: pd.Series) -> np.ndarray:
    """b - a per replicate pair (finite in both)."""
    x, y = paired(a, b)
    return y - x


def in_direction(est: Estimate, direction: int) -> bool:
    """The 95% interval lies on the stated side of zero (+1 above, -1 below, 0 either side)."""
    if not est.has_interval:
        return False
    if direction > 0:
        return est.low > 0
    if direction < 0:
        return est.high < 0
    return est.excludes_zero


def _side(direction: int) -> str:
    return {1: "above 0", -1: "below 0"}.get(direction, "excludes 0")


# The pass rules as the report states them (also for checks that could not be measured).
def difference_rule(direction: int) -> str:
    return f"95% interval {_side(direction)}"


def level_rule(low: float | None, high: float | str | None, min_finite: float) -> str:
    """`high` may be a word (e.g. `days`, the run's length) where it is known only per run."""
    shown = f"{high:g}" if isinstance(high, float | int) else high
    bounds = ([f"> {low:g}"] if low is not None else []) + ([f"< {shown}"] if high is not None else [])
    rule = "95% interval " + " and ".join(bounds) if bounds else "finite"
    return rule + (f", finite in ≥ {min_finite:.0%} of runs" if min_finite > 0 else "")


def displacement_rule(max_ratio: float) -> str:
    return f"share falls and 95% interval < {max_ratio:g}"


def monotone_rule(direction: int) -> str:
    return (f"each step's mean {'falls' if direction < 0 else 'rises'}, none significantly reversed; "
            f"last - first {_side(direction)}")


DISPLACEMENT_STATISTIC = "relative fall in deliveries / relative fall in the focused crossing's flow share"
UNEQUAL_RULE = "first step - last step: 95% interval excludes 0"
ANY_RULE = "95% interval excludes 0 for at least one"


def paired_difference(check: str, a: pd.Series, b: pd.Series, direction: int, what: str) -> CheckResult:
    """Mean of b - a over replicate pairs, with its t interval; passes when the interval lies on the side
    of zero that `direction` states (0: either side, the two arms differ)."""
    est = mean_ci(difference(a, b))
    rule = difference_rule(direction)
    if est.n < MIN_PAIRS:
        return CheckResult(check, what, rule, Status.failed, est.mean, est.low, est.high, est.n,
                           f"only {est.n} finite pair(s)")
    ok = in_direction(est, direction)
    return CheckResult(check, what, rule, Status.passed if ok else Status.failed, est.mean, est.low, est.high, est.n)


def level(check: str, values: pd.Series, what: str, low: float | None = None, high: float | None = None,
          min_finite: float = 0.0) -> CheckResult:
    """The mean of one arm's per-run values, with its t interval; passes when the whole interval lies
    strictly inside (low, high) and at least `min_finite` of the runs gave a finite value."""
    raw = pd.to_numeric(pd.Series(values, dtype=object), errors="coerce").astype(float)
    x = finite(raw)
    est = mean_ci(x)
    share = x.size / len(raw) if len(raw) else 0.0
    rule = level_rule(low, high, min_finite)
    note = f"finite in {share:.0%} of runs" if share < 1 else ""
    if est.n < MIN_PAIRS:
        return CheckResult(check, what, rule, Status.failed, est.mean, est.low, est.high, est.n,
                           note or f"only {est.n} finite value(s)")
    ok = (share >= min_finite and (low is None or est.low > low) and (high is None or est.high < high))
    return CheckResult(check, what, rule, Status.passed if ok else Status.failed, est.mean, est.low, est.high, est.n,
                       note)


def displacement_ratio(check: str, share_base: pd.Series, share_focus: pd.Series, flow_base: pd.Series,
                       flow_focus: pd.Series, max_ratio: float) -> CheckResult:
    """The balloon effect: relative fall of what arrives / relative fall of the focused post's flow share.

    R = (1 - mean flow_focus / mean flow_base) / (1 - mean share_focus / mean share_base), over the
    replicates with all four values finite, with a percentile bootstrap interval over those replicates.
    R near 1: the focus stops what it pushes off the post; R near 0 (or below): the flow goes round it
    and still arrives. Passes when the share falls and the whole interval lies below `max_ratio`.
    """
    frame = pd.concat([pd.to_numeric(s, errors="coerce").rename(k) for k, s in
                       (("s0", share_base), ("s1", share_focus), ("f0", flow_base), ("f1", flow_focus))],
                      axis=1, join="inner").astype(float)
    frame = frame[np.isfinite(frame.to_numpy()).all(axis=1)]
    rule, what = displacement_rule(max_ratio), DISPLACEMENT_STATISTIC
    n = len(frame)
    if n < MIN_PAIRS:
        return CheckResult(check, what, rule, Status.failed, n=n, note=f"only {n} complete replicate(s)")
    values = frame.to_numpy()
    estimate = _ratio(values.mean(axis=0))
    rng = np.random.default_rng(BOOTSTRAP_SEED)
    picks = rng.integers(0, n, size=(BOOTSTRAP_SAMPLES, n))
    boot = np.array([_ratio(values[idx].mean(axis=0)) for idx in picks])
    # No interpolation between resamples: a resample whose share did not fall counts as +inf.
    low, high = (float(q) for q in np.quantile(boot, [0.025, 0.975], method="inverted_cdf"))
    share_fell = values[:, 1].mean() < values[:, 0].mean()
    ok = share_fell and math.isfinite(estimate) and high < max_ratio
    note = "" if share_fell else "the focused post's flow share did not fall"
    return CheckResult(check, what, rule, Status.passed if ok else Status.failed, estimate, low, high, n, note)


def _ratio(means: np.ndarray) -> float:
    """R of `displacement_ratio` from the means (s0, s1, f0, f1); +inf when the share did not fall."""
    s0, s1, f0, f1 = (float(m) for m in means)
    if s0 <= 0 or f0 <= 0:
        return math.inf
    share_fall = 1 - s1 / s0
    if share_fall <= 0:
        return math.inf
    return (1 - f1 / f0) / share_fall


def monotone_steps(check: str, arms: Mapping[str, pd.Series], direction: int, what: str) -> CheckResult:
    """A lever's response over increasing levels (the arms, in order) moves one way.

    Passes when every step's paired mean moves in `direction`, no step's 95% interval lies on the other
    side of zero, and the whole range (last - first, paired) has its interval on the stated side: a flat
    end of a saturating curve is allowed, a reversal is not. The estimate is the whole-range difference.
    """
    names = list(arms)
    steps = [mean_ci(difference(arms[p], arms[q])) for p, q in itertools.pairwise(names)]
    total = mean_ci(difference(arms[names[0]], arms[names[-1]]))
    rule = monotone_rule(direction)
    shown = ", ".join(f"{s.mean:+.3g}" for s in steps)
    if total.n < MIN_PAIRS or any(s.n < MIN_PAIRS for s in steps):
        return CheckResult(check, what, rule, Status.failed, total.mean, total.low, total.high, total.n,
                           "too few finite pairs")
    reversed_step = any(in_direction(s, -direction) for s in steps)
    ok = (all(s.mean * direction > 0 for s in steps) and not reversed_step and in_direction(total, direction))
    return CheckResult(check, what, rule, Status.passed if ok else Status.failed, total.mean, total.low, total.high,
                       total.n, f"steps {shown}")


def unequal_steps(check: str, arms: Mapping[str, pd.Series], what: str) -> CheckResult:
    """The response is not a straight line over equally spaced levels: the first step minus the last step
    (paired per replicate) has a 95% interval that excludes zero."""
    names = list(arms)
    rule = UNEQUAL_RULE
    if len(names) < 3:
        return CheckResult(check, what, rule, Status.failed, note="needs at least three levels")
    frame = pd.concat([pd.to_numeric(arms[k], errors="coerce").rename(str(i)) for i, k in enumerate(names)],
                      axis=1, join="inner").astype(float)
    frame = frame[np.isfinite(frame.to_numpy()).all(axis=1)]
    y = frame.to_numpy()
    if len(y) < MIN_PAIRS:
        return CheckResult(check, what, rule, Status.failed, n=len(y), note="too few complete replicates")
    curvature = (y[:, 1] - y[:, 0]) - (y[:, -1] - y[:, -2])
    est = mean_ci(curvature)
    ok = in_direction(est, 0)
    return CheckResult(check, what, rule, Status.passed if ok else Status.failed, est.mean, est.low, est.high, est.n)


def any_differs(check: str, pairs: Mapping[str, tuple[pd.Series, pd.Series]]) -> CheckResult:
    """Two arms differ in at least one of several outcomes (two-sided paired intervals); the result shows
    the outcome whose interval lies furthest from zero relative to its width."""
    rule = ANY_RULE
    results = {name: paired_difference(check, a, b, 0, name) for name, (a, b) in pairs.items()}
    what = "paired difference in " + " or ".join(pairs)
    if not results:
        return CheckResult(check, what, rule, Status.failed, note="nothing to compare")

    def strength(r: CheckResult) -> float:
        if not (math.isfinite(r.low) and math.isfinite(r.high)) or r.high == r.low:
            return -math.inf
        return abs(r.estimate) / (r.high - r.low)

    best_name, best = max(results.items(), key=lambda kv: strength(kv[1]))
    ok = any(r.status == Status.passed for r in results.values())
    return CheckResult(check, f"paired difference in {best_name}", rule, Status.passed if ok else Status.failed,
                       best.estimate, best.low, best.high, best.n,
                       "; ".join(f"{k}: {r.estimate:+.3g}" for k, r in results.items()))
