"""The report's figures, one function per PNG; outcomes are named by their registry labels and units.

Figures are drawn on `matplotlib.figure.Figure` directly (no pyplot), so building a report never needs a
display and leaves no global state behind. The baseline is red in every figure.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim import outcomes
from sim.experiment.report.formatting import fmt_share, outcome_label
from sim.experiment.report.results import Results
from sim.experiment.report.sensitivity import lever_numeric
from sim.experiment.report.stats import Estimate, binned_means, scenario_estimates, timeseries_bands

#: Daily series drawn with bands (registry keys of daily levels or of outcomes summed over days), and
#: whether each is drawn cumulated.
TIMESERIES_PANELS = (("shipments_seized", True), ("corrupt_officer_share", False), ("community_trust", False),
                     ("network_members", False))
#: The trade-off figure: interdiction (x) against what happens to victims (y, one panel each).
TRADEOFF_X, TRADEOFF_Y = "interdiction_rate", ("victims_trafficked", "victims_protected")
#: What enforcement costs: the registry's reported outcomes of these groups.
COST_GROUPS = ("trade", "cost")

BASELINE_COLOUR, OTHER_COLOURS = "#d62728", ("#1f77b4", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
                                             "#bcbd22", "#17becf", "#ff7f0e", "#393b79", "#637939", "#8c6d31")


def daily(key: str) -> outcomes.Outcome:
    """The registry entry of a daily column: a daily level where one has the key (the share of corrupt
    officers that day, not its mean over the run), else the outcome the column sums to."""
    return next((level for level in outcomes.LEVELS if level.key == key), None) or outcomes.get(key)


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


def plot_distributions(results: Results, keys: Sequence[str], path: Path) -> Path | None:
    """Box plots per scenario (runs as dots), one panel per outcome; the baseline in red."""
    scenarios = [s for s in results.scenarios if (results.ok["scenario"] == s).any()]
    if not keys or not scenarios:
        return None
    colours = scenario_colours(scenarios, results.baseline)
    rng = np.random.default_rng(0)
    fig, axes = _grid(len(keys), width=max(4.2, 0.45 * len(scenarios) + 1.5))
    for ax, key in zip(axes, keys, strict=True):
        data = [pd.to_numeric(results.ok.loc[results.ok["scenario"] == s, key], errors="coerce").dropna()
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
        ax.set_title(outcome_label(key), fontsize=10)
        ax.grid(axis="y", alpha=0.3)
    return _save(fig, path)


def plot_timeseries(results: Results, path: Path) -> Path | None:
    """Daily mean and 5–95% band per scenario for a few key metrics."""
    panels = [(m, c) for m, c in TIMESERIES_PANELS if results.timeseries is not None and m in results.timeseries]
    if not panels or results.ok.empty:
        return None
    colours = scenario_colours(results.scenarios, results.baseline)
    fig, axes = _grid(len(panels), ncols=2, width=5.5, height=3.4)
    for ax, (metric, cumulative) in zip(axes, panels, strict=True):
        bands = timeseries_bands(results, metric, cumulative)
        for s in results.scenarios:
            b = bands[bands["scenario"] == s]
            if b.empty:
                continue
            width = 2.2 if s == results.baseline else 1.2
            ax.plot(b["day"], b["mean"], color=colours[s], lw=width, label=s)
            ax.fill_between(b["day"], b["q05"], b["q95"], color=colours[s], alpha=0.15, lw=0)
        entry = daily(metric)
        ax.set_title(entry.label + (" (cumulative)" if cumulative else ""), fontsize=10)
        ax.set_xlabel("day")
        ax.set_ylabel(entry.unit, fontsize=8)
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
    ys = [y for y in TRADEOFF_Y if y in results.runs]
    if TRADEOFF_X not in results.runs or not ys or results.ok.empty:
        return None
    scenarios = [s for s in results.scenarios if (results.ok["scenario"] == s).any()]
    colours = scenario_colours(scenarios, results.baseline)
    xs = scenario_estimates(results.ok, TRADEOFF_X, scenarios)
    fig, axes = _grid(len(ys), ncols=2, width=5.0, height=4.0)
    for ax, key in zip(axes, ys, strict=True):
        est = scenario_estimates(results.ok, key, scenarios)
        for s in scenarios:
            if math.isfinite(xs[s].mean) and math.isfinite(est[s].mean):
                _errorbar_point(ax, xs[s], est[s], colours[s], s, s == results.baseline)
        ax.set_xlabel(outcome_label(TRADEOFF_X))
        ax.set_ylabel(outcome_label(key))
        ax.set_title(f"{outcome_label(TRADEOFF_X, False)} vs {outcome_label(key, False)}", fontsize=10)
        ax.grid(alpha=0.3)
    return _save(fig, path)


def plot_cost_delay(results: Results, path: Path) -> Path | None:
    """What enforcement costs: legitimate trade delay and policy cost per scenario (mean, 95% interval)."""
    keys = [o.key for o in outcomes.OUTCOMES if o.group in COST_GROUPS and o.reported and o.key in results.runs]
    scenarios = [s for s in results.scenarios if (results.ok["scenario"] == s).any()]
    if not keys or not scenarios:
        return None
    colours = scenario_colours(scenarios, results.baseline)
    fig, axes = _grid(len(keys), ncols=2, width=max(4.5, 0.5 * len(scenarios) + 1.5), height=3.6)
    for ax, key in zip(axes, keys, strict=True):
        est = scenario_estimates(results.ok, key, scenarios)
        means = [est[s].mean for s in scenarios]
        err = np.array([[est[s].mean - est[s].low, est[s].high - est[s].mean] if est[s].has_interval else [0, 0]
                        for s in scenarios]).T
        ax.bar(range(len(scenarios)), means, yerr=err, capsize=3, color=[colours[s] for s in scenarios], alpha=0.8)
        _scenario_ticks(ax, range(len(scenarios)), scenarios, results.baseline)
        ax.set_title(outcome_label(key), fontsize=10)
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
    ax.set_xticks(range(better.shape[1]), [outcome_label(k, False) for k in better.columns], rotation=60,
                  ha="right", fontsize=8)
    ax.set_yticks(range(better.shape[0]), better.index, fontsize=8)
    fig.colorbar(image, ax=ax, label="share better − share worse")
    return _save(fig, path)


def plot_sweep(results: Results, lever: str, keys: Sequence[str], path: Path) -> Path | None:
    """Each outcome against one swept lever: runs as dots, binned mean per scenario as a line."""
    if lever not in results.ok or not keys or results.ok.empty:
        return None
    ok = results.ok
    x, labels = lever_numeric(ok[lever], (results.design.get("levers") or {}).get(lever))
    scenarios = [s for s in results.scenarios if (ok["scenario"] == s).any()]
    colours = scenario_colours(scenarios, results.baseline if len(scenarios) > 1 else None)
    fig, axes = _grid(len(keys), width=4.2, height=3.2)
    for ax, key in zip(axes, keys, strict=True):
        y = pd.to_numeric(ok[key], errors="coerce").to_numpy(dtype=float)
        for s in scenarios:
            mask = (ok["scenario"] == s).to_numpy()
            ax.scatter(x[mask], y[mask], s=8, alpha=0.4, color=colours[s])
            trend = binned_means(x[mask], y[mask])
            ax.plot(trend["x"], trend["y"], color=colours[s], lw=2, label=s)
        if labels:
            ax.set_xticks(range(len(labels)), labels, rotation=30, ha="right", fontsize=7)
        ax.set_xlabel(lever, fontsize=8)
        ax.set_title(outcome_label(key), fontsize=10)
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
