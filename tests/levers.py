"""Shared helpers for tests that compare outcomes of two policy settings over several seeds."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from joblib import Parallel, delayed

from sim import RunResult, run_scenario

Measure = Callable[[RunResult], float]


def _run(overrides: Sequence[str], seed: int, measures: dict[str, Measure]) -> dict[str, float]:
    result = run_scenario(list(overrides), seed=seed)
    return {name: float(f(result)) for name, f in measures.items()}


def outcomes(overrides: Sequence[str], seeds: Sequence[int], measures: dict[str, Measure]) -> dict[str, np.ndarray]:
    """Each measure of each seed's run, as arrays over seeds (runs in parallel on the machine's cores)."""
    rows = Parallel(n_jobs=-1)(delayed(_run)(overrides, s, measures) for s in seeds)
    return {name: np.array([r[name] for r in rows]) for name in measures}


def welch_t(low: np.ndarray, high: np.ndarray) -> float:
    """Welch's t statistic of high - low (how many standard errors apart the two means are)."""
    se = np.sqrt(low.var(ddof=1) / len(low) + high.var(ddof=1) / len(high))
    diff = high.mean() - low.mean()
    if se == 0:
        return float("inf") if diff > 0 else float("-inf") if diff < 0 else 0.0
    return float(diff / se)


def paired_t(low: np.ndarray, high: np.ndarray) -> float:
    """t statistic of the mean per-seed difference high - low. The same seed gives both settings the same
    draws in every mechanism the lever does not touch (random streams per mechanism: common random
    numbers), so the differences carry the lever's effect with much less noise than two independent samples."""
    d = high - low
    se = d.std(ddof=1) / np.sqrt(len(d))
    if se == 0:
        return float("inf") if d.mean() > 0 else float("-inf") if d.mean() < 0 else 0.0
    return float(d.mean() / se)


def summary_key(key: str) -> Measure:
    def measure(result: RunResult) -> float:
        value = result.summary[key]
        return float("nan") if value is None else float(value)

    measure.__name__ = key
    return measure
