"""The statistics of a comparison between scenarios, on plain DataFrames and numbers.

Comparisons are paired: replicate r of every scenario runs with the same seed (common random numbers)
and, with sampled worlds, in the same world, so the difference from the baseline is computed run by run
on the key (sample, replicate, world), which removes most of the noise the scenarios share.
`pairing_ratios` measures how much it removes.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from sim import outcomes
from sim.experiment.report.results import Results
from sim.intervals import MIN_PAIRS, Estimate, level_ci, mean_ci

#: What identifies a run within a scenario: runs of two scenarios with the same key share their random numbers.
PAIR_KEYS = ("sample", "replicate", "world")
UP, DOWN = "▲", "▼"
#: Outcomes whose pairing efficiency is reported: the headline ones and the two the trade itself is measured by.
PAIRING_OUTCOMES = (*outcomes.HEADLINE, "criminal_revenue", "shipments_seized")
#: Below this many pairs the report warns that intervals are unreliable.
RELIABLE_PAIRS = 10
#: Bootstrap resamples for intervals of a ratio (cost per unit of gain); the generator is seeded, so a report
#: is the same every time it is built.
BOOTSTRAP_RESAMPLES = 4000


def welch_ci(a: Iterable[float], b: Iterable[float], level: float = 0.95) -> Estimate:
    """Unpaired difference mean(a) - mean(b) with a Welch interval: the fallback when runs cannot be paired."""
    x = np.asarray(list(a), dtype=float)
    y = np.asarray(list(b), dtype=float)
    x, y = x[np.isfinite(x)], y[np.isfinite(y)]
    n = int(min(x.size, y.size))
    if n == 0:
        return Estimate(0, math.nan, math.nan, math.nan)
    diff = float(x.mean() - y.mean())
    if n < 2:
        return Estimate(n, diff, math.nan, math.nan)
    vx, vy = x.var(ddof=1) / x.size, y.var(ddof=1) / y.size
    se = math.sqrt(vx + vy)
    if se == 0:
        return Estimate(n, diff, diff, diff)
    dof = (vx + vy) ** 2 / (vx**2 / (x.size - 1) + vy**2 / (y.size - 1))
    half = float(stats.t.ppf(0.5 + level / 2, dof) * se)
    return Estimate(n, diff, diff - half, diff + half)


def scenario_estimates(ok: pd.DataFrame, outcome: str, scenarios: Sequence[str]) -> dict[str, Estimate]:
    """Mean and interval of one outcome per scenario (over every successful run of the scenario); the
    interval stays inside the outcome's range (`level_ci`)."""
    return {s: level_ci(ok.loc[ok["scenario"] == s, outcome], outcome) for s in scenarios}


def pairable(ok: pd.DataFrame) -> bool:
    """Runs can be paired when (sample, replicate, world) identifies one run per scenario."""
    return not ok.duplicated(["scenario", *PAIR_KEYS]).any()


def paired_differences(ok: pd.DataFrame, outcome: str, baseline: str, scenarios: Sequence[str]) -> dict[str, Estimate]:
    """Scenario minus baseline per outcome, matched run by run on (sample, replicate, world).

    Pairing uses the common random numbers of the design; if the keys do not identify runs uniquely
    (e.g. results collected from ad-hoc runs), the difference falls back to an unpaired Welch interval.
    """
    base = ok.loc[ok["scenario"] == baseline, [*PAIR_KEYS, outcome]]
    out: dict[str, Estimate] = {}
    paired = pairable(ok)
    for s in scenarios:
        if s == baseline:
            continue
        runs = ok.loc[ok["scenario"] == s, [*PAIR_KEYS, outcome]]
        if not paired:
            out[s] = welch_ci(runs[outcome], base[outcome])
            continue
        both = runs.merge(base, on=list(PAIR_KEYS), suffixes=("", "_base"))
        out[s] = mean_ci(both[outcome] - both[f"{outcome}_base"])
    return out


def direction(outcome: str) -> int:
    """The registry's better direction (+1 higher, -1 lower); 0 for a column the registry does not know,
    which then gets no verdict rather than a guessed one."""
    return outcomes.better_direction(outcome) if outcomes.is_outcome(outcome) else 0


def difference_flag(diff: Estimate) -> str:
    """▲ / ▼ when the difference is resolved (its interval excludes zero, from at least `MIN_PAIRS` pairs
    and with some spread), else empty."""
    if not diff.resolved:
        return ""
    return UP if diff.mean > 0 else DOWN


def verdict(outcome: str, diff: Estimate) -> str:
    """'better' / 'worse' for a resolved difference, by the outcome's better direction; '' otherwise."""
    better = direction(outcome)
    if not diff.resolved or better == 0:
        return ""
    return "better" if diff.mean * better > 0 else "worse"


def replications_to_resolve(diff: Estimate, limit: int = 10_000) -> int | None:
    """How many paired replications would make this difference's 95% interval exclude zero, if the mean and
    spread stayed as estimated (the smallest m with t(m-1) x sd / sqrt(m) < |mean|); None when it is
    already resolved, cannot be estimated (fewer than two pairs, no spread, a zero mean), or needs more than
    `limit`. A planning figure, not a promise: the estimated effect is itself uncertain."""
    if diff.resolved or not diff.has_interval or diff.n < 2:
        return None
    half = (diff.high - diff.low) / 2.0
    effect = abs(diff.mean)
    if not (half > 0 and effect > 0 and math.isfinite(half) and math.isfinite(effect)):
        return None
    sd = half * math.sqrt(diff.n) / float(stats.t.ppf(0.975, diff.n - 1))
    # The normal approximation is a lower bound (t > z); the t condition holds within a few pairs of it.
    m = max(diff.n + 1, math.ceil((1.96 * sd / effect) ** 2))
    while m <= limit:
        if float(stats.t.ppf(0.975, m - 1)) * sd / math.sqrt(m) < effect:
            return m
        m += 1
    return None


#: What `judge` can say of a difference from the baseline, and how the report words it.
JUDGEMENTS = {"better": "better", "worse": "worse", "unresolved": "not resolved", "few": "too few runs",
              "no_spread": "no spread", "neutral": "", "missing": "n/a"}


def judge(outcome: str, diff: Estimate | None) -> str:
    """A difference from the baseline judged by the registry's better direction (never by its sign):
    `better`/`worse` when resolved; `unresolved` when its interval includes zero; `few` with fewer than
    `MIN_PAIRS` pairs; `no_spread` for a zero-width interval; `neutral` for a descriptive outcome;
    `missing` without an estimate."""
    if diff is None or diff.n == 0 or not math.isfinite(diff.mean):
        return "missing"
    if direction(outcome) == 0:
        return "neutral"
    if diff.n < MIN_PAIRS or not diff.has_interval:
        return "few"
    if diff.no_spread:
        return "no_spread"
    if not diff.resolved:
        return "unresolved"
    return verdict(outcome, diff)


def pair_counts(results: Results) -> dict[str, int]:
    """Per scenario other than the baseline: how many successful runs have a successful baseline run with
    the same (sample, replicate, world), i.e. how many paired replications its comparison rests on."""
    ok, baseline = results.ok, results.baseline
    if baseline is None or ok.empty:
        return {}
    base = ok.loc[ok["scenario"] == baseline, list(PAIR_KEYS)].drop_duplicates()
    out = {}
    for s in results.scenarios:
        if s == baseline:
            continue
        runs = ok.loc[ok["scenario"] == s, list(PAIR_KEYS)]
        if pairable(ok):
            out[s] = len(runs.merge(base, on=list(PAIR_KEYS)))
        else:
            out[s] = min(len(runs), len(base))
    return out


@dataclass(frozen=True)
class CostEffect:
    """Policy cost per unit of gain on one objective, against the baseline.

    `status`: `ratio` (a resolved gain bought at a cost: `ratio` holds cost per unit with its interval),
    `free` (a resolved gain at no extra cost: `cost` is the saving or zero), or why there is no ratio:
    `worse`, `unresolved`, `few`, `no_spread`, `missing` (as in `judge`). `gain` is in display units
    (percentage points for a share shown in percent), `cost` the extra policy cost (M).
    """

    status: str
    gain: Estimate
    cost: Estimate
    ratio: Estimate | None = None


def _diff_columns(results: Results, scenario: str, keys: Sequence[str]) -> pd.DataFrame:
    """Scenario minus baseline, pair by pair, for several outcomes (rows: pairs with every key finite)."""
    ok, baseline = results.ok, results.baseline
    cols = [*PAIR_KEYS, *keys]
    both = ok.loc[ok["scenario"] == scenario, cols].merge(ok.loc[ok["scenario"] == baseline, cols],
                                                            on=list(PAIR_KEYS), suffixes=("", "_base"))
    diffs = pd.DataFrame({k: pd.to_numeric(both[k], errors="coerce") - pd.to_numeric(both[f"{k}_base"], errors="coerce")
                          for k in keys})
    return diffs[np.isfinite(diffs.to_numpy(dtype=float)).all(axis=1)]


def cost_effectiveness(results: Results, outcome: str, scenario: str, cost_key: str = outcomes.COST_KEY,
                       scale: float = 1.0, level: float = 0.95) -> CostEffect:
    """Extra policy cost per unit of gain on `outcome` (gain: the difference in its better direction, times
    `scale`), for a package against the baseline.

    Only a resolved gain gets a ratio. With a fixed extra cost (no spread over pairs, as the levers set the
    price) the ratio's interval is the cost over the gain's interval; otherwise a seeded percentile bootstrap
    over pairs of the ratio of mean cost to mean gain (unbounded above when resamples reach no gain).
    """
    better = direction(outcome)
    ok, baseline = results.ok, results.baseline
    nan = Estimate(0, math.nan, math.nan, math.nan)
    if baseline is None or better == 0 or outcome not in ok or cost_key not in ok:
        return CostEffect("missing", nan, nan)
    if not pairable(ok):
        gain_raw = paired_differences(ok, outcome, baseline, [scenario])[scenario]
        cost = paired_differences(ok, cost_key, baseline, [scenario])[scenario]
        diffs = None
    else:
        diffs = _diff_columns(results, scenario, [outcome, cost_key])
        gain_raw, cost = mean_ci(diffs[outcome]), mean_ci(diffs[cost_key])
    status = judge(outcome, gain_raw)
    k = better * scale
    lo, hi = sorted((gain_raw.low * k, gain_raw.high * k))
    gain = Estimate(gain_raw.n, gain_raw.mean * k, lo, hi)
    if status != "better":
        return CostEffect(status, gain, cost)
    if cost.mean <= 0:
        return CostEffect("free", gain, cost)
    ratio = cost.mean / gain.mean
    if cost.no_spread or not cost.has_interval:
        return CostEffect("ratio", gain, cost, Estimate(gain.n, ratio, cost.mean / gain.high, cost.mean / gain.low))
    if diffs is None:  # unpaired: no joint resampling; the gain's interval alone
        return CostEffect("ratio", gain, cost, Estimate(gain.n, ratio, cost.mean / gain.high, cost.mean / gain.low))
    rng = np.random.default_rng(0)
    g = diffs[outcome].to_numpy(dtype=float) * k
    c = diffs[cost_key].to_numpy(dtype=float)
    idx = rng.integers(0, len(g), size=(BOOTSTRAP_RESAMPLES, len(g)))
    gm, cm = g[idx].mean(axis=1), c[idx].mean(axis=1)
    alpha = (1 - level) / 2
    if (gm <= 0).mean() > alpha:
        low = float(np.quantile(np.where(gm > 0, cm / np.where(gm > 0, gm, 1), np.inf), alpha))
        return CostEffect("ratio", gain, cost, Estimate(gain.n, ratio, low, math.inf))
    r = cm / gm
    return CostEffect("ratio", gain, cost, Estimate(gain.n, ratio, float(np.quantile(r, alpha)),
                                                    float(np.quantile(r, 1 - alpha))))


def comparison_table(results: Results, outcome: str) -> pd.DataFrame:
    """One row per scenario: n, mean, CI, and (with a baseline) the paired difference, flag and verdict."""
    ok, scenarios, baseline = results.ok, results.scenarios, results.baseline
    means = scenario_estimates(ok, outcome, scenarios)
    diffs = paired_differences(ok, outcome, baseline, scenarios) if baseline else {}
    rows = []
    for s in scenarios:
        m = means[s]
        row: dict[str, Any] = {"scenario": s, "n": m.n, "mean": m.mean, "low": m.low, "high": m.high}
        if baseline:
            d = diffs.get(s)
            row.update({"diff_n": d.n if d else 0, "diff": d.mean if d else math.nan,
                        "diff_low": d.low if d else math.nan, "diff_high": d.high if d else math.nan,
                        "flag": difference_flag(d) if d else "", "verdict": verdict(outcome, d) if d else "",
                        "is_baseline": s == baseline})
        rows.append(row)
    return pd.DataFrame(rows)


#: An outcome whose unpaired sd is at most this share of its mean hardly varies: no pairing ratio for it.
STEADY_SHARE = 1e-3


def pairing_ratios(results: Results, keys: Sequence[str] | None = None) -> pd.DataFrame:
    """How much common random numbers sharpen each comparison with the baseline.

    Per scenario and outcome (default `PAIRING_OUTCOMES`), over the runs matched on (sample, replicate,
    world): `ratio` = sd(scenario - baseline, run by run) / sqrt(var(scenario) + var(baseline)), the second
    being the sd the difference would have if the runs were independent. Below 1 the shared seeds cancel
    noise (0: all of it); about 1 pairing buys nothing. NaN with fewer than two pairs, or when the outcome
    hardly varies (unpaired sd at most `STEADY_SHARE` of its larger mean: a lever's cost, say, moves only
    with a handful of officers, and a ratio of two such slivers says nothing about pairing); empty without
    a baseline or when runs cannot be paired.
    """
    columns = ["scenario", "outcome", "pairs", "sd_paired", "sd_unpaired", "ratio"]
    ok, baseline = results.ok, results.baseline
    if baseline is None or not pairable(ok):
        return pd.DataFrame(columns=columns)
    keys = [k for k in (PAIRING_OUTCOMES if keys is None else keys) if k in ok]
    base = ok.loc[ok["scenario"] == baseline, [*PAIR_KEYS, *keys]]
    rows = []
    for s in results.scenarios:
        runs = ok.loc[ok["scenario"] == s, [*PAIR_KEYS, *keys]]
        if s == baseline or runs.empty:
            continue
        both = runs.merge(base, on=list(PAIR_KEYS), suffixes=("", "_base"))
        for key in keys:
            x = pd.to_numeric(both[key], errors="coerce").to_numpy(dtype=float)
            y = pd.to_numeric(both[f"{key}_base"], errors="coerce").to_numpy(dtype=float)
            finite = np.isfinite(x) & np.isfinite(y)
            x, y = x[finite], y[finite]
            paired = unpaired = ratio = math.nan
            if x.size >= 2:
                paired = float(np.std(x - y, ddof=1))
                unpaired = math.sqrt(float(x.var(ddof=1) + y.var(ddof=1)))
                scale = max(abs(float(x.mean())), abs(float(y.mean())))
                ratio = paired / unpaired if unpaired > STEADY_SHARE * scale else math.nan
            rows.append({"scenario": s, "outcome": key, "pairs": int(x.size), "sd_paired": paired,
                         "sd_unpaired": unpaired, "ratio": ratio})
    return pd.DataFrame(rows, columns=columns)


def median_pairing_ratios(table: pd.DataFrame) -> pd.Series:
    """The median `ratio` per outcome over scenarios (NaN ratios ignored), in the table's outcome order."""
    order = list(dict.fromkeys(table["outcome"]))
    return table.groupby("outcome")["ratio"].median().reindex(order)


def world_means(ok: pd.DataFrame, outcome: str) -> pd.DataFrame:
    """Mean outcome per (scenario, sample, world), over replicates: the unit of the robustness count."""
    finite = ok[np.isfinite(pd.to_numeric(ok[outcome], errors="coerce").astype(float))]
    return finite.groupby(["scenario", "sample", "world"], as_index=False)[outcome].mean()


def robustness_table(results: Results) -> pd.DataFrame:
    """Per scenario and outcome, the share of sampled worlds in which the scenario beats the baseline.

    A world counts as a win when the scenario's mean over replicates is strictly better than the
    baseline's in that same world (ties, e.g. both zero, are neither); `worse_share` counts the losses.
    """
    columns = ["scenario", "outcome", "worlds", "better_share", "worse_share"]
    baseline = results.baseline
    if baseline is None or not results.has_worlds:
        return pd.DataFrame(columns=columns)
    ok = results.ok[results.ok["world"] >= 0]
    rows = []
    for outcome in results.outcomes:
        better = direction(outcome)
        if better == 0:
            continue
        means = world_means(ok, outcome)
        base = means[means["scenario"] == baseline].drop(columns="scenario")
        for s in results.scenarios:
            if s == baseline:
                continue
            both = means[means["scenario"] == s].merge(base, on=["sample", "world"], suffixes=("", "_base"))
            gain = (both[outcome] - both[f"{outcome}_base"]) * better
            n = len(both)
            rows.append({"scenario": s, "outcome": outcome, "worlds": n,
                         "better_share": float((gain > 0).mean()) if n else math.nan,
                         "worse_share": float((gain < 0).mean()) if n else math.nan})
    return pd.DataFrame(rows, columns=columns)


def binned_means(x: np.ndarray, y: np.ndarray, bins: int = 10) -> pd.DataFrame:
    """Mean of y in bins of x (each distinct x when there are few), to draw a trend through a scatter."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    keep = np.isfinite(x) & np.isfinite(y)
    x, y = x[keep], y[keep]
    if x.size == 0:
        return pd.DataFrame(columns=["x", "y"])
    if np.unique(x).size <= bins:
        centre = x
    else:
        edges = np.linspace(x.min(), x.max(), bins + 1)
        which = np.clip(np.digitize(x, edges[1:-1]), 0, bins - 1)
        centre = ((edges[:-1] + edges[1:]) / 2)[which]
    frame = pd.DataFrame({"x": centre, "y": y}).groupby("x", as_index=False)["y"].mean()
    return frame.sort_values("x").reset_index(drop=True)


def timeseries_bands(results: Results, metric: str, cumulative: bool) -> pd.DataFrame:
    """Per scenario and day: mean, 5% and 95% quantiles of a daily metric over successful runs."""
    ts = results.timeseries
    if ts is None or metric not in ts or "day" not in ts:
        return pd.DataFrame(columns=["scenario", "day", "mean", "q05", "q95"])
    ok = results.ok[["run_id", "scenario"]]
    frame = ts[["run_id", "day", metric]].merge(ok, on="run_id").sort_values(["run_id", "day"])
    if cumulative:
        frame[metric] = frame.groupby("run_id")[metric].cumsum()
    grouped = frame.groupby(["scenario", "day"])[metric]
    bands = pd.DataFrame({"mean": grouped.mean(), "q05": grouped.quantile(0.05), "q95": grouped.quantile(0.95)})
    return bands.reset_index()
