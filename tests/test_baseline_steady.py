"""The baseline is steady after the warm-up: over five measured years its key levels drift by no more than
the tolerances documented in docs/ODD.md (section 5, "A steady baseline"), on average over seeds, on the
default corridor and on a generated one.

Drift is the slope of a straight line through the five yearly means (per year), averaged over seeds; a
level that runs away (corruption capturing whole forces, trust collapsing, the network growing without
bound) shows as a slope well beyond its tolerance. Yearly noise around a level does not.
"""

from __future__ import annotations

import numpy as np
import pytest

from tests.levers import outcomes

YEARS = 5
SEEDS = range(6)
CORRIDORS = {"default": [], "generated-1": ["corridor=generated", "corridor.seed=1"]}

#: level -> (daily column of timeseries.parquet, how a year is summarised, tolerance per year,
#: relative to the first year's level or absolute)
TOLERANCES = {
    "corrupt officer share": ("corrupt_officer_share", "mean", 0.015, "absolute"),
    "community trust": ("community_trust", "mean", 0.015, "absolute"),
    "network members": ("network_members", "mean", 0.05, "relative"),
    "shipments delivered": ("shipments_delivered", "sum", 0.05, "relative"),
    "criminal cash and wealth": ("criminal_cash", "mean", 0.05, "relative"),
}


def _yearly(result, column: str, how: str) -> np.ndarray:
    ts = result.timeseries
    years = ts["day"] // 365
    grouped = ts.groupby(years)[column]
    return (grouped.mean() if how == "mean" else grouped.sum()).to_numpy()[:YEARS]


def _slopes(result) -> dict[str, float]:
    out = {}
    for name, (column, how, _, scale) in TOLERANCES.items():
        y = _yearly(result, column, how)
        slope = float(np.polyfit(np.arange(len(y)), y, 1)[0])
        out[name] = slope / max(abs(y[0]), 1e-9) if scale == "relative" else slope
    return out


@pytest.fixture(scope="module", params=list(CORRIDORS))
def drift(request: pytest.FixtureRequest) -> dict[str, np.ndarray]:
    measures = {name: (lambda r, n=name: _slopes(r)[n]) for name in TOLERANCES}
    return outcomes([*CORRIDORS[request.param], f"days={365 * YEARS}"], SEEDS, measures)


@pytest.mark.parametrize("level", list(TOLERANCES))
def test_baseline_level_drifts_within_tolerance(drift: dict[str, np.ndarray], level: str) -> None:
    tolerance = TOLERANCES[level][2]
    slopes = drift[level]
    assert abs(slopes.mean()) <= tolerance, (
        f"{level}: mean drift {slopes.mean():+.4f}/year (per seed {np.round(slopes, 4).tolist()}), "
        f"tolerance {tolerance}/year")
