"""Experiment reports: what a batch of runs says about each policy package, with its uncertainty.

`build_report(PATH)` reads an experiment results folder (`runs.parquet`, `timeseries.parquet`,
`manifest.json`, as `sim.experiment` writes them) and writes `report.md`, a self-contained
`report.html` (figures embedded, no network) and PNG figures under `PATH/figures/`.
`headline_table(PATH)` returns the short plain-text table printed at the end of a command.

The module is layered so that each part can be tested on its own: loading, statistics (plain
DataFrames and numbers), figures (one function per PNG), and a small document model rendered twice
(Markdown and HTML) so that both formats always say the same thing.

Comparisons are paired: replicate r of every scenario runs with the same seed (common random numbers)
and, with sampled worlds, in the same world, so the difference from the baseline is computed run by run
on the key (sample, replicate, world), which removes most of the noise the scenarios share.
"""

from __future__ import annotations

import base64
import html
import json
import math
import re
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from scipy import stats

from sim.experiment import DEFAULT_OUTCOMES
from sim.results import write_atomic

# ------------------------------------------------------------------------------------------------ vocabulary

#: Outcomes where less is better for policy; the others are better when higher, except `NEUTRAL_OUTCOMES`.
LOWER_IS_BETTER = frozenset({
    "shipments_delivered", "delivered_value", "criminal_revenue", "network_members_final", "recruits",
    "time_to_action_days", "corrupt_officer_share", "corrupt_officer_share_final", "bribes_paid",
    "victims_trafficked", "victims_reexploited", "legit_trade_delay_hours", "policy_cost",
})

#: Outcomes that describe the world rather than judge a policy: no "better" direction, no robustness share.
NEUTRAL_OUTCOMES = frozenset({"shipments_attempted", "network_members_initial", "route_entropy"})
NEUTRAL_PREFIXES = ("flow_share.",)

#: What `headline_table` shows: one outcome per question a planner asks first.
HEADLINE_OUTCOMES = (
    "interdiction_rate", "arrests", "corrupt_officer_share", "victims_trafficked", "legit_trade_delay_hours",
    "policy_cost",
)

#: Reported when the manifest names no outcomes (e.g. results gathered by `collect`).

#: Daily metrics drawn with bands: (column, cumulative?, title).
TIMESERIES_PANELS = (
    ("shipments_seized", True, "shipments seized (cumulative)"),
    ("corrupt_officer_share", False, "corrupt officer share"),
    ("community_trust", False, "community trust"),
    ("network_members", False, "network members"),
)

PAIR_KEYS = ("sample", "replicate", "world")
SWEEP_KINDS = ("grid", "lhs", "sobol")
UP, DOWN = "▲", "▼"
BASELINE_COLOUR, OTHER_COLOURS = "#d62728", ("#1f77b4", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
                                             "#bcbd22", "#17becf", "#ff7f0e", "#393b79", "#637939", "#8c6d31")


def better_direction(outcome: str) -> int:
    """+1 if more of `outcome` is better for policy, -1 if less is, 0 if it has no better side."""
    if outcome in NEUTRAL_OUTCOMES or outcome.startswith(NEUTRAL_PREFIXES):
        return 0
    return -1 if outcome in LOWER_IS_BETTER else 1


class AnalysisUnavailableError(Exception):
    """A sensitivity analysis cannot be computed from these runs; the message says why, for the report."""


# ------------------------------------------------------------------------------------------------ loading


@dataclass
class Results:
    """An experiment's results as stored by the runner, with what the report needs derived from them."""

    path: Path
    runs: pd.DataFrame
    timeseries: pd.DataFrame | None
    manifest: dict[str, Any]
    notes: list[str] = field(default_factory=list)

    @property
    def definition(self) -> dict[str, Any]:
        return self.manifest.get("definition") or {}

    @cached_property
    def ok(self) -> pd.DataFrame:
        """Successful runs: the only ones statistics use (cached: the runs never change after loading)."""
        return self.runs[self.runs["status"] == "ok"]

    @cached_property
    def failed(self) -> pd.DataFrame:
        return self.runs[self.runs["status"] != "ok"]

    @property
    def baseline(self) -> str | None:
        """The baseline scenario if it has successful runs, else None (no differences can be computed)."""
        name = self.definition.get("baseline", "baseline")
        return name if name in set(self.ok["scenario"]) else None

    @property
    def scenarios(self) -> list[str]:
        """Scenarios in the definition's order, then any others found in the data."""
        listed = [str(s) for s in self.definition.get("scenarios") or []]
        found = [s for s in pd.unique(self.runs["scenario"]) if s not in listed]
        return listed + sorted(found)

    @property
    def design(self) -> dict[str, Any]:
        return self.definition.get("design") or {"kind": "none"}

    @property
    def design_kind(self) -> str:
        return str(self.design.get("kind", "none"))

    @property
    def levers(self) -> list[str]:
        return list((self.design.get("levers") or {}).keys()) if self.design_kind != "none" else []

    @property
    def outcomes(self) -> list[str]:
        """Reported outcomes present in the data (`flow_share.*` expands to every node)."""
        wanted = list(self.definition.get("outcomes") or DEFAULT_OUTCOMES)
        columns = list(self.runs.columns)
        out: list[str] = []
        for key in wanted:
            matches = [c for c in columns if c.startswith(key[:-1])] if key.endswith("*") else [key]
            out.extend(m for m in matches if m in columns and m not in out)
        return out

    @property
    def has_worlds(self) -> bool:
        return bool((self.ok["world"] >= 0).any())


def load_results(path: str | Path) -> Results:
    """Read the three files of a results folder; a missing time series or manifest is tolerated."""
    root = Path(path)
    runs = pd.read_parquet(root / "runs.parquet")
    notes: list[str] = []
    defaults: dict[str, Any] = {"run_id": "", "scenario": "", "replicate": 0, "seed": -1, "world": -1, "sample": -1,
                                "status": "ok", "error": ""}
    for column, default in defaults.items():
        if column not in runs:
            runs[column] = default
            notes.append(f"`runs.parquet` has no `{column}` column; assumed `{default}` for every run.")
    runs["scenario"] = runs["scenario"].astype(str)
    runs["status"] = runs["status"].astype(str)
    runs["error"] = runs["error"].fillna("").astype(str)
    for column in ("replicate", "world", "sample"):
        runs[column] = pd.to_numeric(runs[column], errors="coerce").fillna(-1).astype(int)
    ts_path = root / "timeseries.parquet"
    timeseries = pd.read_parquet(ts_path) if ts_path.is_file() else None
    if timeseries is None:
        notes.append("No `timeseries.parquet`: time-series figures are left out.")
    manifest_path = root / "manifest.json"
    manifest = json.loads(manifest_path.read_text()) if manifest_path.is_file() else {}
    if not manifest:
        notes.append("No `manifest.json`: scenarios, baseline and outcomes were taken from the data and defaults.")
    return Results(root, runs, timeseries, manifest, notes)


# ------------------------------------------------------------------------------------------------ statistics


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
    """Mean and interval of one outcome per scenario (over every successful run of the scenario)."""
    return {s: mean_ci(ok.loc[ok["scenario"] == s, outcome]) for s in scenarios}


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


def difference_flag(diff: Estimate) -> str:
    """▲ / ▼ when the difference's interval excludes zero (up or down), else empty."""
    if not diff.excludes_zero:
        return ""
    return UP if diff.mean > 0 else DOWN


def verdict(outcome: str, diff: Estimate) -> str:
    """'better' / 'worse' for a flagged difference, by the outcome's better direction; '' otherwise."""
    direction = better_direction(outcome)
    if not diff.excludes_zero or direction == 0:
        return ""
    return "better" if diff.mean * direction > 0 else "worse"


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
        direction = better_direction(outcome)
        if direction == 0:
            continue
        means = world_means(ok, outcome)
        base = means[means["scenario"] == baseline].drop(columns="scenario")
        for s in results.scenarios:
            if s == baseline:
                continue
            both = means[means["scenario"] == s].merge(base, on=["sample", "world"], suffixes=("", "_base"))
            gain = (both[outcome] - both[f"{outcome}_base"]) * direction
            n = len(both)
            rows.append({"scenario": s, "outcome": outcome, "worlds": n,
                         "better_share": float((gain > 0).mean()) if n else math.nan,
                         "worse_share": float((gain < 0).mean()) if n else math.nan})
    return pd.DataFrame(rows, columns=columns)


def lever_numeric(values: pd.Series, spec: Any = None) -> tuple[np.ndarray, list[str] | None]:
    """A lever column as numbers for analysis and plots, plus category labels if it was not numeric.

    Booleans become 0/1 (labelled false/true); strings that parse as numbers become numbers; other
    strings (targeting modes, JSON lists) become their position in the grid's list of values, or in
    sorted order.
    """
    if pd.api.types.is_bool_dtype(values):
        return values.astype(float).to_numpy(), ["false", "true"]
    if pd.api.types.is_numeric_dtype(values):
        return values.astype(float).to_numpy(), None
    as_text = values.astype(str)
    lowered = as_text.str.lower()
    if lowered.isin(["true", "false"]).all():
        return (lowered == "true").astype(float).to_numpy(), ["false", "true"]
    numbers = pd.to_numeric(as_text, errors="coerce")
    if numbers.notna().all():
        return numbers.astype(float).to_numpy(), None
    if isinstance(spec, list | tuple) and all(_cell_text(v) in set(as_text) for v in spec):
        labels = [_cell_text(v) for v in spec]
        labels += sorted(set(as_text) - set(labels))
    else:
        labels = sorted(set(as_text))
    index = {label: i for i, label in enumerate(labels)}
    return as_text.map(index).astype(float).to_numpy(), labels


def _cell_text(value: Any) -> str:
    """How the runner stores a grid value in a lever column (lists as JSON text)."""
    return json.dumps(value) if isinstance(value, list | dict) else str(value)


def sample_means(results: Results, outcome: str, scenario: str) -> pd.DataFrame:
    """One row per design point (`sample`), ordered: the lever values and the outcome averaged over replicates.

    Design points with no successful run (or only NaN outcomes) keep a NaN outcome so that the caller
    can drop the whole trajectory or block they belong to.
    """
    runs = results.runs[(results.runs["scenario"] == scenario) & (results.runs["sample"] >= 0)]
    levers = results.levers
    specs = results.design.get("levers") or {}
    x = pd.DataFrame({k: lever_numeric(runs[k], specs.get(k))[0] for k in levers}, index=runs.index)
    x["sample"] = runs["sample"]
    y = pd.to_numeric(runs[outcome], errors="coerce").where(runs["status"] == "ok")
    x["y"] = y
    grouped = x.groupby("sample")
    table = grouped[levers].first()
    table["y"] = grouped["y"].mean()
    return table.sort_index()


def complete_blocks(table: pd.DataFrame, block: int, what: str) -> pd.DataFrame:
    """Keep the whole blocks (Morris trajectories, Saltelli groups) whose design points all have an outcome."""
    n_points = int(table.index.max()) + 1 if len(table) else 0
    if n_points == 0 or n_points % block:
        raise AnalysisUnavailableError(f"{n_points} design points is not a multiple of the {what} size {block}")
    full = table.reindex(range(n_points))
    blocks = np.arange(n_points) // block
    keep = full.groupby(blocks)["y"].transform(lambda s: bool(s.notna().all())).astype(bool).to_numpy()
    if not keep.any():
        raise AnalysisUnavailableError(f"no complete {what} (every one has a failed run or a missing outcome)")
    return full[keep]


def reveal_hidden_steps(x: np.ndarray, block: int) -> np.ndarray:
    """Make every Morris step show which lever moved, even when typing hid the move.

    The runner turns sampled numbers into the config's types (a bool by threshold, an int by rounding),
    so a step of a trajectory can leave every column unchanged. Each lever moves exactly once per
    trajectory, so when one step and one lever are left over, the step belongs to that lever; a tiny
    nudge lets SALib attribute it (the model saw no change, so its true effect there is ~0).
    """
    x = x.astype(float).copy()
    for start in range(0, len(x), block):
        traj = x[start:start + block]
        moved = np.diff(traj, axis=0) != 0
        silent_steps = np.flatnonzero(~moved.any(axis=1))
        unmoved = np.flatnonzero(~moved.any(axis=0))
        if len(silent_steps) == 1 and len(unmoved) == 1:
            traj[silent_steps[0] + 1:, unmoved[0]] += 1e-9
    return x


def _problem(results: Results) -> dict[str, Any]:
    """The SALib problem from the design's levers (non-numeric bounds fall back to [0, 1])."""
    specs = results.design.get("levers") or {}
    bounds = []
    for key in results.levers:
        spec = specs[key]
        try:
            low, high = float(spec[0]), float(spec[-1])
        except (TypeError, ValueError, IndexError):
            low, high = 0.0, 1.0
        bounds.append([low, high] if high > low else [0.0, 1.0])
    return {"num_vars": len(results.levers), "names": list(results.levers), "bounds": bounds}


def morris_indices(results: Results, outcome: str, scenario: str) -> pd.DataFrame:
    """Morris screening of the levers for one outcome: mu*, its 95% conf, mu and sigma, ranked by mu*.

    X is the lever columns ordered by `sample` (one row per design point), Y the outcome averaged over
    replicates; trajectories with a failed point are dropped whole.
    """
    from SALib.analyze import morris

    problem = _problem(results)
    block = problem["num_vars"] + 1
    table = complete_blocks(sample_means(results, outcome, scenario), block, "Morris trajectory")
    x = reveal_hidden_steps(table[results.levers].to_numpy(dtype=float), block)
    y = table["y"].to_numpy(dtype=float)
    if len(y) < 2 * block:
        raise AnalysisUnavailableError(f"only {len(y) // block} complete Morris trajectory; at least 2 are needed")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        si = morris.analyze(problem, x, y, num_levels=int(results.design.get("num_levels", 4)), seed=0)
    frame = pd.DataFrame({"lever": problem["names"], "mu_star": np.asarray(si["mu_star"], dtype=float),
                          "mu_star_conf": np.asarray(si["mu_star_conf"], dtype=float),
                          "mu": np.asarray(si["mu"], dtype=float), "sigma": np.asarray(si["sigma"], dtype=float)})
    frame = frame.sort_values("mu_star", ascending=False, kind="stable").reset_index(drop=True)
    frame["rank"] = np.arange(1, len(frame) + 1)
    return frame


def sobol_indices(results: Results, outcome: str, scenario: str) -> pd.DataFrame:
    """First-order (S1) and total (ST) Sobol indices with 95% conf, from a Saltelli design.

    The runner samples without second-order terms (D + 2 points per base sample) unless the design says
    `calc_second_order: true`; blocks with a failed point are dropped whole.
    """
    from SALib.analyze import sobol

    problem = _problem(results)
    d = problem["num_vars"]
    second = bool(results.design.get("calc_second_order", False))
    block = 2 * d + 2 if second else d + 2
    table = complete_blocks(sample_means(results, outcome, scenario), block, "Saltelli block")
    y = table["y"].to_numpy(dtype=float)
    if len(y) < 2 * block:
        raise AnalysisUnavailableError(f"only {len(y) // block} complete Saltelli block; at least 2 are needed")
    if np.nanstd(y) == 0:
        raise AnalysisUnavailableError("the outcome does not vary over the design")
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        si = sobol.analyze(problem, y, calc_second_order=second, seed=0)
    frame = pd.DataFrame({"lever": problem["names"], "S1": si["S1"], "S1_conf": si["S1_conf"], "ST": si["ST"],
                          "ST_conf": si["ST_conf"]})
    return frame.sort_values("ST", ascending=False, kind="stable").reset_index(drop=True)


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


# ------------------------------------------------------------------------------------------------ formatting


def fmt(value: Any, signed: bool = False) -> str:
    """A number with about three significant digits; 'n/a' for missing."""
    try:
        x = float(value)
    except (TypeError, ValueError):
        return "n/a"
    if not math.isfinite(x):
        return "n/a"
    if x == 0:
        return "0"
    text = f"{x:,.0f}" if abs(x) >= 1000 else f"{x:.3g}"
    return f"+{text}" if signed and x > 0 else text


def fmt_interval(low: float, high: float, signed: bool = False) -> str:
    if not (math.isfinite(low) and math.isfinite(high)):
        return "n/a"
    return f"[{fmt(low, signed)}, {fmt(high, signed)}]"


def fmt_share(value: float) -> str:
    return "n/a" if not math.isfinite(value) else f"{value:.0%}"


def slug(text: str) -> str:
    """A file-name-safe form of a key (`policy.intel_sharing` -> `policy_intel_sharing`)."""
    return re.sub(r"[^A-Za-z0-9_-]+", "_", text).strip("_")


# ------------------------------------------------------------------------------------------------ figures


def scenario_colours(scenarios: Sequence[str], baseline: str | None) -> dict[str, str]:
    """The baseline in red everywhere; the others in a fixed cycle."""
    others = iter(OTHER_COLOURS * (len(scenarios) // len(OTHER_COLOURS) + 1))
    return {s: BASELINE_COLOUR if s == baseline else next(others) for s in scenarios}


def _grid(n: int, ncols: int = 3, width: float = 4.2, height: float = 3.2) -> tuple[Figure, list[Any]]:
    ncols = max(1, min(ncols, n))
    nrows = math.ceil(n / ncols)
    fig = Figure(figsize=(width * ncols, height * nrows), dpi=100, layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel().tolist()
    for ax in axes[n:]:
        ax.set_visible(False)
    return fig, axes[:n]


def _save(fig: Figure, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, format="png")
    return path


def _scenario_ticks(ax: Any, positions: Iterable[float], scenarios: Sequence[str], baseline: str | None) -> None:
    """Scenario names under the x axis, the baseline's in bold."""
    ax.set_xticks(list(positions), scenarios, rotation=45, ha="right", fontsize=8)
    for label in ax.get_xticklabels():
        if label.get_text() == baseline:
            label.set_fontweight("bold")


def plot_distributions(results: Results, outcomes: Sequence[str], path: Path) -> Path | None:
    """Box plots per scenario (runs as dots), one panel per outcome; the baseline in red."""
    scenarios = [s for s in results.scenarios if (results.ok["scenario"] == s).any()]
    if not outcomes or not scenarios:
        return None
    colours = scenario_colours(scenarios, results.baseline)
    rng = np.random.default_rng(0)
    fig, axes = _grid(len(outcomes), width=max(4.2, 0.45 * len(scenarios) + 1.5))
    for ax, outcome in zip(axes, outcomes, strict=True):
        data = [pd.to_numeric(results.ok.loc[results.ok["scenario"] == s, outcome], errors="coerce").dropna()
                for s in scenarios]
        positions = np.arange(1, len(scenarios) + 1)
        boxes = ax.boxplot([d.to_numpy() if len(d) else [np.nan] for d in data], positions=positions,
                           widths=0.6, patch_artist=True, showfliers=False)
        for patch, s in zip(boxes["boxes"], scenarios, strict=True):
            patch.set_facecolor(colours[s])
            patch.set_alpha(0.35 if s != results.baseline else 0.6)
        for pos, d, s in zip(positions, data, scenarios, strict=True):
            ax.scatter(pos + rng.uniform(-0.15, 0.15, len(d)), d, s=9, color=colours[s], zorder=3)
        _scenario_ticks(ax, positions, scenarios, results.baseline)
        ax.set_title(outcome, fontsize=10)
        ax.grid(axis="y", alpha=0.3)
    return _save(fig, path)


def plot_timeseries(results: Results, path: Path) -> Path | None:
    """Daily mean and 5–95% band per scenario for a few key metrics."""
    panels = [(m, c, t) for m, c, t in TIMESERIES_PANELS
              if results.timeseries is not None and m in results.timeseries]
    if not panels or results.ok.empty:
        return None
    colours = scenario_colours(results.scenarios, results.baseline)
    fig, axes = _grid(len(panels), ncols=2, width=5.5, height=3.4)
    for ax, (metric, cumulative, title) in zip(axes, panels, strict=True):
        bands = timeseries_bands(results, metric, cumulative)
        for s in results.scenarios:
            b = bands[bands["scenario"] == s]
            if b.empty:
                continue
            width = 2.2 if s == results.baseline else 1.2
            ax.plot(b["day"], b["mean"], color=colours[s], lw=width, label=s)
            ax.fill_between(b["day"], b["q05"], b["q95"], color=colours[s], alpha=0.15, lw=0)
        ax.set_title(title, fontsize=10)
        ax.set_xlabel("day")
        ax.grid(alpha=0.3)
    handles, labels = axes[0].get_legend_handles_labels()
    if handles:
        fig.legend(handles, labels, loc="outside right upper", fontsize=8)
    return _save(fig, path)


def _errorbar_point(ax: Any, x: Estimate, y: Estimate, colour: str, label: str, baseline: bool) -> None:
    xerr = [[x.mean - x.low], [x.high - x.mean]] if x.has_interval else None
    yerr = [[y.mean - y.low], [y.high - y.mean]] if y.has_interval else None
    ax.errorbar([x.mean], [y.mean], xerr=xerr, yerr=yerr, fmt="s" if baseline else "o", color=colour,
                ms=8 if baseline else 6, capsize=3)
    ax.annotate(label, (x.mean, y.mean), xytext=(4, 4), textcoords="offset points", fontsize=8,
                fontweight="bold" if baseline else "normal")


def plot_tradeoff(results: Results, path: Path) -> Path | None:
    """Interdiction against victim outcomes: scenario means with 95% intervals on both axes."""
    ys = [y for y in ("victims_trafficked", "victims_protected") if y in results.runs]
    if "interdiction_rate" not in results.runs or not ys or results.ok.empty:
        return None
    scenarios = [s for s in results.scenarios if (results.ok["scenario"] == s).any()]
    colours = scenario_colours(scenarios, results.baseline)
    xs = scenario_estimates(results.ok, "interdiction_rate", scenarios)
    fig, axes = _grid(len(ys), ncols=2, width=5.0, height=4.0)
    for ax, outcome in zip(axes, ys, strict=True):
        est = scenario_estimates(results.ok, outcome, scenarios)
        for s in scenarios:
            if math.isfinite(xs[s].mean) and math.isfinite(est[s].mean):
                _errorbar_point(ax, xs[s], est[s], colours[s], s, s == results.baseline)
        ax.set_xlabel("interdiction_rate")
        ax.set_ylabel(outcome)
        ax.set_title(f"interdiction vs {outcome}", fontsize=10)
        ax.grid(alpha=0.3)
    return _save(fig, path)


def plot_cost_delay(results: Results, path: Path) -> Path | None:
    """What enforcement costs: legitimate trade delay and policy cost per scenario (mean, 95% interval)."""
    outcomes = [o for o in ("legit_trade_delay_hours", "policy_cost") if o in results.runs]
    scenarios = [s for s in results.scenarios if (results.ok["scenario"] == s).any()]
    if not outcomes or not scenarios:
        return None
    colours = scenario_colours(scenarios, results.baseline)
    fig, axes = _grid(len(outcomes), ncols=2, width=max(4.5, 0.5 * len(scenarios) + 1.5), height=3.6)
    for ax, outcome in zip(axes, outcomes, strict=True):
        est = scenario_estimates(results.ok, outcome, scenarios)
        means = [est[s].mean for s in scenarios]
        err = np.array([[est[s].mean - est[s].low, est[s].high - est[s].mean] if est[s].has_interval else [0, 0]
                        for s in scenarios]).T
        ax.bar(range(len(scenarios)), means, yerr=err, capsize=3, color=[colours[s] for s in scenarios], alpha=0.8)
        _scenario_ticks(ax, range(len(scenarios)), scenarios, results.baseline)
        ax.set_title(outcome, fontsize=10)
        ax.grid(axis="y", alpha=0.3)
    return _save(fig, path)


def plot_robustness(table: pd.DataFrame, path: Path) -> Path | None:
    """Heat map of the share of worlds in which each scenario beats the baseline (text), coloured by the
    share better minus the share worse."""
    if table.empty:
        return None
    order = {"index": list(dict.fromkeys(table["scenario"])), "columns": list(dict.fromkeys(table["outcome"]))}
    better = table.pivot(index="scenario", columns="outcome", values="better_share").reindex(**order)
    worse = table.pivot(index="scenario", columns="outcome", values="worse_share").reindex(**order)
    fig = Figure(figsize=(1.0 + 0.75 * better.shape[1], 1.6 + 0.45 * better.shape[0]), dpi=100, layout="constrained")
    ax = fig.subplots()
    net = (better - worse).to_numpy(dtype=float)  # ties (e.g. both zero) stay neutral instead of looking like losses
    image = ax.imshow(net, cmap="RdYlGn", vmin=-1, vmax=1, aspect="auto")
    for (i, j), value in np.ndenumerate(better.to_numpy(dtype=float)):
        ax.text(j, i, fmt_share(value), ha="center", va="center", fontsize=7)
    ax.set_xticks(range(better.shape[1]), better.columns, rotation=60, ha="right", fontsize=8)
    ax.set_yticks(range(better.shape[0]), better.index, fontsize=8)
    fig.colorbar(image, ax=ax, label="share better − share worse")
    return _save(fig, path)


def plot_sweep(results: Results, lever: str, outcomes: Sequence[str], path: Path) -> Path | None:
    """Each outcome against one swept lever: runs as dots, binned mean per scenario as a line."""
    if lever not in results.ok or not outcomes or results.ok.empty:
        return None
    ok = results.ok
    x, labels = lever_numeric(ok[lever], (results.design.get("levers") or {}).get(lever))
    scenarios = [s for s in results.scenarios if (ok["scenario"] == s).any()]
    colours = scenario_colours(scenarios, results.baseline if len(scenarios) > 1 else None)
    fig, axes = _grid(len(outcomes), width=4.2, height=3.2)
    for ax, outcome in zip(axes, outcomes, strict=True):
        y = pd.to_numeric(ok[outcome], errors="coerce").to_numpy(dtype=float)
        for s in scenarios:
            mask = (ok["scenario"] == s).to_numpy()
            ax.scatter(x[mask], y[mask], s=8, alpha=0.4, color=colours[s])
            trend = binned_means(x[mask], y[mask])
            ax.plot(trend["x"], trend["y"], color=colours[s], lw=2, label=s)
        if labels:
            ax.set_xticks(range(len(labels)), labels, rotation=30, ha="right", fontsize=7)
        ax.set_xlabel(lever, fontsize=8)
        ax.set_title(outcome, fontsize=10)
        ax.grid(alpha=0.3)
    if len(scenarios) > 1:
        axes[0].legend(fontsize=7)
    return _save(fig, path)


def plot_indices(frame: pd.DataFrame, value: str, conf: str, title: str, path: Path,
                 second: tuple[str, str] | None = None) -> Path:
    """Horizontal bars of a sensitivity index per lever (most influential on top), with its conf."""
    frame = frame.iloc[::-1]
    fig = Figure(figsize=(6.0, 1.2 + 0.4 * len(frame)), dpi=100, layout="constrained")
    ax = fig.subplots()
    pos = np.arange(len(frame))
    height = 0.4 if second else 0.7
    ax.barh(pos + (height / 2 if second else 0), frame[value], xerr=np.nan_to_num(frame[conf].to_numpy(dtype=float)),
            height=height, color="#1f77b4", capsize=3, label=value)
    if second:
        ax.barh(pos - height / 2, frame[second[0]], xerr=np.nan_to_num(frame[second[1]].to_numpy(dtype=float)),
                height=height, color="#ff7f0e", capsize=3, label=second[0])
        ax.legend(fontsize=8)
    ax.set_yticks(pos, frame["lever"], fontsize=8)
    ax.set_xlabel(value if not second else "index")
    ax.set_title(title, fontsize=10)
    ax.grid(axis="x", alpha=0.3)
    return _save(fig, path)


# ------------------------------------------------------------------------------------------------ document model


@dataclass
class Heading:
    text: str
    level: int = 2


@dataclass
class Paragraph:
    text: str


@dataclass
class Table:
    header: list[str]
    rows: list[list[str]]
    #: Optional CSS class per cell (same shape as rows) for the HTML rendering.
    classes: list[list[str]] | None = None


@dataclass
class Image:
    path: Path
    caption: str


Block = Heading | Paragraph | Table | Image


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_markdown(blocks: Sequence[Block], root: Path) -> str:
    """The report as Markdown; images are linked relative to the report."""
    lines: list[str] = []
    for block in blocks:
        if isinstance(block, Heading):
            lines += ["#" * block.level + " " + block.text, ""]
        elif isinstance(block, Paragraph):
            lines += [block.text, ""]
        elif isinstance(block, Table):
            lines.append("| " + " | ".join(_md_cell(h) for h in block.header) + " |")
            lines.append("|" + "|".join("---" for _ in block.header) + "|")
            lines += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in block.rows]
            lines.append("")
        else:
            lines += [f"![{block.caption}]({block.path.relative_to(root).as_posix()})", "", f"*{block.caption}*", ""]
    return "\n".join(lines)


CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;max-width:1200px;margin:2em auto;padding:0 1em;
color:#222;line-height:1.45}
h1{border-bottom:2px solid #444}h2{border-bottom:1px solid #ccc;margin-top:2em}h3{margin-top:1.5em}
table{border-collapse:collapse;margin:0.8em 0;font-size:0.9em}
th,td{border:1px solid #ccc;padding:3px 8px;text-align:right}th{background:#f0f0f0}
td:first-child,th:first-child{text-align:left}
tr.baseline td{background:#fff3f3;font-weight:600}
td.better{background:#e3f6e3}td.worse{background:#fbe3e3}td.error{text-align:left;font-family:monospace}
figure{margin:1em 0}figure img{max-width:100%;border:1px solid #ddd}figcaption{font-style:italic;color:#555}
code{background:#f4f4f4;padding:0 3px}
"""


def _inline_html(text: str) -> str:
    """Escape text, then turn `code` and **bold** Markdown spans into HTML."""
    escaped = html.escape(text)
    escaped = re.sub(r"`([^`]+)`", r"<code>\1</code>", escaped)
    return re.sub(r"\*\*([^*]+)\*\*", r"<strong>\1</strong>", escaped)


def _html_table(block: Table) -> str:
    head = "".join(f"<th>{_inline_html(h)}</th>" for h in block.header)
    body = []
    for i, row in enumerate(block.rows):
        classes = block.classes[i] if block.classes else [""] * len(row)
        row_class = ' class="baseline"' if "baseline" in classes else ""
        cells = "".join(f'<td class="{c}">{_inline_html(v)}</td>' if c and c != "baseline" else
                        f"<td>{_inline_html(v)}</td>" for v, c in zip(row, classes, strict=True))
        body.append(f"<tr{row_class}>{cells}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def render_html(blocks: Sequence[Block], title: str) -> str:
    """The report as one self-contained HTML page: inline CSS, figures as base64 PNG, no external links."""
    parts = []
    for block in blocks:
        if isinstance(block, Heading):
            parts.append(f"<h{block.level}>{_inline_html(block.text)}</h{block.level}>")
        elif isinstance(block, Paragraph):
            parts.append(f"<p>{_inline_html(block.text)}</p>")
        elif isinstance(block, Table):
            parts.append(_html_table(block))
        else:
            data = base64.b64encode(block.path.read_bytes()).decode("ascii")
            parts.append(f'<figure><img alt="{html.escape(block.caption)}" src="data:image/png;base64,{data}">'
                         f"<figcaption>{_inline_html(block.caption)}</figcaption></figure>")
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
            f"<style>{CSS}</style></head><body>\n" + "\n".join(parts) + "\n</body></html>\n")


# ------------------------------------------------------------------------------------------------ sections


def header_section(results: Results) -> list[Block]:
    d, m = results.definition, results.manifest
    name = d.get("name") or m.get("experiment") or results.path.name
    blocks: list[Block] = [Heading(f"Experiment report: {name}", 1)]
    if d.get("description"):
        blocks.append(Paragraph(str(d["description"])))
    facts = [("results key", m.get("key", results.path.name)),
             ("baseline", d.get("baseline") or results.baseline or "n/a"),
             ("replications", d.get("replications", "n/a")), ("days", d.get("days", "n/a")),
             ("experiment seed", d.get("seed", "n/a")), ("design", results.design_kind),
             ("sampled worlds", (d.get("uncertainties") or {}).get("samples", 0)),
             ("git commit", m.get("git_commit") or "n/a")]
    timings = m.get("timings_seconds") or {}
    if timings:
        facts.append(("timings (s)", ", ".join(f"{k} {fmt(v)}" for k, v in timings.items())))
    versions = m.get("versions") or {}
    if versions:
        facts.append(("versions", ", ".join(f"{k} {v}" for k, v in versions.items())))
    blocks.append(Table(["setting", "value"], [[k, str(v)] for k, v in facts]))
    return blocks


def runs_section(results: Results) -> list[Block]:
    """Run counts per scenario, and every failed run with its seed and error (never silently dropped)."""
    runs = results.runs
    ok_n, failed_n = len(results.ok), len(results.failed)
    blocks: list[Block] = [Heading("Runs"),
                           Paragraph(f"**{len(runs)}** runs: **{ok_n}** ok, **{failed_n}** failed. "
                                     "Failed runs are left out of every statistic.")]
    expected = (results.manifest.get("runs") or {}).get("total")
    if expected is not None and int(expected) != len(runs):
        blocks.append(Paragraph(f"The manifest counts {expected} runs but `runs.parquet` holds {len(runs)}."))
    counts = [[s, str(int(((runs["scenario"] == s) & (runs["status"] == "ok")).sum())),
               str(int(((runs["scenario"] == s) & (runs["status"] != "ok")).sum()))] for s in results.scenarios]
    blocks.append(Table(["scenario", "ok", "failed"], counts))
    if failed_n:
        blocks.append(Heading("Failed runs", 3))
        rows = [[str(r.run_id), str(r.scenario), str(r.replicate), str(r.seed), _first_line(r.error)]
                for r in results.failed.itertuples()]
        blocks.append(Table(["run", "scenario", "replicate", "seed", "error"], rows,
                            [["", "", "", "", "error"] for _ in rows]))
    return blocks


def _first_line(text: str, limit: int = 300) -> str:
    line = (text or "").strip().splitlines()[0] if (text or "").strip() else "(no message)"
    return line if len(line) <= limit else line[: limit - 1] + "…"


def comparison_rows(table: pd.DataFrame, with_diff: bool,
                    pairing: str = "paired") -> tuple[list[str], list[list[str]], list[list[str]]]:
    """Header, formatted rows and HTML cell classes of one outcome's comparison table."""
    header = ["scenario", "n", "mean", "95% CI"]
    if with_diff:
        header += ["diff vs baseline", f"95% CI ({pairing})", "flag"]
    rows, classes = [], []
    for r in table.itertuples():
        row = [r.scenario, str(r.n), fmt(r.mean), fmt_interval(r.low, r.high) if r.n >= 2 else "n/a"]
        cls = ["baseline" if with_diff and r.is_baseline else ""] + [""] * 3
        if with_diff:
            if r.is_baseline:
                row += ["(baseline)", "", ""]
                cls += ["", "", ""]
            else:
                flag = f"{r.flag} {r.verdict}".strip()
                row += [fmt(r.diff, signed=True), fmt_interval(r.diff_low, r.diff_high, signed=True), flag]
                cls += [r.verdict, "", r.verdict]
        rows.append(row)
        classes.append(cls)
    return header, rows, classes


def comparison_section(results: Results) -> list[Block]:
    """Per outcome: mean and interval per scenario, paired difference from the baseline and its flag."""
    blocks: list[Block] = [Heading("Outcomes by scenario")]
    baseline = results.baseline
    text = ("Mean over successful runs with its 95% t interval (n/a when n < 2; NaN outcomes are ignored). ")
    if results.design_kind != "none":
        text += "Each scenario's numbers are pooled over every design point of the sweep. "
    if baseline is None:
        wanted = results.definition.get("baseline", "baseline")
        text += (f"**No baseline in the data** (baseline `{wanted}` has no successful run), so no differences "
                 "are shown.")
    elif pairable(results.ok):
        text += (f"The difference from `{baseline}` is paired run by run on (design point, replicate, world), "
                 f"which share their random numbers; {UP}/{DOWN} flags a difference whose 95% interval excludes "
                 "zero, and says whether that is better or worse for policy.")
    else:
        text += (f"Runs cannot be paired (several runs share a design point, replicate and world), so the "
                 f"difference from `{baseline}` uses an unpaired Welch interval; {UP}/{DOWN} flags an interval "
                 "that excludes zero.")
    blocks.append(Paragraph(text))
    if results.ok.empty:
        blocks.append(Paragraph("No successful runs: nothing to compare."))
        return blocks
    for outcome in results.outcomes:
        pairing = "paired" if pairable(results.ok) else "Welch"
        header, rows, classes = comparison_rows(comparison_table(results, outcome), baseline is not None, pairing)
        direction = {1: "higher is better", -1: "lower is better", 0: "descriptive"}[better_direction(outcome)]
        blocks += [Heading(f"{outcome} ({direction})", 3), Table(header, rows, classes)]
    return blocks


def robustness_section(results: Results, figures: Path) -> list[Block]:
    """How often each package beats the baseline across sampled worlds, per outcome."""
    if not results.has_worlds:
        return []
    blocks: list[Block] = [Heading("Robustness across sampled worlds")]
    table = robustness_table(results)
    if table.empty:
        blocks.append(Paragraph("No baseline in the data: robustness cannot be computed."))
        return blocks
    n_worlds = results.ok.loc[results.ok["world"] >= 0, "world"].nunique()
    blocks.append(Paragraph(
        f"Share of the {n_worlds} sampled worlds in which the scenario's mean over replicates is strictly better "
        "than the baseline's in the same world (in brackets: share worse; ties count as neither). "
        "Descriptive outcomes are left out."))
    outcomes = list(dict.fromkeys(table["outcome"]))
    rows, classes = [], []
    for s in dict.fromkeys(table["scenario"]):
        part = table[table["scenario"] == s].set_index("outcome")
        rows.append([s] + [f"{fmt_share(part.at[o, 'better_share'])} ({fmt_share(part.at[o, 'worse_share'])})"
                           for o in outcomes])
        classes.append([""] + [_share_class(part.at[o, "better_share"]) for o in outcomes])
    blocks.append(Table(["scenario", *outcomes], rows, classes))
    figure = plot_robustness(table, figures / "robustness.png")
    if figure:
        blocks.append(Image(figure, "Share of sampled worlds in which each scenario beats the baseline "
                            "(colour: share better − share worse)"))
    return blocks


def _share_class(share: float) -> str:
    if not math.isfinite(share):
        return ""
    return "better" if share >= 0.8 else "worse" if share <= 0.2 else ""


def figures_section(results: Results, figures: Path) -> list[Block]:
    """The comparison figures: distributions, time series, trade-off, cost and delay."""
    made = [
        (plot_distributions(results, results.outcomes, figures / "distributions.png"),
         "Outcome distributions by scenario (boxes: quartiles; dots: runs; baseline in red)"),
        (plot_timeseries(results, figures / "timeseries.png"),
         "Daily metrics: mean per scenario with the 5–95% band over runs"),
        (plot_tradeoff(results, figures / "tradeoff.png"),
         "Trade-off: interdiction rate against victim outcomes (scenario means, 95% intervals)"),
        (plot_cost_delay(results, figures / "cost_delay.png"),
         "Legitimate trade delay and policy cost per scenario (mean, 95% interval)"),
    ]
    blocks: list[Block] = [Heading("Figures")]
    blocks += [Image(path, caption) for path, caption in made if path is not None]
    return blocks if len(blocks) > 1 else []


def sweep_section(results: Results, figures: Path) -> list[Block]:
    """Outcome against each swept lever (grid, LHS and Sobol designs)."""
    blocks: list[Block] = [Heading("Outcomes against swept levers"),
                           Paragraph("Each dot is a run; the line is the mean per lever value (or per bin of "
                                     "ten equal-width bins).")]
    for lever in results.levers:
        if lever not in results.runs:
            blocks.append(Paragraph(f"Lever `{lever}` has no column in `runs.parquet`; not plotted."))
            continue
        figure = plot_sweep(results, lever, results.outcomes, figures / f"sweep_{slug(lever)}.png")
        if figure:
            blocks.append(Image(figure, f"Outcomes against {lever}"))
    return blocks


def _analysed_scenarios(results: Results) -> list[str]:
    return [s for s in results.scenarios if ((results.runs["scenario"] == s) & (results.runs["sample"] >= 0)).any()]


def morris_section(results: Results, figures: Path) -> list[Block]:
    """Morris screening: mu* per lever per outcome, as a ranking table and one bar chart per outcome."""
    blocks: list[Block] = [Heading("Sensitivity: Morris screening"), Paragraph(
        "mu* is the mean absolute elementary effect of a lever on the outcome (averaged over replicates per "
        "design point): the larger, the more the outcome responds to the lever. Cells give the rank "
        "(1 = most influential) and mu*; levers are ordered by their mean rank over outcomes.")]
    missing = [k for k in results.levers if k not in results.runs]
    if missing:
        return [*blocks, Paragraph(f"Lever column(s) {', '.join(missing)} missing from `runs.parquet`: "
                                   "no analysis.")]
    scenarios = _analysed_scenarios(results)
    for scenario in scenarios:
        if len(scenarios) > 1:
            blocks.append(Heading(f"Scenario {scenario}", 3))
        ranked: dict[str, pd.DataFrame] = {}
        for outcome in results.outcomes:
            try:
                ranked[outcome] = morris_indices(results, outcome, scenario)
            except (AnalysisUnavailableError, ValueError) as exc:
                blocks.append(Paragraph(f"`{outcome}`: no Morris analysis ({exc})."))
        if not ranked:
            continue
        blocks.append(ranking_table(ranked))
        prefix = f"morris_{slug(scenario)}_" if len(scenarios) > 1 else "morris_"
        for outcome, frame in ranked.items():
            path = plot_indices(frame, "mu_star", "mu_star_conf", f"Morris mu* for {outcome}",
                                figures / f"{prefix}{slug(outcome)}.png")
            blocks.append(Image(path, f"Morris mu* (with 95% conf) of each lever for {outcome}"))
    return blocks


def ranking_table(ranked: dict[str, pd.DataFrame]) -> Table:
    """Levers x outcomes: 'rank (mu*)', levers sorted by mean rank."""
    ranks = pd.DataFrame({o: f.set_index("lever")["rank"] for o, f in ranked.items()})
    order = ranks.mean(axis=1).sort_values(kind="stable").index
    rows = []
    for lever in order:
        cells = [f"{int(ranked[o].set_index('lever').at[lever, 'rank'])} "
                 f"({fmt(ranked[o].set_index('lever').at[lever, 'mu_star'])})" for o in ranked]
        rows.append([lever, *cells])
    return Table(["lever", *ranked], rows)


def sobol_section(results: Results, figures: Path) -> list[Block]:
    """Sobol indices (S1, ST) per lever per outcome when the design fits Saltelli's scheme."""
    blocks: list[Block] = [Heading("Sensitivity: Sobol indices"), Paragraph(
        "S1: share of the outcome's variance due to the lever alone; ST: including its interactions.")]
    scenarios = _analysed_scenarios(results)
    for scenario in scenarios:
        if len(scenarios) > 1:
            blocks.append(Heading(f"Scenario {scenario}", 3))
        for outcome in results.outcomes:
            try:
                frame = sobol_indices(results, outcome, scenario)
            except (AnalysisUnavailableError, ValueError, ZeroDivisionError, RuntimeError) as exc:
                blocks.append(Paragraph(f"`{outcome}`: no Sobol analysis ({exc})."))
                continue
            rows = [[r.lever, fmt(r.S1), fmt(r.S1_conf), fmt(r.ST), fmt(r.ST_conf)] for r in frame.itertuples()]
            blocks += [Heading(outcome, 4), Table(["lever", "S1", "S1 conf", "ST", "ST conf"], rows)]
            prefix = f"sobol_{slug(scenario)}_" if len(scenarios) > 1 else "sobol_"
            path = plot_indices(frame, "ST", "ST_conf", f"Sobol indices for {outcome}",
                                figures / f"{prefix}{slug(outcome)}.png", second=("S1", "S1_conf"))
            blocks.append(Image(path, f"Sobol total (ST) and first-order (S1) indices for {outcome}"))
    return blocks


def design_section(results: Results, figures: Path) -> list[Block]:
    kind = results.design_kind
    if kind == "morris":
        return morris_section(results, figures)
    blocks = sweep_section(results, figures) if kind in SWEEP_KINDS else []
    if kind == "sobol":
        blocks += sobol_section(results, figures)
    return blocks


def notes_section(results: Results) -> list[Block]:
    wanted = list(results.definition.get("outcomes") or [])
    missing = [o for o in wanted if not o.endswith("*") and o not in results.runs]
    notes = list(results.notes)
    if missing:
        notes.append(f"Outcome(s) not found in `runs.parquet`, left out: {', '.join(missing)}.")
    if not notes:
        return []
    return [Heading("Notes"), *(Paragraph(n) for n in notes)]


# ------------------------------------------------------------------------------------------------ entry points


def _write_text(path: Path, text: str) -> None:
    """Write via a temporary file so that a report is never left half-written."""
    write_atomic(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def build_report(path: str | Path) -> Path:
    """Write report.md, report.html and figures/*.png into the results folder PATH; returns report.md."""
    results = load_results(path)
    root = results.path
    figures = root / "figures"
    figures.mkdir(exist_ok=True)
    for old in figures.glob("*.png"):  # the folder belongs to the report: no stale figures from a rebuild
        old.unlink()
    blocks: list[Block] = [*header_section(results), *runs_section(results), *comparison_section(results)]
    if not results.ok.empty:
        blocks += [*figures_section(results, figures), *robustness_section(results, figures),
                   *design_section(results, figures)]
    blocks += notes_section(results)
    title = blocks[0].text if isinstance(blocks[0], Heading) else "Experiment report"
    _write_text(root / "report.html", render_html(blocks, title))
    report = root / "report.md"
    _write_text(report, render_markdown(blocks, root))
    return report


def headline_table(path: str | Path) -> str:
    """A short plain-text table of the headline differences from the baseline, for a terminal."""
    results = load_results(path)
    outcomes = [o for o in HEADLINE_OUTCOMES if o in results.runs]
    baseline = results.baseline
    if results.ok.empty or not outcomes:
        return "no successful runs to summarise"
    if baseline is None:
        title = "Mean per scenario (no baseline in the data):"
        cells = {s: {o: fmt(mean_ci(results.ok.loc[results.ok["scenario"] == s, o]).mean) for o in outcomes}
                 for s in results.scenarios}
    else:
        title = f"Difference from {baseline} (▲/▼: 95% interval excludes zero):"
        cells = {}
        for o in outcomes:
            diffs = paired_differences(results.ok, o, baseline, results.scenarios)
            for s, d in diffs.items():
                cells.setdefault(s, {})[o] = f"{fmt(d.mean, signed=True)} {difference_flag(d)}".rstrip()
    if not cells:
        return f"{title}\n(only the baseline ran)"
    width = max(len("scenario"), *(len(s) for s in cells))
    widths = {o: max(len(o), *(len(c[o]) for c in cells.values())) for o in outcomes}
    lines = [title, "  ".join(["scenario".ljust(width), *(o.rjust(widths[o]) for o in outcomes)])]
    lines += ["  ".join([s.ljust(width), *(c[o].rjust(widths[o]) for o in outcomes)]) for s, c in cells.items()]
    return "\n".join(lines)
